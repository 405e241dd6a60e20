// Reads smb.conf / ksmbd.conf INI syntax (as Samba's smb.conf): [sections], `key = value` lines,
// `\` continuation lines and # / ; comments, keeping each setting's line number for error messages.
// What the keys mean is config.ts's business; this file only knows the file's structure.

/** A fatal configuration problem; the message reads `file:line: problem`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
    readonly key?: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
    this.name = "ConfigError";
  }
}

/** A value as written, with where it came from. */
export interface Setting { value: string; line: number; key: string; inverted: boolean }
export interface Section { name: string; line: number; settings: Map<string, Setting> }

/** Splits text into logical lines (joining `\` continuations), each tagged with its first line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const raw = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const out: { line: number; text: string }[] = [];
  let acc: string | null = null;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i];
    if (acc !== null) t = acc + t.replace(/^[ \t]+/, "");
    else start = i + 1;
    if (t.endsWith("\\")) { acc = t.slice(0, -1); continue; }
    acc = null;
    out.push({ line: start, text: t });
  }
  if (acc !== null) out.push({ line: start, text: acc });
  return out;
}

const SHARE_NAME_BAD = /["/\\[\]:|<>+=;,*?]/;

/** True if s contains a C0 control character or DEL (tab allowed when allowTab). */
export function hasControlChar(s: string, allowTab = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || c === 0x7f) && !(allowTab && c === 0x09)) return true;
  }
  return false;
}

/**
 * Splits smb.conf text into its [global] section and share sections, calling onSetting for each
 * `key = value` in file order (with the section it is in); throws ConfigError on a malformed line.
 */
export function readIni(
  text: string,
  fileName: string,
  onSetting: (cur: Section, isGlobal: boolean, key: string, value: string, line: number) => void,
): { globalSec: Section; shares: Section[] } {
  const fail = (line: number, msg: string, key?: string): never => {
    throw new ConfigError(fileName, line, msg, key);
  };
  const globalSec: Section = { name: "global", line: 0, settings: new Map() };
  const shares: Section[] = [];
  let cur = globalSec;
  for (const { line, text: rawLine } of logicalLines(text)) {
    const t = rawLine.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    if (t.startsWith("[")) {
      const m = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(t);
      if (!m) fail(line, `bad section header "${t}": expected [name]`);
      const name = (m as RegExpExecArray)[1].trim();
      if (name.toLowerCase() === "global") { cur = globalSec; continue; }
      if (name === "") fail(line, "empty section name");
      if (name.length > 80) fail(line, `share name "${name.slice(0, 20)}…" is longer than 80 characters`);
      if (name.toLowerCase() === "ipc$") fail(line, "share name [IPC$] is reserved");
      if (SHARE_NAME_BAD.test(name) || hasControlChar(name)) fail(line, `share name "${name}" contains a character not allowed in share names`);
      const dup = shares.find((s) => s.name.toLowerCase() === name.toLowerCase());
      if (dup) fail(line, `duplicate share [${name}] (first defined on line ${dup.line})`);
      cur = { name, line, settings: new Map() };
      shares.push(cur);
      continue;
    }
    const eq = t.indexOf("=");
    if (eq < 0) fail(line, `expected "key = value" or "[section]", got "${t}"`);
    const key = t.slice(0, eq).trim();
    const value = t.slice(eq + 1).trim();
    if (key === "") fail(line, `missing key name before "="`);
    if (hasControlChar(value, true)) fail(line, `control character in value of "${key}"`, key);
    onSetting(cur, cur === globalSec, key, value, line);
  }
  return { globalSec, shares };
}
