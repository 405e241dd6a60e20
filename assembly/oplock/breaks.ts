// MS-SMB2 2.2.23.1/2.2.23.2 oplock and lease break notifications (3.3.4.6, 3.3.4.7): unsolicited
// messages with MessageId 0xFFFFFFFFFFFFFFFF, sent on the holder's connection.
import * as H from "../smb2/header";
import { Conn, conns } from "../smb2/conn";
import { Session, SESSION_VALID } from "../smb2/session";
import { signResponse } from "../smb2/signing";
import { sendBuffer } from "../smb2/transport";
import { encryptFrame, canEncrypt, TRANSFORM_HEADER_SIZE } from "../smb2/encryption";
import { bufAlloc, bufFree } from "../util/buffers";
import { DIALECT_300 } from "../config";
import { Open } from "../fs/open";
import { Lease, setBreakSenders } from "./state";

const SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED: u32 = 0x01;
const OPLOCK_BODY: u32 = 24;
const LEASE_BODY: u32 = 44;

/** The ClientGuid of a connection as the 32-character hex key of the lease tables. */
export function guidKey(c: Conn): string {
  const g = c.clientGuid();
  let s = "";
  for (let i = 0; i < 16; i++) {
    const b = <u32>load<u8>(g + <usize>i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** Can breaks still be sent on c? A connection going away takes no more notifications. */
@inline export function connUsable(c: Conn): bool {
  return c.alive && !c.closing && c.negotiated;
}

/**
 * The connection a lease break goes to: the oldest live connection of the client (Windows sends
 * lease breaks there even for leases opened on another channel of the same ClientGuid:
 * smb2.lease.v2_complex1). Null when the client has none left.
 */
export function leaseConn(guid: string): Conn | null {
  const list = conns.values();
  for (let i = 0; i < list.length; i++) {
    const c = unchecked(list[i]);
    if (connUsable(c) && c.dialect >= 0x0210 && c.dialect != 0x02ff && guidKey(c) == guid) return c;
  }
  return null;
}

/** Writes the 64-byte header of a break notification at h. */
function writeHeader(h: usize, sessionId: u64): void {
  store<u32>(h, H.SMB2_PROTOCOL_ID, 0);
  store<u16>(h, 64, 4);
  store<u16>(h, 0, 6); // CreditCharge
  store<u32>(h, 0, 8); // Status
  store<u16>(h, H.SMB2_OPLOCK_BREAK, 12);
  store<u16>(h, 0, 14); // Credit
  store<u32>(h, H.SMB2_FLAGS_SERVER_TO_REDIR, 16);
  store<u32>(h, 0, 20); // NextCommand
  store<u64>(h, 0xffff_ffff_ffff_ffff, 24); // MessageId
  store<u32>(h, 0, 32); // Reserved (ProcessId)
  store<u32>(h, 0, 36); // TreeId
  store<u64>(h, sessionId, 40);
  memory.fill(h + 48, 0, 16);
}

/**
 * Sends an Oplock Break Notification offering `level` to the client holding open o: encrypted
 * when its session or share encrypts (3.3.4.6), else signed when its session signs. False when it
 * cannot be sent: the connection is gone (the caller then takes the break as acknowledged) or
 * memory is short.
 */
export function sendOplockBreak(o: Open, level: u8): bool {
  const s: Session = o.session;
  const c = s.conn;
  if (!connUsable(c)) return false;
  const len: u32 = 4 + 64 + OPLOCK_BODY;
  const p = bufAlloc(<usize>len);
  if (p == 0) return false;
  store<u32>(p, bswap<u32>(len - 4));
  const h = p + 4;
  writeHeader(h, s.id);
  const b = h + 64;
  store<u16>(b, <u16>OPLOCK_BODY, 0);
  store<u8>(b, level, 2);
  store<u8>(b, 0, 3);
  store<u32>(b, 0, 4);
  store<u64>(b, o.persistentId, 8);
  store<u64>(b, o.volatileId, 16);
  if (s.state == SESSION_VALID && (s.encryptData || o.tree.encryptData) && canEncrypt(s)) {
    const enc = encryptFrame(s, p, len);
    bufFree(p, <usize>len);
    if (enc == 0) return false;
    const size = len + TRANSFORM_HEADER_SIZE;
    sendBuffer(c, enc, <usize>size, size);
    return true;
  }
  if (s.state == SESSION_VALID && s.hasKeys && s.signingRequired) signResponse(h, 64 + OPLOCK_BODY, s, c);
  sendBuffer(c, p, <usize>len, len);
  return true;
}

/**
 * Sends a Lease Break Notification for lease key (key0, key1) from `current` to `next` on
 * connection c. Lease breaks belong to no session: SessionId 0, not signed (as Windows and
 * Samba). NewEpoch is sent for 3.x leases of version 2 only.
 */
export function sendLeaseBreak(c: Conn, key0: u64, key1: u64, current: u8, next: u8, epoch: u16, v2: bool, ackRequired: bool): bool {
  if (!connUsable(c)) return false;
  const len: u32 = 4 + 64 + LEASE_BODY;
  const p = bufAlloc(<usize>len);
  if (p == 0) return false;
  store<u32>(p, bswap<u32>(len - 4));
  const h = p + 4;
  writeHeader(h, 0);
  const b = h + 64;
  store<u16>(b, <u16>LEASE_BODY, 0);
  store<u16>(b, v2 && c.dialect >= DIALECT_300 ? epoch : 0, 2);
  store<u32>(b, ackRequired ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0, 4);
  store<u64>(b, key0, 8);
  store<u64>(b, key1, 16);
  store<u32>(b, <u32>current, 24);
  store<u32>(b, <u32>next, 28);
  store<u32>(b, 0, 32); // BreakReason
  store<u32>(b, 0, 36); // AccessMaskHint
  store<u32>(b, 0, 40); // ShareMaskHint
  sendBuffer(c, p, <usize>len, len);
  return true;
}

/** Sends the break of lease L on the oldest live connection of its client. */
function sendLeaseBreakOf(L: Lease, from: u8, to: u8, ackRequired: bool): bool {
  const c = leaseConn(L.guid);
  if (c === null) return false;
  return sendLeaseBreak(c, L.key0, L.key1, from, to, L.epoch, L.version == 2, ackRequired);
}

setBreakSenders(sendOplockBreak, sendLeaseBreakOf);
