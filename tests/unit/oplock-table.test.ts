// Unit tests for assembly/oplock/table.ts: every (holder state, event) pair of the transition
// table, and the grant/acknowledgment/continuation functions, checked against an independent
// statement of the rules (MS-FSA 2.1.4.12 and 2.1.5.17, MS-SMB2 3.3.4.6/3.3.4.7/3.3.5.22, and
// the behaviour smbtorture's smb2.oplock and smb2.lease suites expect from Windows).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";

const m = loadTestModule("oplock_table");
const x = m.exports;

// ---- the independent model: caching rights as sets ----
const R = 1;
const H = 2;
const W = 4;
type Kind = "oplock" | "lease";
interface Holder {
  kind: Kind;
  name: string;
  /** caching the holder has: an oplock is read (II), read+write (Exclusive), read+write+handle (Batch) */
  caching: number;
}
const OPLOCK_LEVELS: Record<string, number> = { none: 0, II: 1, exclusive: 8, batch: 9 };
const OPLOCK_CACHING: Record<string, number> = { none: 0, II: R, exclusive: R | W, batch: R | W | H };
const LEASES: Record<string, number> = { none: 0, R: R, RH: R | H, RW: R | W, RWH: R | W | H };

const holders: Holder[] = [
  ...Object.keys(OPLOCK_LEVELS).map((n) => ({ kind: "oplock" as Kind, name: n, caching: OPLOCK_CACHING[n] })),
  ...Object.keys(LEASES).map((n) => ({ kind: "lease" as Kind, name: n, caching: LEASES[n] })),
];

const EVENTS = ["OPEN", "OVERWRITE", "SHARE_CONFLICT", "STAT_OPEN", "WRITE_OTHER", "WRITE_SELF", "HANDLE"] as const;
type Event = (typeof EVENTS)[number];
const KEEP = 0;
const BREAK_WAIT = 1;
const BREAK_ACK = 2;
const BREAK_NOACK = 3;

/**
 * The rules in words:
 * - a holder without caching, and any stat open, never cause a break;
 * - an open (no overwrite, no sharing conflict) takes write caching away;
 * - an overwrite, and a write/EOF/allocation/lock by another open, take all caching away;
 * - a sharing conflict, a rename or a delete by another open take handle caching away;
 * - a holder's own writes only break its own Level II oplock (never its own lease);
 * - an oplock is only ever broken to Level II or to none;
 * - a break that takes read caching only needs no acknowledgment; others do;
 * - the requester waits when write caching goes (CREATE), or when handle caching goes for a
 *   sharing conflict, rename or delete; writes never wait.
 */
function expected(h: Holder, e: Event): { caching: number; action: number } {
  const keep = { caching: h.caching, action: KEEP };
  if (h.caching === 0 || e === "STAT_OPEN") return keep;
  let lose = 0;
  switch (e) {
    case "OPEN": lose = W; break;
    case "OVERWRITE": case "WRITE_OTHER": lose = R | W | H; break;
    case "SHARE_CONFLICT": case "HANDLE": lose = H; break;
    case "WRITE_SELF": lose = h.kind === "oplock" && h.caching === R ? R : 0; break;
  }
  if ((h.caching & lose) === 0) return keep;
  let after = h.caching & ~lose;
  if (h.kind === "oplock" && after !== 0) after = R; // Level II
  const lost = h.caching & ~after;
  const needsAck = (h.caching & (W | H)) !== 0;
  let wait = false;
  if (e === "OPEN" || e === "OVERWRITE") wait = (lost & W) !== 0;
  if (e === "SHARE_CONFLICT" || e === "HANDLE") wait = (lost & H) !== 0;
  return { caching: after, action: !needsAck ? BREAK_NOACK : wait ? BREAK_WAIT : BREAK_ACK };
}

function stateOf(h: Holder): number {
  return h.kind === "oplock" ? x.oplock_state(OPLOCK_LEVELS[h.name]) : x.lease_state(h.caching);
}

function cachingOfState(kind: Kind, s: number): number {
  if (kind === "oplock") {
    const level = x.oplock_level(s);
    const name = Object.keys(OPLOCK_LEVELS).find((n) => OPLOCK_LEVELS[n] === level) as string;
    return OPLOCK_CACHING[name];
  }
  return x.lease_bits(s);
}

test("the table has one row per holder state and event", () => {
  assert.is(x.state_count(), holders.length);
  assert.is(x.event_count(), EVENTS.length);
  const seen = new Set<number>();
  for (const h of holders) seen.add(stateOf(h));
  assert.is(seen.size, holders.length, "every holder state maps to its own table state");
});

test("every (state, event) pair follows the rules", () => {
  let checked = 0;
  for (const h of holders) {
    for (let e = 0; e < EVENTS.length; e++) {
      const s = stateOf(h);
      const want = expected(h, EVENTS[e]);
      const what = `${h.kind} ${h.name} × ${EVENTS[e]}`;
      assert.is(x.transition_action(s, e), want.action, `${what}: action`);
      const target = x.transition_target(s, e);
      assert.is(target < 4, h.kind === "oplock", `${what}: stays an ${h.kind}`);
      assert.is(cachingOfState(h.kind, target), want.caching, `${what}: state after`);
      checked++;
    }
  }
  assert.is(checked, 63);
});

test("out-of-range states and events keep the state", () => {
  assert.is(x.transition_action(9, 0), KEEP);
  assert.is(x.transition_action(0, 7), KEEP);
  assert.is(x.transition_target(200, 1), 200);
});

// ---- grants ----

const REQUESTABLE = [0, 1, 8, 9, 0xff, 2, 7];
test("oplock grants: none unless asked; none next to handle leases, breaking holders or (for stat opens) others; Level II next to others", () => {
  for (const req of REQUESTABLE) {
    for (let bits = 0; bits < 16; bits++) {
      const stat = (bits & 1) !== 0;
      const others = (bits & 2) !== 0;
      const handleLease = (bits & 4) !== 0;
      const breaking = (bits & 8) !== 0;
      let want: number;
      if (![1, 8, 9].includes(req)) want = 0;
      else if (handleLease || breaking) want = 0;
      else if (others) want = stat ? 0 : 1;
      else want = req;
      assert.is(x.grant_oplock(req, +stat, +others, +handleLease, +breaking), want, `req ${req} flags ${bits}`);
    }
  }
});

test("lease grants: R needed for anything; W only for the only user; H not next to oplocks", () => {
  for (let req = 0; req < 8; req++) {
    for (let bits = 0; bits < 4; bits++) {
      const others = (bits & 1) !== 0;
      const oplock = (bits & 2) !== 0;
      let want = req & R ? req : 0;
      if (others) want &= ~W;
      if (oplock) want &= ~H;
      assert.is(x.grant_lease(req, +others, +oplock), want, `req ${req} flags ${bits}`);
    }
  }
});

test("lease upgrades: only to a strict superset that can be held next to the others (lease.upgrade2/3)", () => {
  const states = Object.values(LEASES);
  for (const cur of states) {
    for (let req = 0; req < 8; req++) {
      for (let bits = 0; bits < 4; bits++) {
        const others = (bits & 1) !== 0;
        const oplock = (bits & 2) !== 0;
        const wantReq = req & R ? req : 0;
        const superset = wantReq !== cur && (wantReq & cur) === cur;
        const holdable = !(others && wantReq & W) && !(oplock && wantReq & H);
        const want = superset && holdable ? wantReq : cur;
        assert.is(x.upgrade_lease(cur, req, +others, +oplock), want, `cur ${cur} req ${req} flags ${bits}`);
      }
    }
  }
  // the upgrade2/upgrade3 tables of smbtorture, spot checks
  assert.is(x.upgrade_lease(R | H, R | W, 0, 0), R | H);
  assert.is(x.upgrade_lease(R, R | W | H, 1, 0), R);
  assert.is(x.upgrade_lease(R, R | H, 1, 0), R | H);
});

// ---- acknowledgments, continuation, timeouts ----

test("oplock acknowledgments: none always, Level II only for a break to Level II", () => {
  for (const to of [0, 1]) {
    for (const ack of [0, 1, 8, 9, 0xff]) {
      const want = ack === 0 ? 0 : ack === 1 && to === 1 ? 1 : -1;
      assert.is(x.oplock_ack(to, ack), want, `break to ${to}, ack ${ack}`);
    }
  }
});

test("lease acknowledgments: a valid lease state within the state offered (lease.breaking2/6)", () => {
  for (let to = 0; to < 8; to++) {
    for (let ack = 0; ack < 8; ack++) {
      const valid = ack === 0 || (ack & R) !== 0;
      const want = valid && (ack & ~to) === 0 ? 1 : 0;
      assert.is(x.lease_ack_ok(to, ack), want, `break to ${to}, ack ${ack}`);
    }
  }
});

test("after an acknowledgment, handle and write caching go before read caching (lease.breaking3)", () => {
  const states = Object.values(LEASES);
  for (const acked of states) {
    for (const required of states) {
      const extra = acked & ~required;
      let want: number;
      if (extra === 0) want = -1;
      else if (extra & (H | W)) want = (acked & required) | (acked & R);
      else want = acked & required;
      assert.is(x.lease_continuation(acked, required), want, `acked ${acked} required ${required}`);
    }
  }
  assert.is(x.lease_continuation(R | H, 0), R);
  assert.is(x.lease_continuation(R, 0), 0);
});

test("a lease break needs an acknowledgment when it takes write or handle caching", () => {
  for (const s of Object.values(LEASES)) assert.is(x.lease_break_needs_ack(s), s & (W | H) ? 1 : 0);
});

test.run();
