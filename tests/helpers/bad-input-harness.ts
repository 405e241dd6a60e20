// Shared checks for the bad-input end-to-end tests: one server per test file, a well-behaved
// bystander connection opened before each attack, and the checks that must hold afterwards
// (bystander still served, a new smbclient works, process alive, the disconnect logged).
import * as assert from "uvu/assert";
import { startServer, type RunningServer } from "./server.ts";
import { smbclient } from "./smbclient.ts";
import { type Smb2Client, connectAnonymous, parseMessages, hexStatus, Status, type Smb2Message } from "./smb2-raw.ts";

/** Starts the Node host with warnings/info logged (disconnect reasons are WARN lines). */
export async function startBadInputServer(): Promise<RunningServer> {
  try {
    return await startServer({ runtime: "node", args: ["--log-level", "1"] });
  } catch (e) {
    console.error(`cannot start the server: ${(e as Error).message}`); // uvu hides errors of before hooks
    throw e;
  }
}

/** Seeded PRNG (mulberry32) so fuzz failures reproduce; BAD_INPUT_SEED overrides the seed. */
export function prng(seed = Number(process.env.BAD_INPUT_SEED ?? 0x5eed5)): { next(): number; int(n: number): number; bytes(n: number): Buffer } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}

/** The outcome of one bad request: a response (with its status), a disconnect, or nothing. */
export type Outcome = { kind: "response"; messages: Smb2Message[] } | { kind: "closed" } | { kind: "timeout" };

export async function outcome(c: Smb2Client, ms = 3000): Promise<Outcome> {
  const f = await c.nextFrame(ms);
  if (f === "closed" || f === "timeout") return { kind: f };
  return { kind: "response", messages: parseMessages(f) };
}

const describe = (o: Outcome) => (o.kind === "response" ? `a response with ${o.messages.map((m) => hexStatus(m.status)).join(",")}` : o.kind === "closed" ? "a disconnect" : "nothing (timeout)");

/** Asserts that the server closed the connection without answering (MS-SMB2 3.3.7.1). */
export async function expectDisconnect(c: Smb2Client, what: string, ms = 3000): Promise<void> {
  const o = await outcome(c, ms);
  assert.is(o.kind, "closed", `${what}: expected a disconnect without a reply, got ${describe(o)}`);
}

/** Asserts a response with the given NTSTATUS (the connection may stay open). */
export async function expectStatus(c: Smb2Client, status: number, what: string, ms = 3000): Promise<Smb2Message> {
  const o = await outcome(c, ms);
  if (o.kind !== "response") assert.unreachable(`${what}: expected ${hexStatus(status)}, got ${describe(o)}`);
  const m = (o as { messages: Smb2Message[] }).messages[0];
  assert.is(hexStatus(m.status), hexStatus(status), `${what}: status`);
  return m;
}

/** Asserts either an error response with one of `statuses`, or a disconnect. */
export async function expectStatusOrDisconnect(c: Smb2Client, statuses: number[], what: string, ms = 3000): Promise<Outcome> {
  const o = await outcome(c, ms);
  if (o.kind === "timeout") assert.unreachable(`${what}: no response and no disconnect`);
  if (o.kind === "response") {
    const st = o.messages[0].status;
    assert.ok(statuses.includes(st), `${what}: got ${hexStatus(st)}, expected one of ${statuses.map(hexStatus).join(", ")} or a disconnect`);
  }
  return o;
}

/** Waits until the server log has a line matching re (lines arrive asynchronously). */
export async function waitForLog(srv: RunningServer, re: RegExp, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!re.test(srv.output())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** The WARN line core/smb2/transport.ts writes when it drops a connection. */
export const disconnectLine = (c: Smb2Client) => new RegExp(`WARN Disconnecting 127\\.0\\.0\\.1:${c.localPort}: \\S`);

export function assertAlive(srv: RunningServer): void {
  assert.is(srv.proc.exitCode, null, `server exited:\n${srv.output()}`);
  assert.is(srv.proc.signalCode, null, `server killed:\n${srv.output()}`);
  assert.not.match(srv.output(), /Core panic|RuntimeError/, "the core trapped");
}

export interface AttackOptions {
  /** The attack ends with the server dropping this connection: its log line must explain why. */
  disconnected?: Smb2Client;
  /** Skip the smbclient run (used inside loops; run once at the end instead). */
  noSmbclient?: boolean;
}

/** The checks after an attack: process alive, bystander ECHO works, a new smbclient `ls` works, disconnect logged. */
export async function checkSurvived(srv: RunningServer, bystander: Smb2Client, o: AttackOptions = {}): Promise<void> {
  assertAlive(srv);
  const e = await bystander.echo(5000).catch((err: Error) => assert.unreachable(`bystander ECHO failed: ${err.message}`));
  assert.is(hexStatus((e as Smb2Message).status), hexStatus(Status.SUCCESS), "bystander ECHO status");
  if (!o.noSmbclient) {
    const r = await smbclient(srv.port, "share", "ls", { timeoutMs: 30000 });
    assert.is(r.code, 0, `smbclient ls after the attack:\n${r.out}`);
  }
  if (o.disconnected) {
    const ok = await waitForLog(srv, disconnectLine(o.disconnected));
    assert.ok(ok, `no log line explains the disconnect of 127.0.0.1:${o.disconnected.localPort}; log:\n${srv.output().split("\n").slice(-15).join("\n")}`);
  }
  assertAlive(srv);
}

/** A well-behaved connection (3.1.1, anonymous, tree connected to "share") opened before an attack. */
export function bystander(srv: RunningServer): Promise<Smb2Client> {
  return connectAnonymous(srv.port, "share");
}

/** Runs one attack between a bystander's start and the survival checks. */
export async function underAttack(srv: RunningServer, attack: () => Promise<AttackOptions | void>): Promise<void> {
  const b = await bystander(srv);
  try {
    const o = (await attack()) ?? {};
    await checkSurvived(srv, b, o);
  } finally {
    b.end();
  }
}
