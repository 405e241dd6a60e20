// MS-SMB2 3.3.5.15.11 FSCTL_QUERY_NETWORK_INTERFACE_INFO: one NETWORK_INTERFACE_INFO (2.2.32.5)
// per configured listen address (the config's `interfaces`), 10 Gbit/s, no RSS/RDMA bits.
// SMB2_GLOBAL_CAP_MULTI_CHANNEL is never advertised: this only describes where we listen.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { globalCfg, DIALECT_300 } from "../../config";
import { respond, outBuffer } from "./fsctl";

/** Next, IfIndex, Capability, Reserved, LinkSpeed (24) + SockAddr_Storage (128). */
export const NETWORK_INTERFACE_INFO_SIZE: u32 = 152;
export const LINK_SPEED: u64 = 10_000_000_000;
const AF_INET: u16 = 0x0002; // 2.2.32.5.1 InterNetwork
const AF_INET6: u16 = 0x0017; // InterNetworkV6

/** An unspecified address (0.0.0.0, ::) names no interface: it is left out. */
function unspecified(a: Uint8Array): bool {
  for (let i = 0; i < a.length; i++) if (unchecked(a[i]) != 0) return false;
  return true;
}

/** How many entries the addresses give (unspecified and malformed ones are left out). */
export function interfaceCount(addrs: Array<Uint8Array>): u32 {
  let n: u32 = 0;
  for (let i = 0; i < addrs.length; i++) {
    const a = unchecked(addrs[i]);
    if ((a.length == 4 || a.length == 16) && !unspecified(a)) n++;
  }
  return n;
}

/**
 * Writes the NETWORK_INTERFACE_INFO array for addrs at out (interfaceCount(addrs) * 152 bytes,
 * zeroed here): IfIndex 1, 2, ... in order, Port/FlowInfo/ScopeId 0 (2.2.32.5.1.1/.2).
 */
export function encodeInterfaces(out: usize, addrs: Array<Uint8Array>): u32 {
  const n = interfaceCount(addrs);
  memory.fill(out, 0, <usize>(n * NETWORK_INTERFACE_INFO_SIZE));
  let k: u32 = 0;
  for (let i = 0; i < addrs.length; i++) {
    const a = unchecked(addrs[i]);
    if ((a.length != 4 && a.length != 16) || unspecified(a)) continue;
    const e = out + <usize>(k * NETWORK_INTERFACE_INFO_SIZE);
    k++;
    store<u32>(e, k < n ? NETWORK_INTERFACE_INFO_SIZE : 0, 0); // Next
    store<u32>(e, k, 4); // IfIndex (never 0)
    store<u64>(e, LINK_SPEED, 16);
    const sa = e + 24;
    if (a.length == 4) {
      store<u16>(sa, AF_INET);
      memory.copy(sa + 4, a.dataStart, 4); // after Port
    } else {
      store<u16>(sa, AF_INET6);
      memory.copy(sa + 8, a.dataStart, 16); // after Port and FlowInfo
    }
  }
  return n * NETWORK_INTERFACE_INFO_SIZE;
}

/** FSCTL_QUERY_NETWORK_INTERFACE_INFO (FileId all-ones, checked by ioctl.ts; SMB 3.x only). */
export function fsctlQueryNetworkInterfaceInfo(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  if (c.dialect < DIALECT_300) return S.STATUS_NOT_SUPPORTED;
  const addrs = globalCfg.interfaces;
  const n = interfaceCount(addrs);
  if (n == 0) return S.STATUS_NOT_SUPPORTED; // only wildcard addresses: nothing to name
  const size = n * NETWORK_INTERFACE_INFO_SIZE;
  if (maxOut < size) return S.STATUS_BUFFER_TOO_SMALL;
  if (!r.reserve(48 + size)) return S.STATUS_INSUFFICIENT_RESOURCES;
  encodeInterfaces(outBuffer(r), addrs);
  respond(r, size);
  return S.STATUS_SUCCESS;
}
