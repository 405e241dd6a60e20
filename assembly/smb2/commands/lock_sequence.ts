// Lock sequence replay (MS-SMB2 2.2.26 LockSequenceNumber/LockSequenceIndex, 3.3.5.14): on a
// durable open of SMB 2.1 or later, and on every open of an SMB 3.x connection that announced
// SMB2_GLOBAL_CAP_MULTI_CHANNEL (a LOCK may be replayed over another channel), a LOCK that
// repeats the sequence number recorded at its index (1..64) was already applied and succeeds
// without locking again. (Resilient and persistent handles are not built.)
import { Request } from "../request";
import { Open } from "../../fs/open";
import { Conn } from "../conn";
import { SMB2_GLOBAL_CAP_MULTI_CHANNEL } from "./negotiate";

@inline function LockSequence(b: usize): u32 { return load<u32>(b, 4); }

/** Open.LockSequenceArray: 64 entries, 0 = not valid, else SequenceNumber + 1. */
function applies(r: Request, o: Open): i32 {
  const c = r.conn as Conn;
  const multi = c.dialect >= 0x0300 && (c.serverCapabilities & SMB2_GLOBAL_CAP_MULTI_CHANNEL) != 0;
  if ((o.durable === null && !multi) || c.dialect < 0x0210) return 0;
  const index = LockSequence(r.body) >>> 4;
  return index >= 1 && index <= 64 ? <i32>index : 0;
}

/** True when this LOCK is a replay of one already applied (answer STATUS_SUCCESS at once). */
export function lockReplayed(r: Request, o: Open): bool {
  const i = applies(r, o);
  if (i == 0) return false;
  let a = o.lockSequence;
  if (a === null) {
    a = new StaticArray<u8>(64);
    o.lockSequence = a;
  }
  const want = <u8>((LockSequence(r.body) & 0xf) + 1);
  if (unchecked(a[i - 1]) == want) return true;
  unchecked((a[i - 1] = 0)); // not valid while this request is processed
  return false;
}

/** A LOCK succeeded: its sequence number is recorded at its index. */
export function lockApplied(r: Request, o: Open): void {
  const i = applies(r, o);
  const a = o.lockSequence;
  if (i == 0 || a === null) return;
  unchecked((a[i - 1] = <u8>((LockSequence(r.body) & 0xf) + 1)));
}
