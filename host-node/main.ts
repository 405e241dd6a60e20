// Node host: injects Node's sockets, files (node:fs), randomness and terminal into the
// runtime-neutral program (host-common/main.ts).
import { randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { main } from "../host-common/main.ts";
import { PosixFileSystem } from "../host-common/posix-fs.ts";
import { nodeCrypto } from "../host-common/node-crypto.ts";
import { readPassword } from "../host-common/tty.ts";
import { listen } from "./net.ts";

// dist/host-node/main.js → repository root
const root = fileURLToPath(new URL("../../", import.meta.url));

await main({
  name: "Node",
  argv: process.argv.slice(2),
  loadCore: async () => new Uint8Array(await fs.promises.readFile(`${root}build/core.wasm`)),
  readText: (p) => fs.promises.readFile(p, "utf8"),
  readTextIfExists: (p) => fs.promises.readFile(p, "utf8").catch((e) => (e.code === "ENOENT" ? null : Promise.reject(e))),
  writePrivate: (p, t) => fs.promises.writeFile(p, t, { mode: 0o600 }),
  ensureDir: async (p) => {
    await fs.promises.mkdir(p, { recursive: true });
  },
  realpath: (p) => fs.promises.realpath(p),
  isDirectory: (p) => fs.promises.stat(p).then((s) => s.isDirectory(), () => false),
  makeFileSystem: (shares) => new PosixFileSystem(shares),
  crypto: nodeCrypto,
  listen,
  randomFill: (b) => randomFillSync(b),
  readPassword,
  writeErr: (l) => process.stderr.write(`${l}\n`),
  writeOut: (l) => process.stdout.write(`${l}\n`),
  onSignal: (h) => {
    process.once("SIGINT", h);
    process.once("SIGTERM", h);
  },
  exit: (code) => process.exit(code),
});
