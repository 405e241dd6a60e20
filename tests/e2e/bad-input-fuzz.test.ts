// End-to-end seeded mutation fuzzing: valid requests (tests/helpers/bad-input-templates.ts) are
// mutated (bit flips, boundary values in length/offset fields, truncation, extension, header
// fields) and sent one per connection. The server must answer or drop that connection (logging
// why), never die; a bystander, smbclient and the process survive. BAD_INPUT_SEED reproduces.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import { hexStatus, type Smb2Client } from "../helpers/smb2-raw.ts";
import { TEMPLATES, setup } from "../helpers/bad-input-templates.ts";
import { startBadInputServer, bystander, checkSurvived, assertAlive, outcome, prng, waitForLog, disconnectLine } from "../helpers/bad-input-harness.ts";

const ITERATIONS = Number(process.env.BAD_INPUT_ITERATIONS ?? 300);
const SEED = Number(process.env.BAD_INPUT_SEED ?? 0x5eed5);
let srv: RunningServer;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

type Rnd = ReturnType<typeof prng>;

/** Header fields worth corrupting (offset, width) — MS-SMB2 2.2.1.2. */
const HEADER_FIELDS: [number, 2 | 4 | 8][] = [[4, 2], [6, 2], [12, 2], [14, 2], [16, 4], [20, 4], [24, 8], [36, 4], [40, 8]];

function boundary16(r: Rnd, len: number): number {
  return [0, 1, 2, 0x7fff, 0x8000, 0xffff, len, len + 1, len - 64, 64, 72, 120][r.int(12)] & 0xffff;
}
function boundary32(r: Rnd, len: number): number {
  return [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, len, len + 1, 0x10000, 0x800000, 0x1000000][r.int(10)] >>> 0;
}

/** 1-4 mutations; positions favour the body's fixed part, where the lengths and offsets live. */
function mutate(orig: Buffer, r: Rnd): { msg: Buffer; ops: string[] } {
  let m = Buffer.from(orig);
  const ops: string[] = [];
  const n = 1 + r.int(4);
  for (let i = 0; i < n && m.length > 0; i++) {
    const pos = r.next() < 0.6 && m.length > 64 ? 64 + r.int(Math.min(m.length - 64, 64)) : r.int(m.length);
    const op = r.int(7);
    if (op === 0) {
      const bit = r.int(8);
      m[pos] ^= 1 << bit;
      ops.push(`flip ${pos}.${bit}`);
    } else if (op === 1) {
      m[pos] = r.int(256);
      ops.push(`byte ${pos}=${m[pos]}`);
    } else if (op === 2 && m.length >= 2) {
      const p = Math.min(pos & ~1, m.length - 2);
      m.writeUInt16LE(boundary16(r, m.length), p);
      ops.push(`u16 ${p}=${m.readUInt16LE(p)}`);
    } else if (op === 3 && m.length >= 4) {
      const p = Math.min(pos & ~3, m.length - 4);
      m.writeUInt32LE(boundary32(r, m.length), p);
      ops.push(`u32 ${p}=${m.readUInt32LE(p)}`);
    } else if (op === 4) {
      const len = r.int(m.length);
      m = m.subarray(0, len);
      ops.push(`truncate ${len}`);
    } else if (op === 5) {
      const extra = r.bytes(1 + r.int(64));
      m = Buffer.concat([m, extra]);
      ops.push(`append ${extra.length}`);
    } else if (m.length >= 64) {
      const [off, w] = HEADER_FIELDS[r.int(HEADER_FIELDS.length)];
      if (w === 2) m.writeUInt16LE(r.next() < 0.5 ? r.int(0x10000) : boundary16(r, m.length), off);
      else if (w === 4) m.writeUInt32LE(r.next() < 0.5 ? r.int(0x100000000) : boundary32(r, m.length), off);
      else m.writeBigUInt64LE(BigInt(r.int(0x100000000)) << BigInt(r.int(2) * 32), off);
      ops.push(`header@${off}`);
    }
  }
  return { msg: m, ops };
}

test("every template, unmutated, is answered (sanity of the seeds)", async () => {
  for (const t of TEMPLATES) {
    const s = await setup(srv.port, t.needs, t.dialects);
    s.c.sendFrame(t.build(s));
    const o = await outcome(s.c, 3000);
    s.c.end();
    assert.is(o.kind, "response", `${t.name}: ${o.kind}`);
    if (process.env.BAD_INPUT_VERBOSE && o.kind === "response") console.log(`${t.name}: ${o.messages.map((m) => hexStatus(m.status)).join(",")}`);
  }
});

test(`${ITERATIONS} mutated requests (seed ${SEED}) → an answer or a logged disconnect, never a crash`, async () => {
  const r = prng(SEED);
  const b = await bystander(srv);
  const dropped: { c: Smb2Client; what: string }[] = [];
  const silent: string[] = [];
  const tally = new Map<string, number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const t = TEMPLATES[r.int(TEMPLATES.length)];
    const dialects = [[0x0202], [0x0210], [0x0300], [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]][r.int(4)];
    const s = await setup(srv.port, t.needs, dialects);
    const { msg, ops } = mutate(t.build(s), r);
    const what = `#${i} ${t.name} [${ops.join(", ")}] ${msg.toString("hex")}`;
    s.c.sendFrame(msg);
    const o = await outcome(s.c, 1500);
    if (o.kind === "closed") dropped.push({ c: s.c, what });
    // No answer is right only for CANCEL (3.3.5.16) and an empty frame; anything else is a hang.
    if (o.kind === "timeout" && msg.length > 0 && !(msg.length >= 14 && msg.readUInt16LE(12) === 12)) silent.push(what);
    const key = o.kind === "response" ? hexStatus(o.messages[0].status) : o.kind;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    s.c.end();
    if (i % 50 === 49) {
      assertAlive(srv);
      assert.is((await b.echo()).status, 0, `bystander ECHO after #${i}`);
    }
  }
  if (process.env.BAD_INPUT_VERBOSE) console.log([...tally].map(([k, v]) => `${k}: ${v}`).join(", "));
  for (const d of dropped) {
    assert.ok(await waitForLog(srv, disconnectLine(d.c), 1000), `no log line explains the disconnect after ${d.what}`);
  }
  assert.equal(silent, [], `requests that got neither an answer nor a disconnect:\n${silent.join("\n")}`);
  await checkSurvived(srv, b);
  b.end();
});

test.run();
