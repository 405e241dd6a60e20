// Builds a standalone server binary with Bun: `bun build --compile host-bun/main.ts`, which
// embeds the Bun runtime, the TypeScript and build/core.wasm (imported `with { type: "file" }`).
// Works offline for the machine's own platform (Bun reuses its own executable).
// Usage: node scripts/build-bun-binary.mjs [--outfile PATH]   (default build/wasm-smb-server)
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const i = argv.indexOf("--outfile");
if (i >= 0 && !argv[i + 1]) {
  console.error("usage: node scripts/build-bun-binary.mjs [--outfile PATH]");
  process.exit(2);
}
const outfile = i >= 0 ? resolve(argv[i + 1]) : join(root, "build", "wasm-smb-server");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

const t = Date.now();
// build/core.wasm must exist and be current: it is embedded at this point.
run(process.execPath, [join(root, "scripts/build.mjs"), "--wasm-only", "--if-missing"]);
run(join(root, "node_modules", ".bin", "bun"), ["build", "--compile", "host-bun/main.ts", "--outfile", outfile]);
const mb = (statSync(outfile).size / 1048576).toFixed(1);
console.log(`Built ${outfile} (${mb} MiB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
