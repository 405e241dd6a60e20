// Deno host: injects Deno's sockets (Deno.listen), files (Deno.* file APIs), randomness and
// signals into the runtime-neutral program (host-common/main.ts). Started by scripts/run-deno.mjs
// with narrow --allow-read/--allow-write/--allow-net permissions.
import { main } from "../host-common/main.ts";
import { readPassword } from "../host-common/tty.ts";
import { DenoFileSystem } from "./fs.ts";
import { listen } from "./net.ts";

const coreUrl = new URL("../build/core.wasm", import.meta.url);
const enc = new TextEncoder();

/** Writes a line to a standard stream (writeSync may write only part of it); never throws. */
function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = enc.encode(`${text}\n`);
  try {
    let off = 0;
    while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
  } catch {
    // stream closed (e.g. the reader went away): a log line must not break the caller
  }
}

/** crypto.getRandomValues fills at most 65536 bytes per call. */
function randomFill(buf: Uint8Array): void {
  for (let off = 0; off < buf.length; off += 65536) {
    crypto.getRandomValues(buf.subarray(off, Math.min(off + 65536, buf.length)));
  }
}

await main({
  name: "Deno",
  argv: Deno.args,
  loadCore: () => Deno.readFile(coreUrl),
  readText: (p) => Deno.readTextFile(p),
  readTextIfExists: (p) => {
    // The launcher grants ./users.db only if it exists: a file we may not read counts as absent.
    if (Deno.permissions.querySync({ name: "read", path: p }).state !== "granted") return Promise.resolve(null);
    return Deno.readTextFile(p).catch((e) => (e instanceof Deno.errors.NotFound ? null : Promise.reject(e)));
  },
  writePrivate: (p, t) => Deno.writeTextFile(p, t, { mode: 0o600 }),
  ensureDir: (p) => Deno.mkdir(p, { recursive: true }),
  realpath: (p) => Deno.realPath(p),
  isDirectory: (p) => Deno.stat(p).then((s) => s.isDirectory, () => false),
  makeFileSystem: (shares) => new DenoFileSystem(shares),
  listen,
  randomFill,
  readPassword,
  writeErr: (l) => writeAll(Deno.stderr, l),
  writeOut: (l) => writeAll(Deno.stdout, l),
  onSignal: (h) => {
    let fired = false;
    const once = () => {
      if (fired) return;
      fired = true;
      h();
    };
    Deno.addSignalListener("SIGINT", once);
    Deno.addSignalListener("SIGTERM", once);
  },
  exit: (code) => Deno.exit(code),
});
