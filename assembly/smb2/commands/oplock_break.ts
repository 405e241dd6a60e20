// MS-SMB2 2.2.24.1/2.2.24.2 OPLOCK_BREAK acknowledgments and their 2.2.25.1/2.2.25.2 responses
// (3.3.5.22.1 oplock, 3.3.5.22.2 lease), on top of oplock/state.ts.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { DIALECT_210 } from "../../config";
import { lookupOpen } from "../../fs/handles";
import { SMB2_OPLOCK_LEVEL_LEASE } from "../../oplock/table";
import { findLease, ackOplock, ackLease, LEASE_ACK_NOT_BREAKING, LEASE_ACK_NOT_ACCEPTED } from "../../oplock/state";
import { guidKey } from "../../oplock/breaks";

const STATUS_INVALID_OPLOCK_PROTOCOL: u32 = 0xc00000e3;
const OPLOCK_ACK_SIZE: u16 = 24;
const LEASE_ACK_SIZE: u16 = 36;

@inline function OplockLevel(b: usize): u8 { return load<u8>(b, 2); }
@inline function LeaseKey0(b: usize): u64 { return load<u64>(b, 8); }
@inline function LeaseKey1(b: usize): u64 { return load<u64>(b, 16); }
@inline function LeaseState(b: usize): u32 { return load<u32>(b, 24); }

/** OPLOCK_BREAK: an oplock acknowledgment (StructureSize 24) or a lease one (36). */
export function smb2OplockBreak(r: Request): u32 {
  const size = load<u16>(r.body);
  if (size == OPLOCK_ACK_SIZE) return oplockAcknowledgment(r);
  if (size == LEASE_ACK_SIZE) return leaseAcknowledgment(r);
  return S.STATUS_INVALID_PARAMETER;
}

/**
 * 3.3.5.22.1: the open must be breaking and the level one the break offered; an acknowledgment
 * of a Level II → none break (which asks for none, levelii500) is STATUS_INVALID_OPLOCK_PROTOCOL.
 */
function oplockAcknowledgment(r: Request): u32 {
  const b = r.body;
  const o = lookupOpen(r, b + 8);
  if (o === null) return S.STATUS_FILE_CLOSED;
  if (o.oplockLevel == SMB2_OPLOCK_LEVEL_LEASE || o.lease !== null) return STATUS_INVALID_OPLOCK_PROTOCOL;
  const level = ackOplock(o, OplockLevel(b));
  if (level < 0) return STATUS_INVALID_OPLOCK_PROTOCOL;
  if (!r.reserve(OPLOCK_ACK_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const out = r.out;
  store<u16>(out, OPLOCK_ACK_SIZE, 0);
  store<u8>(out, <u8>level, 2);
  store<u8>(out, 0, 3);
  store<u32>(out, 0, 4);
  store<u64>(out, o.persistentId, 8);
  store<u64>(out, o.volatileId, 16);
  r.outLen = OPLOCK_ACK_SIZE;
  return S.STATUS_SUCCESS;
}

/**
 * 3.3.5.22.2: the lease is found by the connection's ClientGuid and the LeaseKey (so any channel
 * of the client may acknowledge); it must be breaking and the state a subset of the one offered.
 */
function leaseAcknowledgment(r: Request): u32 {
  const b = r.body;
  const c = r.conn as Conn;
  if (c.dialect < DIALECT_210) return S.STATUS_INVALID_PARAMETER;
  const L = findLease(guidKey(c), LeaseKey0(b), LeaseKey1(b));
  if (L === null) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const state = LeaseState(b);
  if (state > 7) return S.STATUS_REQUEST_NOT_ACCEPTED;
  const res = ackLease(L, <u8>state);
  if (res == LEASE_ACK_NOT_BREAKING) return S.STATUS_UNSUCCESSFUL;
  if (res == LEASE_ACK_NOT_ACCEPTED) return S.STATUS_REQUEST_NOT_ACCEPTED;
  if (!r.reserve(LEASE_ACK_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const out = r.out;
  store<u16>(out, LEASE_ACK_SIZE, 0);
  store<u16>(out, 0, 2); // Reserved
  store<u32>(out, 0, 4); // Flags
  store<u64>(out, LeaseKey0(b), 8);
  store<u64>(out, LeaseKey1(b), 16);
  store<u32>(out, state, 24);
  store<u64>(out, 0, 28); // LeaseDuration
  r.outLen = LEASE_ACK_SIZE;
  return S.STATUS_SUCCESS;
}
