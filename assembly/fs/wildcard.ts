// MS-FSA 2.1.4.4 FsRtlIsNameInExpression: matching names against patterns with *, ?, and
// the DOS wildcards < (DOS_STAR), > (DOS_QM) and " (DOS_DOT); case-insensitive.

const STAR: i32 = 0x2a;
const QM: i32 = 0x3f;
const DOS_STAR: i32 = 0x3c;
const DOS_QM: i32 = 0x3e;
const DOS_DOT: i32 = 0x22;
const DOT: i32 = 0x2e;

/** True if the pattern contains any wildcard character. */
export function hasWildcards(p: string): bool {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c == STAR || c == QM || c == DOS_STAR || c == DOS_QM || c == DOS_DOT) return true;
  }
  return false;
}

/** Is there a '.' in name at or after position i? */
function dotAfter(name: string, i: i32): bool {
  for (let k = i; k < name.length; k++) if (name.charCodeAt(k) == DOT) return true;
  return false;
}

/**
 * Matches an upper-cased name against an upper-cased expression. Iterative with a bounded
 * backtracking state (an NFA over expression positions), so no pattern can blow up.
 */
export function matchUpper(expr: string, name: string): bool {
  const n = expr.length;
  // states: set of expression positions reachable after consuming name[0..i)
  let cur = new StaticArray<bool>(n + 1);
  let next = new StaticArray<bool>(n + 1);
  cur[0] = true;
  closure(expr, name, 0, cur);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    for (let k = 0; k <= n; k++) next[k] = false;
    let any = false;
    for (let p = 0; p < n; p++) {
      if (!cur[p]) continue;
      const e = expr.charCodeAt(p);
      if (e == STAR) {
        next[p] = true; // * absorbs c and stays
        any = true;
      } else if (e == DOS_STAR) {
        // < matches any run not containing the last dot; stays while c is not that dot
        if (!(c == DOT && !dotAfter(name, i + 1))) { next[p] = true; any = true; }
      } else if (e == QM || e == DOS_QM) {
        if (!(e == DOS_QM && c == DOT)) { next[p + 1] = true; any = true; }
      } else if (e == DOS_DOT) {
        if (c == DOT) { next[p + 1] = true; any = true; }
      } else if (e == c) {
        next[p + 1] = true;
        any = true;
      }
    }
    if (!any) return false;
    closure(expr, name, i + 1, next);
    const t = cur;
    cur = next;
    next = t;
  }
  return cur[n];
}

/** Adds the positions reachable without consuming a character (empty-matching wildcards). */
function closure(expr: string, name: string, i: i32, set: StaticArray<bool>): void {
  const n = expr.length;
  const atEnd = i >= name.length;
  for (let p = 0; p < n; p++) {
    if (!set[p]) continue;
    const e = expr.charCodeAt(p);
    let skip = false;
    if (e == STAR || e == DOS_STAR) skip = true;
    else if (e == DOS_QM) skip = atEnd || name.charCodeAt(i) == DOT; // matches nothing at a dot or end
    else if (e == DOS_DOT) skip = atEnd; // matches the end of the name
    if (skip) set[p + 1] = true;
  }
}

/** Case-insensitive match of name against pattern ("*" matches everything). */
export function matchName(pattern: string, name: string): bool {
  if (pattern == "*" || pattern.length == 0) return true;
  return matchUpper(pattern.toUpperCase(), name.toUpperCase());
}
