// AssemblyScript `abort` → the host's `panic` import. A trap kills every connection, so the
// core is written never to reach this; if it does, the host logs the message and exits.

@external("host", "panic")
declare function hostPanic(msgPtr: usize, msgBytes: i32, filePtr: usize, fileBytes: i32, line: u32, column: u32): void;

export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // Strings are UTF-16LE in AssemblyScript; the host decodes them as such.
  const m: usize = message === null ? 0 : changetype<usize>(message);
  const ml = message === null ? 0 : message.length << 1;
  const f: usize = fileName === null ? 0 : changetype<usize>(fileName);
  const fl = fileName === null ? 0 : fileName.length << 1;
  hostPanic(m, ml, f, fl, line, column);
  unreachable();
}
