// MS-SMB2 2.2.9/2.2.10 TREE_CONNECT (3.3.5.7) and 2.2.11/2.2.12 TREE_DISCONNECT (3.3.5.8).
import * as S from "../status";
import { Request } from "../request";
import { Session, Tree } from "../session";
import { findShare } from "../../config";
import { endTree } from "../teardown";
import { logInfo, logWarn } from "../../util/log";
import { treeEncryptionPolicy } from "../encryption";
import { shareAccess, SHARE_DENIED, SHARE_READ_ONLY } from "../../auth/share_acl";
import { heapAdmit } from "../../util/heap";

const SMB2_SHARE_TYPE_DISK: u8 = 0x01;
const SMB2_SHARE_TYPE_PIPE: u8 = 0x02;
const SMB2_SHAREFLAG_NO_CACHING: u32 = 0x00000030;
const SMB2_SHAREFLAG_ENCRYPT_DATA: u32 = 0x00008000;
const MAX_TREES_PER_SESSION: i32 = 1024;

export function smb2TreeConnect(r: Request): u32 {
  const s = r.session as Session;
  const b = r.body;
  const off = <u32>load<u16>(b, 4);
  const len = <u32>load<u16>(b, 6);
  // M5: bounds were checked by the validation table; also require an even, non-empty path.
  if (len == 0 || (len & 1) != 0) return S.STATUS_INVALID_PARAMETER;
  const path = String.UTF16.decodeUnsafe(r.hdr + <usize>off, <usize>len);
  // "\\server\share": the share is the part after the last backslash of the UNC path
  if (!path.startsWith("\\\\")) return S.STATUS_BAD_NETWORK_NAME;
  const slash = path.indexOf("\\", 2);
  if (slash < 0 || slash + 1 >= path.length) return S.STATUS_BAD_NETWORK_NAME;
  const name = path.substring(slash + 1);
  if (name.indexOf("\\") >= 0) return S.STATUS_BAD_NETWORK_NAME;
  const share = findShare(name);
  if (share === null) {
    logInfo("Tree connect to unknown share " + name + " from " + s.conn.peer);
    return S.STATUS_BAD_NETWORK_NAME;
  }
  const why = new Array<string>(0);
  const access = shareAccess(s, share, why);
  if (access == SHARE_DENIED) {
    logWarn("Tree connect to " + share.name + " from " + s.conn.peer + " refused: " + why[0]);
    return S.STATUS_ACCESS_DENIED;
  }
  const enc = treeEncryptionPolicy(s, share);
  if (enc < 0) {
    logInfo("Tree connect to " + share.name + " from " + s.conn.peer + " refused: the share requires encryption and the session cannot encrypt");
    return S.STATUS_ACCESS_DENIED;
  }
  if (s.trees.size >= MAX_TREES_PER_SESSION || !heapAdmit("tree connect", s.conn.peer)) return S.STATUS_INSUFFICIENT_RESOURCES;
  let id = s.nextTreeId;
  while (id == 0 || id == 0xffffffff || s.trees.has(id)) id++;
  s.nextTreeId = id + 1;
  const t = new Tree(id, share, s, access == SHARE_READ_ONLY);
  t.encryptData = enc > 0;
  s.trees.set(id, t);
  r.tree = t;
  const o = r.out;
  store<u16>(o, 16, 0);
  store<u8>(o, share.isIpc ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK, 2);
  store<u8>(o, 0, 3);
  store<u32>(o, (share.isIpc ? SMB2_SHAREFLAG_NO_CACHING : 0) | (t.encryptData ? SMB2_SHAREFLAG_ENCRYPT_DATA : 0), 4);
  store<u32>(o, 0, 8);
  store<u32>(o, t.maximalAccess, 12);
  r.outLen = 16;
  return S.STATUS_SUCCESS;
}

export function smb2TreeDisconnect(r: Request): u32 {
  endTree(r.tree as Tree);
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  return S.STATUS_SUCCESS;
}
