// QUERY_INFO FileStreamInformation (MS-FSCC 2.4.43; MS-FSA 2.1.5.11.29): "::$DATA" for a file's
// data and ":name:$DATA" for each named stream, with sizes, from the host's stream list
// (abi.wit stream-list). Directories list their named streams only.
import * as S from "../smb2/status";
import { Request } from "../smb2/request";
import { Open } from "./open";
import { ioStreamList, STREAM_REC_HEADER } from "./stream_ops";
import { errnoToStatus } from "./errno";
import { writeUtf16 } from "./info";

/** QUERY_INFO step: the stream list arrived. */
export const STEP_STREAM_LIST: i32 = 40;
/** Room for the host's records (MAX_STREAMS names of up to 234 bytes fit). */
const LIST_CAP: u32 = 65536;
const OUT_OFFSET: u16 = 64 + 8;

@inline function OutputBufferLength(b: usize): u32 { return load<u32>(b, 4); }

/** Starts FileStreamInformation for o: asks the host for the list. */
export function queryStreams(r: Request, o: Open): u32 {
  const buf = r.takeTmp(<usize>LIST_CAP);
  if (buf == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.p0 = buf;
  r.step = STEP_STREAM_LIST;
  return ioStreamList(r, o, buf, LIST_CAP);
}

/**
 * Encodes the list into the response: whole FILE_STREAM_INFORMATION entries, 8-byte aligned,
 * as many as OutputBufferLength takes (STATUS_BUFFER_OVERFLOW when some are left out).
 */
export function queryStreamsDone(r: Request): u32 {
  const res = r.ioResult;
  if (res < 0) return errnoToStatus(res);
  const have = <u32>res < LIST_CAP ? <u32>res : LIST_CAP;
  const cap = OutputBufferLength(r.body);
  const room = cap < 65536 ? cap : 65536;
  if (!r.reserve(8 + room + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const dst = r.out + 8;
  const list = r.p0;
  let off: u32 = 0; // where the next entry goes
  let end: u32 = 0; // end of the last entry written
  let prev: i64 = -1;
  let overflow = false;
  let q: u32 = 0;
  while (q + STREAM_REC_HEADER <= have) {
    const rec = list + <usize>q;
    const nameBytes = load<u32>(rec, 16);
    if (<u64>q + <u64>STREAM_REC_HEADER + <u64>nameBytes > <u64>have) break;
    q = (q + STREAM_REC_HEADER + nameBytes + 7) & ~7;
    const name = ":" + String.UTF8.decodeUnsafe(rec + <usize>STREAM_REC_HEADER, <usize>nameBytes) + ":$DATA";
    const len = 24 + (<u32>name.length << 1);
    if (<u64>off + <u64>len > <u64>room) {
      overflow = true;
      break;
    }
    const e = dst + <usize>off;
    store<u32>(e, 0, 0); // NextEntryOffset (set when another follows)
    store<u32>(e, <u32>name.length << 1, 4);
    store<u64>(e, load<u64>(rec, 0), 8); // StreamSize
    store<u64>(e, load<u64>(rec, 8), 16); // StreamAllocationSize
    writeUtf16(e + 24, name);
    if (prev >= 0) store<u32>(dst + <usize>prev, off - <u32>prev, 0);
    prev = <i64>off;
    end = off + len;
    off = (end + 7) & ~7;
  }
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u16>(out, OUT_OFFSET, 2);
  store<u32>(out, end, 4);
  if (end == 0) store<u8>(out, 0, 8);
  r.outLen = 8 + (end == 0 ? 1 : end);
  if (overflow) {
    r.bodyReady = true;
    return S.STATUS_BUFFER_OVERFLOW;
  }
  return S.STATUS_SUCCESS;
}
