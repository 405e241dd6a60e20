// The core side of the byte stream: handing response frames to the host (OP_SEND), freeing
// them when the host reports them written, and asking the host to disconnect.
import { Conn } from "./conn";
import { submit, OP_SEND, OP_DISCONNECT } from "../fs/io";
import { bufFree } from "../util/buffers";
import { logWarn } from "../util/log";

/** Queues [ptr, ptr+len) for the connection; the buffer (of capacity cap) is now the connection's. */
export function sendBuffer(c: Conn, ptr: usize, cap: usize, len: u32): void {
  if (!c.alive || c.closing) {
    bufFree(ptr, cap);
    return;
  }
  if (submit(OP_SEND, c, 0, c.id, 0, ptr, len, 0, 0, 0, 0) == 0) {
    bufFree(ptr, cap);
    disconnect(c, "cannot queue a response (out of memory)");
    return;
  }
  c.txPtrs.push(ptr);
  c.txSizes.push(cap);
  c.txBytes += cap;
}

/** Completion of the oldest send: free its buffer. */
export function sendDone(c: Conn, result: i32): void {
  if (c.txHead >= c.txPtrs.length) return;
  const p = unchecked(c.txPtrs[c.txHead]);
  const cap = unchecked(c.txSizes[c.txHead]);
  c.txHead++;
  c.txBytes -= cap;
  bufFree(p, cap);
  if (c.txHead == c.txPtrs.length) {
    c.txPtrs.length = 0;
    c.txSizes.length = 0;
    c.txHead = 0;
  } else if (c.txHead >= 64) {
    c.txPtrs = c.txPtrs.slice(c.txHead);
    c.txSizes = c.txSizes.slice(c.txHead);
    c.txHead = 0;
  }
  if (result < 0 && !c.closing) disconnect(c, "send failed with errno " + (-result).toString());
}

/** Asks the host to close the connection (it then calls conn_closed). Logs why. */
export function disconnect(c: Conn, why: string): void {
  if (c.closing || !c.alive) return;
  c.closing = true;
  logWarn("Disconnecting " + c.peer + ": " + why);
  submit(OP_DISCONNECT, null, 0, c.id, 0, 0, 0, 0, 0, 0, 0);
}
