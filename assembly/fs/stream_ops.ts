// Host operations on named streams (abi.wit stream-stat/-open/-list/-del/-rename, MS-FSCC
// 2.1.5.3): each queues one record whose completion resumes the request, as fs/ops.ts does.
// A stream's host handle takes the ordinary read/write/truncate/fstat/close operations.
import * as S from "../smb2/status";
import { submit, OP_STREAM_STAT, OP_STREAM_OPEN, OP_STREAM_LIST, OP_STREAM_DEL, OP_STREAM_RENAME } from "./io";
import { STAT_EX_SIZE, clearMeta } from "./stat";
import { Request } from "../smb2/request";
import { Open } from "./open";
import { beginIo } from "./handles";
import { statArea } from "./ops";

/** Bytes of one stream-list record before its name: u64 size, u64 allocation, u32 name bytes, u32 0. */
export const STREAM_REC_HEADER: u32 = 24;

@inline function queued(id: u32): u32 {
  return id == 0 ? S.STATUS_INSUFFICIENT_RESOURCES : S.STATUS_INTERNAL_WAIT;
}

/**
 * UTF-8 of path followed by the stream name; the path's byte length is in `pathBytes`.
 * Read by the host while it drains the queue, before any garbage collection can run.
 */
let pathBytes: u32 = 0;
function pathAndStream(path: string, stream: string): ArrayBuffer {
  const a = String.UTF8.encode(path);
  const b = String.UTF8.encode(stream);
  const out = new ArrayBuffer(a.byteLength + b.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(a), <usize>a.byteLength);
  memory.copy(changetype<usize>(out) + <usize>a.byteLength, changetype<usize>(b), <usize>b.byteLength);
  pathBytes = <u32>a.byteLength;
  return out;
}

/** Stats stream `stream` of share:path into the request's stat area (the file's, with the stream's size). */
export function ioStreamStat(r: Request, share: u32, path: string, stream: string): u32 {
  const b = pathAndStream(path, stream);
  clearMeta(statArea(r));
  return queued(submit(OP_STREAM_STAT, r, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, statArea(r), STAT_EX_SIZE, <f64>pathBytes, 0));
}

/**
 * Opens stream `stream` of share:path (flags as OP_OPEN: create also creates the file, excl
 * fails if the stream exists, trunc empties it); completes with a host handle.
 */
export function ioStreamOpen(r: Request, share: u32, path: string, stream: string, flags: u32, mode: u32): u32 {
  const b = pathAndStream(path, stream);
  r.ioOpensHandle = true;
  clearMeta(statArea(r));
  return queued(submit(OP_STREAM_OPEN, r, 0, share, flags, changetype<usize>(b), <u32>b.byteLength, statArea(r), STAT_EX_SIZE, <f64>pathBytes, <f64>mode));
}

/** Lists the streams of o's file into [buf, buf+cap) (records, STREAM_REC_HEADER each + name, 8-aligned). */
export function ioStreamList(r: Request, o: Open, buf: usize, cap: u32): u32 {
  if (o.closed || o.hostHandle == 0) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_STREAM_LIST, r, 0, <u32>o.hostHandle, 0, 0, 0, buf, cap, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) {
    beginIo(o);
    r.ioOpen = o;
  }
  return st;
}

/** Deletes stream `stream` of share:path; r null: nobody waits for it. */
export function ioStreamDel(r: Request | null, share: u32, path: string, stream: string): u32 {
  const b = pathAndStream(path, stream);
  return queued(submit(OP_STREAM_DEL, r, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, 0, 0, <f64>pathBytes, 0));
}

/** OP_STREAM_RENAME flags: fail with -EEXIST when the target stream exists. */
export const STREAM_RENAME_NOREPLACE: u32 = 1;

/** Renames the stream open o is on to `name` ("" = the file's default data stream). */
export function ioStreamRename(r: Request, o: Open, name: string, flags: u32): u32 {
  if (o.closed || o.hostHandle == 0) return S.STATUS_FILE_CLOSED;
  const b = String.UTF8.encode(name);
  const st = queued(submit(OP_STREAM_RENAME, r, 0, <u32>o.hostHandle, flags, changetype<usize>(b), <u32>b.byteLength, 0, 0, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) {
    beginIo(o);
    r.ioOpen = o;
  }
  return st;
}
