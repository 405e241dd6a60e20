// A growing delay after repeated authentication failures from one client address (password
// guessing): the first few failures answer at once, then each further failure's answer waits
// 1 s, 2 s, 4 s … up to 30 s. A success from the address, or 10 minutes without failures,
// forgets it. The table is bounded; its oldest entry gives way.
import { Request } from "../smb2/request";
import { WaitList, wake } from "../smb2/async";
import { peerAddress } from "./host_rules";

const FREE_FAILURES: i32 = 3;
const BASE_DELAY_MS: f64 = 1000;
export const MAX_DELAY_MS: f64 = 30000;
const FORGET_MS: f64 = 600000;
const MAX_ENTRIES: i32 = 4096;

class Failures {
  count: i32 = 0;
  lastMs: f64 = 0;
}

const table = new Map<string, Failures>();
/** SESSION_SETUP requests whose failure answer is being held back (deadline in r.u2, as ms). */
const held = new WaitList();

function evictOldest(): void {
  const keys = table.keys();
  let oldest = "";
  let t = f64.MAX_VALUE;
  for (let i = 0; i < keys.length; i++) {
    const e = table.get(unchecked(keys[i]));
    if (e.lastMs < t) {
      t = e.lastMs;
      oldest = unchecked(keys[i]);
    }
  }
  if (oldest.length > 0) table.delete(oldest);
}

/** Records a failed logon from peer; returns how long its answer should wait (ms, 0 = none). */
export function authFailed(peer: string, now: f64): f64 {
  const a = peerAddress(peer);
  let e: Failures;
  if (table.has(a)) {
    e = table.get(a);
    if (now - e.lastMs > FORGET_MS) e.count = 0;
  } else {
    if (table.size >= MAX_ENTRIES) evictOldest();
    e = new Failures();
    table.set(a, e);
  }
  e.count++;
  e.lastMs = now;
  if (e.count <= FREE_FAILURES) return 0;
  const shift = e.count - FREE_FAILURES - 1;
  const d = shift >= 5 ? MAX_DELAY_MS : BASE_DELAY_MS * <f64>(1 << shift);
  return d < MAX_DELAY_MS ? d : MAX_DELAY_MS;
}

/** A logon from peer succeeded: its failures are forgotten. */
export function authSucceeded(peer: string): void {
  const a = peerAddress(peer);
  if (table.has(a)) table.delete(a);
}

/** Holds r (a failed SESSION_SETUP) until `until`; the handler runs again then, at r.step. */
export function holdUntil(r: Request, until: f64): void {
  r.u2 = <u64>until;
  held.add(r);
}

/** Releases held answers that are due; returns the next deadline (0 = none). */
export function throttleTimers(now: f64): f64 {
  let next: f64 = 0;
  const items = held.items.slice();
  for (let i = 0; i < items.length; i++) {
    const r = unchecked(items[i]);
    const until = <f64>r.u2;
    const c = r.conn;
    if (until <= now || c === null || !c.alive) {
      wake(r, 0);
    } else if (next == 0 || until < next) {
      next = until;
    }
  }
  return next;
}

/** Failures remembered for an address (tests). */
export function failuresOf(peer: string): i32 {
  const a = peerAddress(peer);
  return table.has(a) ? table.get(a).count : 0;
}
