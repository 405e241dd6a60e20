// End-to-end, SMB3 encryption on the Deno and Bun hosts: smbclient put/get of a multi-MiB and a
// small file, byte-identical, with 3.1.1 AES-128-GCM and AES-256-CCM and 3.0 AES-128-CCM, all
// encrypted on the wire. Deno has no host AES acceleration (the AssemblyScript ciphers run on
// every message); Bun accelerates GCM but not CCM — so both the reference and the accelerated
// paths see large messages.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type Runtime, type RunningServer } from "../helpers/server.ts";
import { smbclientVia, checkWire } from "../helpers/encryption-checks.ts";
import { CIPHER, CIPHER_NAMES } from "../helpers/smb3-crypto.ts";

const USER = "alice";
const PASSWORD = "Alice-rt1";
const RUNTIMES: Runtime[] = ["deno", "bun"];
const base = mkdtempSync(join(tmpdir(), "smbenc-rt-"));
const srv = {} as Record<Runtime, RunningServer>;
const big = randomBytes(2 * 1024 * 1024 + 999);
const small = randomBytes(1234);
writeFileSync(join(base, "big.bin"), big);
writeFileSync(join(base, "small.bin"), small);

test.before(async () => {
  try {
    await Promise.all(RUNTIMES.map(async (rt) => {
      srv[rt] = await startServer({ runtime: rt, users: { [USER]: PASSWORD } });
    }));
  } catch (e) {
    console.error(`cannot start the hosts: ${(e as Error).message}`); // uvu hides errors of before hooks
    throw e;
  }
});
test.after(async () => {
  await Promise.all(Object.values(srv).map((s) => s.stop()));
  rmSync(base, { recursive: true, force: true });
});

const cases = [
  { protocol: "SMB3_11", cipher: CIPHER.AES128_GCM },
  { protocol: "SMB3_11", cipher: CIPHER.AES256_CCM },
  { protocol: "SMB3_00", cipher: CIPHER.AES128_CCM },
];

for (const rt of RUNTIMES) {
  for (const { protocol, cipher } of cases) {
    test(`${rt}: smbclient ${protocol} ${CIPHER_NAMES[cipher]} put/get byte-identical, encrypted on the wire`, async () => {
      const tag = `${rt}-${protocol}-${cipher}`;
      const r = await smbclientVia(srv[rt].port, "share",
        `put big.bin b-${tag}; put small.bin s-${tag}; get b-${tag} got-b-${tag}; get s-${tag} got-s-${tag}`,
        ["--client-protection=encrypt", "-m", protocol, `--option=client smb3 encryption algorithms=${CIPHER_NAMES[cipher]}`],
        { user: USER, password: PASSWORD, cwd: base });
      assert.is(r.code, 0, r.out);
      assert.ok(readFileSync(join(srv[rt].share, `b-${tag}`)).equals(big), "big file on the server");
      assert.ok(readFileSync(join(srv[rt].share, `s-${tag}`)).equals(small), "small file on the server");
      assert.ok(readFileSync(join(base, `got-b-${tag}`)).equals(big), "big file read back");
      assert.ok(readFileSync(join(base, `got-s-${tag}`)).equals(small), "small file read back");
      const n = checkWire(r.proxy, cipher, protocol === "SMB3_11");
      assert.ok(n.c2s >= 6 && n.s2c >= 6, `encrypted frames ${JSON.stringify(n)}`);
      const large = (dir: string) => r.proxy.frames.some((f) => f.dir === dir && f.bytes.length > 1 << 20);
      assert.ok(large("c2s") && large("s2c"), "messages over 1 MiB were decrypted and encrypted by the host");
    });
  }
}

test("no host trapped", () => {
  for (const rt of RUNTIMES) {
    assert.not.match(srv[rt].output(), /Core panic|RuntimeError/);
    assert.is(srv[rt].proc.exitCode, null, `${rt} host exited`);
  }
});

test.run();
