// The AlSi create context (MS-SMB2 2.2.13.2.6 SMB2_CREATE_ALLOCATION_SIZE, 3.3.5.9.5): the
// AllocationSize a created, overwritten or superseded file starts with (MS-FSA 2.1.5.1.1,
// 2.1.5.1.2.2), kept on its FileNode while it is open (fs/info.ts openAllocation).
import { Request } from "../request";
import { FileNode } from "../../fs/open";
import { findCreateContext } from "../../fs/ea";

const ALSI_TAG: u32 = 0x69536c41; // "AlSi"

/** The requested AllocationSize: -1 when there is no context, -2 when it is malformed. */
export function allocationRequest(r: Request): i64 {
  const c = findCreateContext(r.hdr, r.cmdLen, r.body, ALSI_TAG);
  if (c < 0) return c == -2 ? -2 : -1;
  if (<u32>(c & 0xffffffff) != 8) return -2; // DataLength must be 8
  const v = load<u64>(r.hdr + <usize>(c >>> 32));
  return v > <u64>0x7fff_ffff_ffff_ffff ? -2 : <i64>v;
}

/** A new or overwritten file's node takes the requested allocation (none: back to the data's own). */
export function applyAllocation(r: Request, node: FileNode): void {
  const a = allocationRequest(r);
  node.allocation = a > 0 ? <u64>a : 0;
}
