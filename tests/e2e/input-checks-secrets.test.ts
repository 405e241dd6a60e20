// End-to-end check that secrets do not outlive their use in the core's memory (review P3: session
// keys scrubbed; M9: password hashes zeroed when freed; M3: nothing of a session outlives its
// logoff or its connection). The Node host runs in this process (host-common/core.ts +
// host-node/net.ts), so the whole WebAssembly linear memory can be searched for the key bytes a
// real client derived: each key must be found while its session lives (the search works) and
// nowhere once the session ended, after a garbage collection of the core's heap.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomFillSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Core } from "../../host-common/core.ts";
import { PosixFileSystem } from "../../host-common/posix-fs.ts";
import { SharePaths } from "../../host-common/share-paths.ts";
import { nodeCrypto } from "../../host-common/node-crypto.ts";
import { defaultConfig, serializeForCore } from "../../host-common/config.ts";
import type { Listener } from "../../host-common/main.ts";
import { listen } from "../../host-node/net.ts";
import { freePort, repoRoot } from "../helpers/server.ts";
import { Command, hexStatus } from "../helpers/smb2-raw.ts";
import { ntHash, hmacMd5, utf16 } from "../helpers/ntlm-client.ts";
import { secureLogon, emptyBody, type SecureClient } from "../helpers/smb3-client.ts";

const USER = "keyuser";
const PASSWORD = "Key-test-pw1";
const NEW_PASSWORD = "Key-test-pw2";

const dir = mkdtempSync(join(tmpdir(), "icsecrets-"));
const share = join(dir, "share");
mkdirSync(share);
let core: Core;
let listener: Listener;
let port = 0;
const log: string[] = [];

test.before(async () => {
  port = await freePort();
  core = await Core.load({
    wasm: readFileSync(join(repoRoot, "build/core.wasm")),
    fs: new PosixFileSystem(new SharePaths([realpathSync(share)])),
    randomFill: (b) => randomFillSync(b),
    log: (level, msg) => log.push(`${level} ${msg}`),
    crypto: nodeCrypto,
  });
  core.configure(serializeForCore(defaultConfig(share)));
  core.setUser(USER, ntHash(PASSWORD));
  core.startTimers();
  listener = await listen(core, "127.0.0.1", port, (level, msg) => log.push(`${level} ${msg}`));
});

test.after(() => {
  listener?.close();
  core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Where the bytes occur in the core's linear memory (-1: nowhere). */
function where(needle: Uint8Array): number {
  return Buffer.from(core.ex.memory.buffer).indexOf(Buffer.from(needle));
}

/** The keys a client derived, by name, 16 bytes or more each. */
function keysOf(s: SecureClient): Array<[string, Buffer]> {
  const k = s.k;
  return ([["signing", k.signing], ["application", k.application], ["encryption (C→S)", k.encryption], ["decryption (S→C)", k.decryption]] as Array<[string, Buffer]>)
    .filter(([, v]) => v.length >= 16);
}

/** Runs the core's garbage collector, then waits until none of the needles is in memory (or ms passed). */
async function gone(needles: Array<[string, Uint8Array]>, ms = 3000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    core.ex.__collect();
    const left = needles.filter(([, v]) => where(v) >= 0).map(([n, v]) => `${n} at ${where(v)}`);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function logonUser(dialects: number[], password = PASSWORD): Promise<SecureClient> {
  return secureLogon(port, { dialects, user: USER, password });
}

async function useSession(s: SecureClient): Promise<void> {
  const t = await s.treeConnect("share");
  assert.is(hexStatus(t.status), hexStatus(0), "TREE_CONNECT (signed)");
  const f = await s.create(`k${s.c.localPort}.bin`, { createDisposition: 5 });
  assert.is(hexStatus(f.status), hexStatus(0), "CREATE (signed)");
  assert.ok(s.signedOk(f), "the response is signed with the derived key");
  await s.close(f.fileId);
}

test("3.1.1: the session's derived keys are in memory while it lives, and nowhere after LOGOFF (P3)", async () => {
  const s = await logonUser([0x0311]);
  await useSession(s);
  const keys = keysOf(s);
  const signing = keys.find(([n]) => n === "signing") as [string, Buffer];
  assert.ok(where(signing[1]) >= 0, "sanity: the signing key is found while the session lives");
  const lo = await s.call(Command.LOGOFF, emptyBody(4));
  assert.is(hexStatus(lo.status), hexStatus(0), "LOGOFF");
  assert.equal(await gone(keys), [], "keys still in the core's memory after LOGOFF");
  s.end();
});

test("2.1: the session key (= the signing key) is nowhere once the connection dropped without LOGOFF (P3, M3)", async () => {
  const s = await logonUser([0x0210]);
  await useSession(s);
  const key = s.k.signing;
  assert.ok(where(key) >= 0, "sanity: the session key is found while the session lives");
  s.end();
  assert.equal(await gone([["session key", key]]), [], "the session key is still in the core's memory after the disconnect");
});

test("3.0.2 with encryption: keys of a session whose connection drops are wiped (P3, M3)", async () => {
  const s = await logonUser([0x0302]);
  await useSession(s);
  const keys = keysOf(s);
  s.end();
  assert.equal(await gone(keys), [], "keys still in the core's memory after the disconnect");
});

test("the NTLMv2 response key is wiped after logon; a replaced password's NT hash is wiped (M9)", async () => {
  const h1 = ntHash(PASSWORD);
  assert.ok(where(h1) >= 0, "sanity: the user table holds the NT hash");
  const s = await logonUser([0x0311]);
  await useSession(s);
  s.end();
  // NTOWFv2 = HMAC-MD5(NT hash, UPPER(user) || domain), with the client's domain and without one
  const rk = hmacMd5(h1, utf16(`${USER.toUpperCase()}WORKGROUP`));
  const rkNoDomain = hmacMd5(h1, utf16(USER.toUpperCase()));
  assert.equal(await gone([["ResponseKeyNT", rk], ["ResponseKeyNT (no domain)", rkNoDomain]]), [], "NTOWFv2 left in memory");
  const h2 = ntHash(NEW_PASSWORD);
  core.setUser(USER, h2);
  assert.equal(await gone([["the old NT hash", h1]]), [], "the replaced NT hash is still in the core's memory");
  assert.ok(where(h2) >= 0, "the new hash is in the user table");
  const again = await logonUser([0x0311], NEW_PASSWORD);
  again.end();
});

test("the core logged no panic", () => {
  assert.not.ok(log.some((l) => /panic/i.test(l)), log.join("\n"));
});

test.run();
