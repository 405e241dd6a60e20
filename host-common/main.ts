// The command line program every host runs: parse arguments, load configuration and users,
// start the core, and serve (or edit the user database). Runtime specifics are injected.
import { CliError, parseArgs, resolveServeOptions, runUsersCommand, usage, type ServeCommand } from "./cli.ts";
import { ConfigError, serializeForCore, type Config } from "./config.ts";
import { parseUsers } from "./users.ts";
import { Core, type HostCrypto } from "./core.ts";
import type { FileSystem } from "./fs-types.ts";
import { SharePaths } from "./share-paths.ts";
import { coreLevel, makeLogger, type Logger } from "./log.ts";

/** A listening socket; close() stops accepting. */
export interface Listener {
  close(): void;
}

/** What a runtime (Node, Deno, Bun) provides to the program. */
export interface HostRuntime {
  name: string;
  argv: string[];
  /** build/core.wasm bytes. */
  loadCore(): Promise<Uint8Array<ArrayBuffer>>;
  readText(path: string): Promise<string>;
  /** null if the file does not exist. */
  readTextIfExists(path: string): Promise<string | null>;
  /** Writes a private file (mode 0600). */
  writePrivate(path: string, text: string): Promise<void>;
  /** Creates a directory and its parents if missing. */
  ensureDir(path: string): Promise<void>;
  realpath(path: string): Promise<string>;
  isDirectory(path: string): Promise<boolean>;
  makeFileSystem(shares: SharePaths): FileSystem;
  /** Native crypto the core may use for large messages (optional). */
  crypto?: HostCrypto;
  listen(core: Core, address: string, port: number, log: Logger): Promise<Listener>;
  randomFill(buf: Uint8Array): void;
  readPassword(prompt: string, fromStdin: boolean): Promise<string>;
  writeErr(line: string): void;
  writeOut(line: string): void;
  onSignal(handler: () => void): void;
  exit(code: number): never;
}

/** Runs the program; resolves once the server is listening (or the command finished). */
export async function main(rt: HostRuntime): Promise<void> {
  let cmd: ReturnType<typeof parseArgs>;
  try {
    cmd = parseArgs(rt.argv);
  } catch (e) {
    if (e instanceof CliError) {
      rt.writeErr(`error: ${e.message}`);
      rt.writeErr(`Run with --help for usage.`);
      rt.exit(2);
    }
    throw e;
  }
  if (cmd.kind === "help") {
    rt.writeOut(usage());
    rt.exit(0);
  }
  if (cmd.kind === "users") {
    const core = await startCore(rt, makeLogger(1, rt.writeErr));
    const code = await runUsersCommand(cmd, {
      readText: (p) => rt.readTextIfExists(p),
      writeText: (p, t) => rt.writePrivate(p, t),
      readPassword: (prompt) => rt.readPassword(prompt, cmd.stdin),
      ntHash: (pw) => core.ntHash(pw),
      print: (line) => (line.startsWith("error") ? rt.writeErr(line) : rt.writeOut(line)),
    });
    rt.exit(code);
  }
  await serve(rt, cmd);
}

async function startCore(rt: HostRuntime, log: Logger, fs?: FileSystem): Promise<Core> {
  const wasm = await rt.loadCore();
  const noFs = new Proxy({} as FileSystem, { get: () => () => Promise.resolve(-5) });
  return Core.load({ wasm, fs: fs ?? noFs, randomFill: rt.randomFill, log, crypto: rt.crypto });
}

async function loadConfig(rt: HostRuntime, cmd: ServeCommand): Promise<{ config: Config; users: Map<string, Uint8Array> | null }> {
  try {
    const r = await resolveServeOptions(cmd, (p) => rt.readText(p));
    if (r.users === null && cmd.config === undefined) {
      // `npm run users add NAME` writes ./users.db: use it when present.
      const text = await rt.readTextIfExists("./users.db");
      if (text !== null) r.users = parseUsers(text, "./users.db");
    }
    return r;
  } catch (e) {
    if (e instanceof CliError || e instanceof ConfigError) {
      rt.writeErr(`error: ${e.message}`);
      rt.exit(2);
    }
    const err = e as { code?: string; message?: string };
    if (err.code === "ENOENT" || /No such file|NotFound/i.test(String(err.message))) {
      rt.writeErr(`error: ${err.message}`);
      rt.exit(2);
    }
    throw e;
  }
}

async function serve(rt: HostRuntime, cmd: ServeCommand): Promise<void> {
  const { config, users } = await loadConfig(rt, cmd);
  const log = makeLogger(coreLevel(config.global.logLevel), rt.writeErr);
  for (const w of config.warnings) log(1, w);
  const roots: string[] = [];
  for (const share of config.shares) {
    if (cmd.config === undefined) await rt.ensureDir(share.path);
    if (!(await rt.isDirectory(share.path))) {
      rt.writeErr(`error: the path of share "${share.name}" (${share.path}) is not a directory`);
      rt.exit(2);
    }
    roots.push(await rt.realpath(share.path));
  }
  const shares = new SharePaths(roots);
  const core = await startCore(rt, log, rt.makeFileSystem(shares));
  core.configure(serializeForCore(config));
  if (users) {
    for (const [name, hash] of users) core.setUser(name, hash);
    makeLogger(2, rt.writeErr)(2, `Loaded ${users.size} user(s)`);
    for (const h of users.values()) h.fill(0);
  }
  core.startTimers();
  const listeners: Listener[] = [];
  for (const addr of config.global.interfaces) {
    try {
      listeners.push(await rt.listen(core, addr, config.global.port, log));
    } catch (e) {
      rt.writeErr(`error: cannot listen on ${addr}:${config.global.port}: ${(e as Error).message}`);
      rt.exit(1);
    }
  }
  // Start-up summary: always shown, whatever the log level.
  const say = makeLogger(2, rt.writeErr);
  for (const [i, s] of config.shares.entries()) {
    say(2, `Share "${s.name}" → ${roots[i]}${s.readOnly ? " (read only)" : ""}${s.guestOk ? " (guest ok)" : ""}`);
  }
  say(2, `${rt.name} host listening on ${config.global.interfaces.map((a) => `${a}:${config.global.port}`).join(", ")}`);
  rt.onSignal(() => {
    log(2, "Shutting down");
    for (const l of listeners) l.close();
    core.stop();
    rt.exit(0);
  });
}
