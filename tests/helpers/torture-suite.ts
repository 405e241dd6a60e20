// One share served by a fresh server for a test file, and a uvu test per smbtorture test run
// against it with the share emptied first (as ksmbd's CI does between tests).
import type { Test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "./server.ts";
import { smbtorture } from "./smbclient.ts";

export interface TortureShare {
  /** The share's directory on this machine. */
  readonly share: string;
  /** The running server (after test.before). */
  readonly srv: RunningServer;
  /** Empties the share. */
  wipe(): void;
}

/**
 * Registers before/after hooks on `test` that start a server with share "share" (user/password
 * added; `extra` lines go into the share section) and one test per name in `torture`.
 */
export function tortureShare(test: Test, prefix: string, user: string, password: string, torture: readonly string[], extra = ""): TortureShare {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const share = join(dir, "share");
  mkdirSync(share);
  const conf = join(dir, "smb.conf");
  writeFileSync(conf, `[global]\n  map to guest = bad user\n[share]\n  path = ${share}\n  read only = no\n${extra}`);
  let srv: RunningServer | null = null;
  const wipe = () => {
    for (const e of readdirSync(share)) rmSync(join(share, e), { recursive: true, force: true });
  };
  test.before(async () => {
    srv = await startServer({ args: ["--config", conf], noPath: true, users: { [user]: password } });
  });
  test.after(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const name of torture) {
    test(`smbtorture ${name}`, async () => {
      wipe();
      const r = await smbtorture((srv as RunningServer).port, "share", name, { user, password });
      assert.ok(r.passed, r.out.slice(-3000));
    });
  }
  return {
    share,
    get srv(): RunningServer {
      if (srv === null) throw new Error("the server is not running (test.before has not run)");
      return srv;
    },
    wipe,
  };
}
