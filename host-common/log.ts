// Log lines for the hosts: one line per event, time-stamped, with a level word.
export type Logger = (level: number, message: string) => void;

const LEVELS = ["ERROR", "WARN", "INFO", "DEBUG"];

/** A logger writing lines at or below maxLevel (0 error … 3 debug) through write. */
export function makeLogger(maxLevel: number, write: (line: string) => void): Logger {
  return (level, message) => {
    if (level > maxLevel) return;
    write(`${new Date().toISOString()} ${LEVELS[level] ?? "DEBUG"} ${message}`);
  };
}

/** smb.conf `log level` (0..10) → the core's levels: 0 → warnings, 1-2 → info, 3+ → debug. */
export function coreLevel(logLevel: number): number {
  return logLevel <= 0 ? 1 : logLevel < 3 ? 2 : 3;
}
