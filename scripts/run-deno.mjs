#!/usr/bin/env node
// `npm run start:deno -- ARGS`: starts the Deno host (host-deno/main.ts) with only the permissions
// the arguments call for — read on the share directories (write on the writable ones), read on
// build/core.wasm and the config and users files, net on the listen addresses, FFI on exactly the
// @napi-rs/xattr addon file (extended attributes) — and prints the exact deno command line.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { constants } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const deno = resolve(root, "node_modules/.bin/deno");
const mainTs = resolve(root, "host-deno/main.ts");
const coreWasm = resolve(root, "build/core.wasm");

/**
 * The @napi-rs/xattr addon of this platform (host-common/xattr-native.ts), or null. Deno's
 * --allow-ffi takes paths: only this file may be loaded as native code.
 */
async function xattrAddon() {
  try {
    const native = await import(new URL("../dist/host-common/xattr-native.js", import.meta.url).href);
    return native.addonFiles(resolve(root, "node_modules")).find((f) => existsSync(f)) ?? null;
  } catch {
    return null;
  }
}

async function loadParser() {
  try {
    const cli = await import(new URL("../dist/host-common/cli.js", import.meta.url).href);
    return cli;
  } catch (e) {
    process.stderr.write(`error: cannot load dist/host-common/cli.js (${e.message}); run "npm run build" first\n`);
    process.exit(1);
  }
}

/** A path and, when it differs, its real path (Deno checks permissions on the path as given). */
function withReal(p) {
  const abs = resolve(p);
  try {
    const real = realpathSync(abs);
    return real === abs ? [abs] : [abs, real];
  } catch {
    return [abs];
  }
}

/** Deno's net permission syntax: host:port, IPv6 in brackets. */
const netAddr = (addr, port) => (addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`);

/**
 * Permissions for one command line. Parse or configuration errors leave them at the minimum:
 * the Deno host then reports the error itself, with the same words as the other hosts.
 */
async function permissions(argv) {
  const cli = await loadParser();
  const perms = { read: withReal(coreWasm), write: [], net: [], sys: [], ffi: [] };
  let cmd;
  try {
    cmd = cli.parseArgs(argv);
  } catch {
    return perms;
  }
  if (cmd.kind === "help") return perms;
  if (cmd.kind === "users") {
    perms.read.push(resolve(cmd.users));
    perms.write.push(resolve(cmd.users));
    return perms;
  }
  if (cmd.config !== undefined) perms.read.push(...withReal(cmd.config));
  if (cmd.users !== undefined) perms.read.push(...withReal(cmd.users));
  // host-common/main.ts reads ./users.db when neither --users nor --config is given
  else if (cmd.config === undefined && existsSync("users.db")) perms.read.push(...withReal("users.db"));
  let config;
  try {
    ({ config } = await cli.resolveServeOptions({ ...cmd, users: undefined }, async (p) => readFileSync(p, "utf8")));
  } catch {
    return perms;
  }
  for (const share of config.shares) {
    // Without --config the host creates missing share directories; doing it here lets us
    // grant the real path (and Deno needs no write access to the parent).
    if (cmd.config === undefined) {
      try {
        mkdirSync(share.path, { recursive: true });
      } catch {
        // the host reports it
      }
    }
    const paths = withReal(share.path);
    perms.read.push(...paths);
    if (!share.readOnly) perms.write.push(...paths); // read-only shares: no write access at all
  }
  perms.net = config.global.interfaces.map((a) => netAddr(a, config.global.port));
  // Free space of the shares' volumes (clients refuse to copy onto a volume reporting 0 free);
  // "statfs" grants only that one system call.
  perms.sys = ["statfs"];
  // Extended attributes (DOS attributes, create times, EAs): the one native addon file.
  const addon = await xattrAddon();
  if (addon !== null) {
    perms.read.push(...withReal(addon));
    perms.ffi.push(...withReal(addon));
  }
  return perms;
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(a) {
  return /^[\w@%+=:,./[\]-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
}

const argv = process.argv.slice(2);
const perms = await permissions(argv);
const flag = (name, list) => {
  const uniq = [...new Set(list)];
  const bad = uniq.find((p) => p.includes(","));
  if (bad !== undefined) {
    process.stderr.write(`error: Deno cannot grant access to a path containing a comma: ${bad}\n`);
    process.exit(2);
  }
  return uniq.length > 0 ? [`--${name}=${uniq.join(",")}`] : [];
};
const denoArgs = [
  "run",
  "--no-config",
  "--no-prompt",
  ...flag("allow-read", perms.read),
  ...flag("allow-write", perms.write),
  ...flag("allow-net", perms.net),
  ...flag("allow-sys", perms.sys),
  ...flag("allow-ffi", perms.ffi),
  mainTs,
  ...argv,
];
process.stderr.write(`${[deno, ...denoArgs].map(shellQuote).join(" ")}\n`);

const child = spawn(deno, denoArgs, { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  });
}
child.on("error", (e) => {
  process.stderr.write(`error: cannot run ${deno}: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
