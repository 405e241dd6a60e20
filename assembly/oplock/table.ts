// The oplock and lease state machine as a transition table (MS-FSA 2.1.4.12, 2.1.5.17; MS-SMB2
// 3.3.4.6/3.3.4.7, 3.3.5.22): (holder state × event) → (state the holder is broken to, action).
//
// One table covers both kinds of holder: an open's oplock (None, Level II, Exclusive, Batch) and
// a lease (None, R, RH, RW, RWH). Events are what another open (or the holder itself) does to the
// file. The caller applies a row to every holder of the file except the requester itself (the
// same open for oplocks, the same lease key for leases); "self" events are applied to it instead.
//
//            | OPEN       OVERWRITE   SHARE_CONFL  STAT  WRITE_OTHER  WRITE_SELF  HANDLE
//  ----------+--------------------------------------------------------------------------------
//  O_NONE    | -          -           -            -     -            -           -
//  O_II      | -          NONE/noack  -            -     NONE/noack   NONE/noack  -
//  O_EXCL    | II/wait    NONE/wait   -            -     NONE/ack     -           -
//  O_BATCH   | II/wait    NONE/wait   II/wait      -     NONE/ack     -           II/wait
//  L_NONE    | -          -           -            -     -            -           -
//  L_R       | -          NONE/noack  -            -     NONE/noack   -           -
//  L_RH      | -          NONE/ack    R/wait       -     NONE/ack     -           R/wait
//  L_RW      | R/wait     NONE/wait   -            -     NONE/ack     -           -
//  L_RWH     | RH/wait    NONE/wait   RW/wait      -     NONE/ack     -           RW/wait
//
//  "-" keep the state; "wait": send a break that needs an acknowledgment, the requester waits
//  for it (its CREATE or SET_INFO goes asynchronous); "ack": send a break that needs an
//  acknowledgment, the requester goes on; "noack": send a break that needs none, the state
//  changes at once (Level II and R-only holders).
//
// A holder already breaking is not broken again: the new requirement is merged into the break in
// progress, and the requester waits when its row says "wait" or "-" (it must see the final
// state), never for "ack"/"noack" rows. Writes never wait.
//
// Grants, acknowledgments and the continuation of a lease break after an acknowledgment are the
// functions at the end of this file (also exercised pair by pair by tests/unit/oplock-table).

// Wire values (MS-SMB2 2.2.13 RequestedOplockLevel, 2.2.13.2.8 LeaseState)
export const SMB2_OPLOCK_LEVEL_NONE: u8 = 0x00;
export const SMB2_OPLOCK_LEVEL_II: u8 = 0x01;
export const SMB2_OPLOCK_LEVEL_EXCLUSIVE: u8 = 0x08;
export const SMB2_OPLOCK_LEVEL_BATCH: u8 = 0x09;
export const SMB2_OPLOCK_LEVEL_LEASE: u8 = 0xff;
export const SMB2_LEASE_READ_CACHING: u8 = 0x01;
export const SMB2_LEASE_HANDLE_CACHING: u8 = 0x02;
export const SMB2_LEASE_WRITE_CACHING: u8 = 0x04;

// Table states
export const S_O_NONE: u8 = 0;
export const S_O_II: u8 = 1;
export const S_O_EXCLUSIVE: u8 = 2;
export const S_O_BATCH: u8 = 3;
export const S_L_NONE: u8 = 4;
export const S_L_R: u8 = 5;
export const S_L_RH: u8 = 6;
export const S_L_RW: u8 = 7;
export const S_L_RWH: u8 = 8;
export const STATE_COUNT: u8 = 9;

// Events
/** Another open that uses data (not a stat open), no sharing conflict, no overwrite. */
export const E_OPEN: u8 = 0;
/** Another non-stat open with FILE_SUPERSEDE, FILE_OVERWRITE or FILE_OVERWRITE_IF. */
export const E_OPEN_OVERWRITE: u8 = 1;
/** Another open that fails the share-mode check (MS-FSA "OPEN_BREAK_H": handle caching breaks first). */
export const E_SHARE_CONFLICT: u8 = 2;
/** Another open asking only FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES, SYNCHRONIZE. */
export const E_STAT_OPEN: u8 = 3;
/** WRITE, SET_INFO end-of-file/allocation or LOCK by another open (another lease key). */
export const E_WRITE_OTHER: u8 = 4;
/** The same operations by the holder itself (its open; for a lease, any open of its key). */
export const E_WRITE_SELF: u8 = 5;
/** Rename or delete-on-close set by another open: handle caching breaks. */
export const E_HANDLE: u8 = 6;
export const EVENT_COUNT: u8 = 7;

// Actions
export const A_KEEP: u8 = 0;
export const A_BREAK_WAIT: u8 = 1;
export const A_BREAK_ACK: u8 = 2;
export const A_BREAK_NOACK: u8 = 3;

// Row encoding: (action << 4) | target state.
const K_ON: u8 = 0x00; // keep
const ON_W: u8 = 0x10; // to O_NONE, wait
const ON_A: u8 = 0x20; // to O_NONE, ack
const ON_N: u8 = 0x30; // to O_NONE, no ack
const OII_W: u8 = 0x11; // to O_II, wait
const LN_W: u8 = 0x14; // to L_NONE, wait
const LN_A: u8 = 0x24; // to L_NONE, ack
const LN_N: u8 = 0x34; // to L_NONE, no ack
const LR_W: u8 = 0x15; // to L_R, wait
const LRH_W: u8 = 0x16; // to L_RH, wait
const LRW_W: u8 = 0x17; // to L_RW, wait

// TABLE[state * EVENT_COUNT + event]: (action << 4) | target; A_KEEP rows (0) keep the state.
const TABLE: StaticArray<u8> = [
  // OPEN  OVERWRITE SHARE  STAT  W_OTHER W_SELF HANDLE
  K_ON, K_ON, K_ON, K_ON, K_ON, K_ON, K_ON, // O_NONE
  K_ON, ON_N, K_ON, K_ON, ON_N, ON_N, K_ON, // O_II
  OII_W, ON_W, K_ON, K_ON, ON_A, K_ON, K_ON, // O_EXCLUSIVE
  OII_W, ON_W, OII_W, K_ON, ON_A, K_ON, OII_W, // O_BATCH
  K_ON, K_ON, K_ON, K_ON, K_ON, K_ON, K_ON, // L_NONE
  K_ON, LN_N, K_ON, K_ON, LN_N, K_ON, K_ON, // L_R
  K_ON, LN_A, LR_W, K_ON, LN_A, K_ON, LR_W, // L_RH
  LR_W, LN_W, K_ON, K_ON, LN_A, K_ON, K_ON, // L_RW
  LRH_W, LN_W, LRW_W, K_ON, LN_A, K_ON, LRW_W, // L_RWH
];

/** The action of row (state, event): A_KEEP, A_BREAK_WAIT, A_BREAK_ACK or A_BREAK_NOACK. */
export function transitionAction(state: u8, event: u8): u8 {
  if (state >= STATE_COUNT || event >= EVENT_COUNT) return A_KEEP;
  return unchecked(TABLE[<i32>state * <i32>EVENT_COUNT + <i32>event]) >> 4;
}

/** The state row (state, event) leaves the holder in (its own state for A_KEEP rows). */
export function transitionTarget(state: u8, event: u8): u8 {
  if (state >= STATE_COUNT || event >= EVENT_COUNT) return state;
  const v = unchecked(TABLE[<i32>state * <i32>EVENT_COUNT + <i32>event]);
  return (v >> 4) == A_KEEP ? state : v & 0x0f;
}

// ---- conversions between table states and wire values ----

/** Table state of an oplock level (unknown levels count as none). */
export function oplockState(level: u8): u8 {
  if (level == SMB2_OPLOCK_LEVEL_II) return S_O_II;
  if (level == SMB2_OPLOCK_LEVEL_EXCLUSIVE) return S_O_EXCLUSIVE;
  if (level == SMB2_OPLOCK_LEVEL_BATCH) return S_O_BATCH;
  return S_O_NONE;
}

/** Oplock level of an oplock table state. */
export function oplockLevel(state: u8): u8 {
  if (state == S_O_II) return SMB2_OPLOCK_LEVEL_II;
  if (state == S_O_EXCLUSIVE) return SMB2_OPLOCK_LEVEL_EXCLUSIVE;
  if (state == S_O_BATCH) return SMB2_OPLOCK_LEVEL_BATCH;
  return SMB2_OPLOCK_LEVEL_NONE;
}

/** Table state of lease bits; combinations that are not lease states (no R) count as none. */
export function leaseState(bits: u8): u8 {
  if ((bits & SMB2_LEASE_READ_CACHING) == 0) return S_L_NONE;
  const h = (bits & SMB2_LEASE_HANDLE_CACHING) != 0;
  const w = (bits & SMB2_LEASE_WRITE_CACHING) != 0;
  if (h && w) return S_L_RWH;
  if (h) return S_L_RH;
  if (w) return S_L_RW;
  return S_L_R;
}

/** Lease bits of a lease table state. */
export function leaseBits(state: u8): u8 {
  if (state == S_L_R) return SMB2_LEASE_READ_CACHING;
  if (state == S_L_RH) return SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING;
  if (state == S_L_RW) return SMB2_LEASE_READ_CACHING | SMB2_LEASE_WRITE_CACHING;
  if (state == S_L_RWH) return SMB2_LEASE_READ_CACHING | SMB2_LEASE_WRITE_CACHING | SMB2_LEASE_HANDLE_CACHING;
  return 0;
}

/** A lease state as requested: H or W without R is not grantable and becomes none. */
@inline export function normalizeLease(bits: u8): u8 {
  return leaseBits(leaseState(bits));
}

// ---- grants (MS-FSA 2.1.5.17.2 request an oplock; MS-SMB2 3.3.5.9.8, 3.3.5.9.11) ----

/**
 * The oplock level granted to a new open that asked for `requested`, once the breaks it caused
 * are done. `others`: another open uses the file (a non-stat open, or any holder);
 * `otherHandleLease`: another lease holds handle caching; `statOpen`: the new open is a stat open;
 * `othersBreaking`: an Exclusive/Batch holder has not finished breaking.
 */
export function grantOplock(requested: u8, statOpen: bool, others: bool, otherHandleLease: bool, othersBreaking: bool): u8 {
  if (requested != SMB2_OPLOCK_LEVEL_II && requested != SMB2_OPLOCK_LEVEL_EXCLUSIVE && requested != SMB2_OPLOCK_LEVEL_BATCH) {
    return SMB2_OPLOCK_LEVEL_NONE;
  }
  if (otherHandleLease || othersBreaking) return SMB2_OPLOCK_LEVEL_NONE;
  if (others) return statOpen ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II;
  return requested;
}

/**
 * The lease state granted to a new lease (or allowed for an upgrade) asking for `requested`:
 * write caching only for the only user of the file, handle caching not next to oplocks.
 */
export function grantLease(requested: u8, others: bool, otherOplock: bool): u8 {
  let g = normalizeLease(requested);
  if (others) g &= ~SMB2_LEASE_WRITE_CACHING;
  if (otherOplock) g &= ~SMB2_LEASE_HANDLE_CACHING;
  return g;
}

/**
 * An existing lease opened again with `requested`: the new state, upgraded only to a strict
 * superset that can be held next to the other users (lease.upgrade2/upgrade3), else unchanged.
 */
export function upgradeLease(current: u8, requested: u8, others: bool, otherOplock: bool): u8 {
  const want = normalizeLease(requested);
  if (want == current || (want & current) != current) return current;
  return grantLease(want, others, otherOplock) == want ? want : current;
}

// ---- acknowledgments and timeouts (MS-SMB2 3.3.5.22.1/.2, 3.3.2.x timers) ----

/** The level an oplock break acknowledgment with `ack` leaves, or -1 (STATUS_INVALID_OPLOCK_PROTOCOL). */
export function oplockAck(breakTo: u8, ack: u8): i32 {
  if (ack == SMB2_OPLOCK_LEVEL_NONE) return SMB2_OPLOCK_LEVEL_NONE;
  if (ack == SMB2_OPLOCK_LEVEL_II && breakTo == SMB2_OPLOCK_LEVEL_II) return SMB2_OPLOCK_LEVEL_II;
  return -1;
}

/** May a lease breaking to `breakTo` be acknowledged with `ack`? (else STATUS_REQUEST_NOT_ACCEPTED) */
export function leaseAckOk(breakTo: u8, ack: u8): bool {
  return (ack & ~breakTo) == 0 && normalizeLease(ack) == ack;
}

/**
 * After an acknowledgment left a lease in `acked` while the requesters need `required`: the next
 * break to send, or -1 when none is needed. Handle and write caching go first and read caching
 * after (lease.breaking3: RH, required none → R, then none).
 */
export function leaseContinuation(acked: u8, required: u8): i32 {
  if ((acked & ~required) == 0) return -1;
  let next = (acked & required) | (acked & SMB2_LEASE_READ_CACHING);
  if (next == acked) next = acked & required;
  return <i32>next;
}

/** The state a lease is left in when its break times out (lease.timeout: none). */
export function leaseTimeout(breakTo: u8): u8 {
  return 0;
}

/** The level an oplock is left in when its break times out: as if acknowledged (batch22a). */
export function oplockTimeout(breakTo: u8): u8 {
  return breakTo;
}

/** Does a lease break from `current` need an acknowledgment (MS-SMB2 2.2.23.2 Flags)? */
@inline export function leaseBreakNeedsAck(current: u8): bool {
  return (current & (SMB2_LEASE_WRITE_CACHING | SMB2_LEASE_HANDLE_CACHING)) != 0;
}
