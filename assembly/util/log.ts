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

export function log(l: i32, msg: string): void {
  if (l > level) return;
  const b = String.UTF8.encode(msg);
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
