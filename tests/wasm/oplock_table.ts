// Test module for assembly/oplock/table.ts: the oplock/lease transition table, grants,
// acknowledgments and lease break continuation, as plain numbers.
export * from "./_common";
import * as T from "../../assembly/oplock/table";

export function state_count(): i32 { return T.STATE_COUNT; }
export function event_count(): i32 { return T.EVENT_COUNT; }
export function transition_action(state: i32, event: i32): i32 { return T.transitionAction(<u8>state, <u8>event); }
export function transition_target(state: i32, event: i32): i32 { return T.transitionTarget(<u8>state, <u8>event); }
export function oplock_state(level: i32): i32 { return T.oplockState(<u8>level); }
export function oplock_level(state: i32): i32 { return T.oplockLevel(<u8>state); }
export function lease_state(bits: i32): i32 { return T.leaseState(<u8>bits); }
export function lease_bits(state: i32): i32 { return T.leaseBits(<u8>state); }
export function grant_oplock(requested: i32, stat: i32, others: i32, handleLease: i32, breaking: i32): i32 {
  return T.grantOplock(<u8>requested, stat != 0, others != 0, handleLease != 0, breaking != 0);
}
export function grant_lease(requested: i32, others: i32, otherOplock: i32): i32 {
  return T.grantLease(<u8>requested, others != 0, otherOplock != 0);
}
export function upgrade_lease(current: i32, requested: i32, others: i32, otherOplock: i32): i32 {
  return T.upgradeLease(<u8>current, <u8>requested, others != 0, otherOplock != 0);
}
export function oplock_ack(breakTo: i32, ack: i32): i32 { return T.oplockAck(<u8>breakTo, <u8>ack); }
export function lease_ack_ok(breakTo: i32, ack: i32): i32 { return T.leaseAckOk(<u8>breakTo, <u8>ack) ? 1 : 0; }
export function lease_continuation(acked: i32, required: i32): i32 { return T.leaseContinuation(<u8>acked, <u8>required); }
export function lease_break_needs_ack(current: i32): i32 { return T.leaseBreakNeedsAck(<u8>current) ? 1 : 0; }
