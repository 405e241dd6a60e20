// MS-SMB2 2.2.14 CREATE response: the fixed part from the open and the stat record in the
// request's scratch, and the response create contexts (MxAc 2.2.14.2.5, DHnQ/DH2Q 2.2.14.2.3/.12,
// QFid 2.2.14.2.9, RqLs 2.2.14.2.10/.11), shared by new opens, durable reconnects and replays (create.ts,
// create_durable.ts).
import { Request } from "../request";
import { Open } from "../../fs/open";
import { statArea } from "../../fs/ops";
import { writeOpenInfo } from "../../fs/info";
import * as SdC from "../../fs/sd_create";
import { leaseResponseSize, writeLeaseResponse } from "../../oplock/grant";
import { durableResponseSize, writeDurableResponse } from "./create_durable";
import { qfidResponseSize, writeQfidResponse } from "./create_qfid";

/**
 * Writes the CREATE response for open o with CreateAction `action` and OplockLevel `oplock` (-1:
 * the open's). Contexts follow the 88-byte fixed part, each 8-aligned: MxAc (32 bytes),
 * DHnQ/DH2Q (32), QFid (56), then the lease context (56 or 76, last since its length is not a multiple of 8).
 */
export function writeCreateResponse(r: Request, o: Open, action: u32, isPipe: bool, oplock: i32 = -1): void {
  const mx: u32 = isPipe ? 0 : SdC.mxacResponseSize(r); // MxAc context (fs/sd_create.ts)
  const dh: u32 = durableResponseSize(o);
  const qf: u32 = qfidResponseSize(r, isPipe); // QFid (create_qfid.ts)
  const ctxLen: u32 = mx + dh + qf + leaseResponseSize(o);
  r.reserve(88 + ctxLen + 8);
  const out = r.out;
  store<u16>(out, 89, 0);
  store<u8>(out, oplock >= 0 ? <u8>oplock : o.oplockLevel, 2); // OplockLevel (oplock/grant.ts)
  store<u8>(out, 0, 3);
  store<u32>(out, action, 4);
  writeOpenInfo(out + 8, statArea(r), o, isPipe); // times, sizes, attributes (48 + 8)
  store<u64>(out, o.persistentId, 64);
  store<u64>(out, o.volatileId, 72);
  store<u32>(out, 0, 80);
  store<u32>(out, 0, 84);
  store<u8>(out, 0, 88);
  r.outLen = 89;
  if (ctxLen == 0) return;
  // CreateContextsOffset (from the header): the contexts follow the 88-byte fixed part
  store<u32>(out, 64 + 88, 80);
  let off: u32 = 0;
  if (mx != 0) off += SdC.writeMxacResponse(r, out + 88, ctxLen > mx ? mx : 0);
  if (dh != 0) off += writeDurableResponse(out + 88 + <usize>off, o, ctxLen > off + dh ? dh : 0);
  if (qf != 0) off += writeQfidResponse(r, o, out + 88 + <usize>off, ctxLen > off + qf ? qf : 0);
  off += writeLeaseResponse(out + 88 + <usize>off, o);
  store<u32>(out, off, 84);
  r.outLen = 88 + ctxLen;
}
