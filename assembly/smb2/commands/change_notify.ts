// MS-SMB2 2.2.35/2.2.36 CHANGE_NOTIFY (3.3.5.19): waits asynchronously for changes under a
// directory open and returns them as FILE_NOTIFY_INFORMATION records (fs/notify.ts).
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { lookupOpen } from "../../fs/handles";
import * as A from "../../fs/access";
import { watchOf, takeEvents, Watch } from "../../fs/notify";
import { canGoAsync, STATUS_INTERNAL_ASYNC } from "../async";
import { chargeCovers } from "../credits";

const SMB2_WATCH_TREE: u16 = 0x0001;
const OUT_OFFSET: u16 = 64 + 8;
const STEP_WAITING = 1;

@inline function Flags(b: usize): u16 { return load<u16>(b, 2); }
@inline function OutputBufferLength(b: usize): u32 { return load<u32>(b, 4); }
@inline function CompletionFilter(b: usize): u32 { return load<u32>(b, 24); }

export function smb2ChangeNotify(r: Request): u32 {
  const b = r.body;
  if (r.step == STEP_WAITING) return answer(r, r.watch as Watch);
  const c = r.conn as Conn;
  const o = lookupOpen(r, b + 8);
  if (o === null) return S.STATUS_FILE_CLOSED;
  if (!o.isDir) return S.STATUS_INVALID_PARAMETER;
  if (!A.granted(o, A.FILE_LIST_DIRECTORY)) return S.STATUS_ACCESS_DENIED;
  const outLen = OutputBufferLength(b);
  if (outLen > c.maxTransactSize) return S.STATUS_INVALID_PARAMETER;
  if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, outLen)) return S.STATUS_INVALID_PARAMETER;
  // Any filter is taken (bits Windows does not define simply never match: smb2.notify.mask)
  const filter = CompletionFilter(b);
  const w = watchOf(o, filter, (Flags(b) & SMB2_WATCH_TREE) != 0);
  r.watch = w;
  return answer(r, w);
}

/** Returns the queued changes now, or waits for the next one. */
function answer(r: Request, w: Watch): u32 {
  if (w.deletePending) return S.STATUS_DELETE_PENDING;
  if (w.events.length == 0 && !w.overflow) {
    if (!canGoAsync(r)) return S.STATUS_INTERNAL_ERROR; // MS-SMB2 3.3.5.2.7: not inside a chain
    r.step = STEP_WAITING;
    w.waiters.add(r);
    return STATUS_INTERNAL_ASYNC;
  }
  const outLen = OutputBufferLength(r.body);
  if (!r.reserve(8 + outLen)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const n = takeEvents(w, r.out + 8, outLen);
  const o = r.out;
  store<u16>(o, 9, 0);
  store<u16>(o, OUT_OFFSET, 2);
  if (n < 0) {
    // More changes than the client's buffer takes: it must re-read the directory.
    store<u32>(o, 0, 4);
    store<u8>(o, 0, 8);
    r.outLen = 9;
    r.bodyReady = true;
    return S.STATUS_NOTIFY_ENUM_DIR;
  }
  store<u32>(o, <u32>n, 4);
  if (n == 0) store<u8>(o, 0, 8);
  r.outLen = 8 + (n == 0 ? 1 : <u32>n);
  return S.STATUS_SUCCESS;
}
