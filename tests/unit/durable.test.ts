// Unit tests for assembly/fs/durable.ts (MS-SMB2 3.3.7.1, 3.3.5.6, 3.3.2.2, 3.3.4.6/3.3.4.7,
// 3.3.5.9.7): which opens survive the end of their session, the scavenger timeout, purging a
// disconnected holder instead of breaking it, reconnecting, and that every open is released
// exactly once (ksmbd review finding 6: a double free in the durable cleanup path). The host
// handle of an open is closed once: the OP_CLOSE records the core queues are counted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";

const m = loadTestModule("durable");
const x = m.exports;

const NONE = 0;
const II = 1;
const EXCLUSIVE = 8;
const BATCH = 9;
const LEASE = 0xff;
const R = 1;
const H = 2;
const W = 4;
let nextHandle = 100;

/** A new open on the current session; returns [index, host handle]. */
function open(level: number, lease = 0, durable: boolean | "record" = true, timeout = 60000): [number, number] {
  const h = nextHandle++;
  return [x.make_open(h, level, lease, durable === "record" ? 2 : durable ? 1 : 0, timeout), h];
}

test("granted v2 timeouts: 0 is the 60 s default, the cap is 300 s", () => {
  assert.is(x.granted_timeout(0), 60000);
  assert.is(x.granted_timeout(1), 1);
  assert.is(x.granted_timeout(2500), 2500);
  assert.is(x.granted_timeout(300000), 300000);
  assert.is(x.granted_timeout(300001), 300000);
  assert.is(x.granted_timeout(0xffffffff) >>> 0, 300000);
});

test("preserved: batch oplocks and handle-caching leases that are not breaking (3.3.7.1)", () => {
  const cases: [number, number, boolean | "record", boolean, number][] = [
    // level, lease state, durable, breaking, expected
    [BATCH, 0, true, false, 1],
    [BATCH, 0, true, true, 0],
    [BATCH, 0, false, false, 0],
    [BATCH, 0, "record", false, 0], // a DH2Q open not granted durability
    [LEASE, R | W | H, "record", false, 0],
    [EXCLUSIVE, 0, true, false, 0],
    [II, 0, true, false, 0],
    [NONE, 0, true, false, 0],
    [LEASE, R | H, true, false, 1],
    [LEASE, R | W | H, true, false, 1],
    [LEASE, R | W | H, true, true, 0],
    [LEASE, R | W, true, false, 0],
    [LEASE, R, true, false, 0],
  ];
  for (const [level, lease, durable, breaking, want] of cases) {
    const [i] = open(level, lease, durable);
    if (breaking) x.set_breaking(i);
    assert.is(x.preservable(i), want, `level ${level} lease ${lease} durable ${durable} breaking ${breaking}`);
    x.close(i);
  }
  x.drain();
});

test("a durable open outlives its session, then its timeout closes it exactly once", () => {
  x.drain();
  const before = x.released_total();
  const [i, h] = open(BATCH);
  const [j, hj] = open(BATCH, 0, false); // not durable: closed with the session
  x.end_session();
  assert.is(x.is_disconnected(i), 1);
  assert.is(x.is_closed(i), 0);
  assert.is(x.locks(i), 1, "byte-range locks stay");
  assert.is(x.closes_for(h), 0, "the host handle stays open");
  assert.is(x.is_closed(j), 1);
  assert.is(x.closes_for(hj), 1);
  const dl = x.deadline(i);
  assert.ok(dl > Date.now() + 50000 && dl <= Date.now() + 60000);
  assert.is(x.timers(dl - 1), dl, "the next deadline");
  assert.is(x.is_closed(i), 0);
  assert.is(x.timers(dl), 0, "nothing left after the timeout");
  assert.is(x.is_closed(i), 1);
  assert.is(x.closes_for(h), 1);
  assert.is(x.locks(i), 0, "its locks went with it");
  assert.is(x.released_total(), before + 1);
  // nobody can release or reconnect it again
  x.timers(dl + 1000000);
  x.other_open(i);
  assert.is(x.reattach(i), 0);
  assert.is(x.closes_for(h), 1);
  assert.is(x.released_total(), before + 1);
});

test("another open closes a disconnected batch holder instead of breaking it (3.3.4.6), once", () => {
  x.drain();
  const before = x.released_total();
  const [i, h] = open(BATCH);
  x.end_session();
  assert.is(x.disconnected_count(), 1);
  assert.is(x.other_open(i), 0, "the new open does not wait");
  assert.is(x.is_closed(i), 1);
  assert.is(x.closes_for(h), 1);
  assert.is(x.disconnected_count(), 0);
  // the timeout that follows, a second open and a reconnect find nothing
  x.timers(x.deadline(i) + 1);
  x.other_open(i);
  assert.is(x.reattach(i), 0);
  assert.is(x.closes_for(h), 1);
  assert.is(x.released_total(), before + 1);
});

test("a disconnected RWH lease is closed, a disconnected RH lease survives a plain open", () => {
  x.drain();
  const [i, h] = open(LEASE, R | W | H);
  const [j, hj] = open(LEASE, R | H);
  x.end_session();
  assert.is(x.disconnected_count(), 2);
  x.other_open(i); // RWH breaks to RH on an open (3.3.4.7): closed instead
  assert.is(x.is_closed(i), 1);
  assert.is(x.closes_for(h), 1);
  x.other_open(j); // RH is kept by an ordinary open
  assert.is(x.is_closed(j), 0);
  assert.is(x.is_disconnected(j), 1);
  x.timers(x.deadline(j));
  assert.is(x.is_closed(j), 1);
  assert.is(x.closes_for(hj), 1);
  assert.is(x.disconnected_count(), 0);
});

test("a reconnected open belongs to its new session: no timeout closes it, CLOSE does, once", () => {
  x.drain();
  const before = x.released_total();
  const [i, h] = open(BATCH);
  x.end_session();
  const n = x.s2_open_count();
  assert.is(x.reattach(i), 1);
  assert.is(x.reattach(i), 0, "a second reconnect finds nothing");
  assert.is(x.s2_open_count(), n + 1);
  assert.is(x.is_disconnected(i), 0);
  assert.is(x.disconnected_count(), 0);
  assert.is(x.locks(i), 1);
  x.timers(x.deadline(i) + 1);
  assert.is(x.is_closed(i), 0, "the old timeout does not apply");
  assert.is(x.closes_for(h), 0);
  x.close(i);
  x.close(i);
  assert.is(x.closes_for(h), 1);
  assert.is(x.s2_open_count(), n);
  assert.is(x.released_total(), before, "not released from the table");
});

test("two holders purged in one walk and a timeout racing them: each closed once", () => {
  x.drain();
  const before = x.released_total();
  const [i, h] = open(BATCH, 0, true, 1000);
  const [j, hj] = open(BATCH, 0, true, 1000);
  x.end_session();
  const dl = Math.max(x.deadline(i), x.deadline(j));
  x.other_open(i);
  x.timers(dl);
  x.other_open(i);
  x.other_open(j);
  x.timers(dl + 1);
  assert.is(x.closes_for(h), 1);
  assert.is(x.closes_for(hj), 1);
  assert.is(x.released_total(), before + 2);
  assert.is(x.disconnected_count(), 0);
});

test("the CreateGuid index finds a v2 open, connected or disconnected, until it is closed", () => {
  x.drain();
  const n = x.guid_count();
  const [i] = open(BATCH);
  const [j] = open(BATCH);
  x.make_v2(i, 0x1234);
  x.make_v2(j, 0x5678);
  assert.is(x.guid_count(), n + 2);
  assert.is(x.find_guid(0x1234), i);
  assert.is(x.find_guid(0x5678), j);
  assert.is(x.find_guid(0x9999), -1);
  x.end_session();
  assert.is(x.find_guid(0x1234), i, "a disconnected open is still found");
  const before = x.released_total();
  const kept = x.disconnected_count();
  // closed by another path while disconnected (e.g. a failing CREATE step of its own request):
  // it leaves the table too, and nothing releases it again
  x.close(j);
  assert.is(x.find_guid(0x5678), -1);
  assert.is(x.is_disconnected(j), 0);
  assert.is(x.disconnected_count(), kept - 1);
  assert.is(x.reattach(j), 0);
  x.timers(x.deadline(i));
  assert.is(x.find_guid(0x1234), -1, "a timed-out open is forgotten");
  assert.is(x.guid_count(), n);
  assert.is(x.released_total(), before + 1, "only the timed-out one was released from the table");
  x.drain();
});

test.run();
