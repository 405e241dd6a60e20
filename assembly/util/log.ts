// Log lines from the core to the host (cold paths only: formatting allocates).
import { host_log } from "../abi/imports";

export const LOG_ERROR = 0;
export const LOG_WARN = 1;
export const LOG_INFO = 2;
export const LOG_DEBUG = 3;

let level = LOG_INFO;

export function setLogLevel(l: i32): void {
  level = l;
}

export function logEnabled(l: i32): bool {
  return l <= level;
}

/**
 * Escapes control characters (CWE-117: names from the wire must not forge log lines or send
 * terminal escapes): U+0000-001F, U+007F-009F, U+2028/2029 become \xNN / \uNNNN.
 */
export function sanitize(msg: string): string {
  let clean = true;
  for (let i = 0; i < msg.length; i++) {
    const c = msg.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029) {
      clean = false;
      break;
    }
  }
  if (clean) return msg;
  let out = "";
  for (let i = 0; i < msg.length; i++) {
    const c = msg.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
    else if (c == 0x2028 || c == 0x2029) out += "\\u" + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out;
}

export function log(l: i32, msg: string): void {
  if (l > level) return;
  const b = String.UTF8.encode(sanitize(msg));
  host_log(l, changetype<usize>(b), b.byteLength);
}

export function logError(msg: string): void {
  log(LOG_ERROR, msg);
}
export function logWarn(msg: string): void {
  log(LOG_WARN, msg);
}
export function logInfo(msg: string): void {
  log(LOG_INFO, msg);
}
export function logDebug(msg: string): void {
  log(LOG_DEBUG, msg);
}

/** A duration for log lines: "1 s", "1.5 s", "0.25 s". */
export function secondsText(ms: f64): string {
  const s = ms / 1000;
  const whole = Math.floor(s);
  if (s == whole) return (<i64>whole).toString() + " s";
  return (Math.round(s * 1000) / 1000).toString() + " s";
}
