// Bun host: injects Bun's files (Bun.file/Bun.write), sockets (Bun.listen), Web Crypto
// randomness, and node:fs / node:crypto (natively implemented by Bun) into the
// runtime-neutral program (host-common/main.ts).
// Runs as `bun host-bun/main.ts` or as a standalone binary from `bun build --compile`.
import * as fs from "node:fs";
import process from "node:process";
// The path of build/core.wasm: the real file under `bun host-bun/main.ts`, an embedded copy
// (/$bunfs/root/core-HASH.wasm) in a compiled binary.
import wasmPath from "../build/core.wasm" with { type: "file" };
import { main } from "../host-common/main.ts";
import { nodeCrypto } from "../host-common/node-crypto.ts";
import { PosixFileSystem } from "../host-common/posix-fs.ts";
import { readPassword } from "../host-common/tty.ts";
import { listen } from "./net.ts";

/** Web Crypto refuses more than 65536 bytes per call. */
const RANDOM_CHUNK = 65536;

function randomFill(buf: Uint8Array): void {
  for (let i = 0; i < buf.length; i += RANDOM_CHUNK) {
    crypto.getRandomValues(buf.subarray(i, Math.min(i + RANDOM_CHUNK, buf.length)));
  }
}

/** Writes text to a file readable only by its owner (the mode is set before the text lands). */
async function writePrivate(path: string, text: string): Promise<void> {
  await fs.promises.appendFile(path, "", { mode: 0o600 });
  await fs.promises.chmod(path, 0o600);
  await Bun.write(path, text); // keeps the inode and its mode
  await fs.promises.chmod(path, 0o600);
}

await main({
  name: "Bun",
  argv: Bun.argv.slice(2),
  loadCore: () => Bun.file(wasmPath).bytes(),
  readText: (p) => Bun.file(p).text(),
  readTextIfExists: (p) =>
    Bun.file(p)
      .text()
      .catch((e: { code?: string }) => (e.code === "ENOENT" ? null : Promise.reject(e))),
  writePrivate,
  ensureDir: async (p) => {
    await fs.promises.mkdir(p, { recursive: true });
  },
  realpath: (p) => fs.promises.realpath(p),
  isDirectory: (p) => fs.promises.stat(p).then((s) => s.isDirectory(), () => false),
  makeFileSystem: (shares) => new PosixFileSystem(shares),
  crypto: nodeCrypto, // node:crypto is BoringSSL in Bun
  listen,
  randomFill,
  readPassword,
  writeErr: (l) => process.stderr.write(`${l}\n`),
  writeOut: (l) => process.stdout.write(`${l}\n`),
  onSignal: (h) => {
    process.once("SIGINT", h);
    process.once("SIGTERM", h);
  },
  exit: (code) => process.exit(code),
});
