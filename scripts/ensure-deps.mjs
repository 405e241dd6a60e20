// Makes sure the Debian packages the tests need are installed: smbclient (smbclient) and
// samba-testsuite (smbtorture). As root it installs them; otherwise it prints the command.
// Usage: node scripts/ensure-deps.mjs [--with-samba]   (--with-samba adds smbd for the bench)
import { spawnSync } from "node:child_process";

const want = [["smbclient", "smbclient"], ["smbtorture", "samba-testsuite"]];
if (process.argv.includes("--with-samba")) want.push(["smbd", "samba"]);

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd} || test -x /usr/sbin/${cmd}`], { stdio: "ignore" }).status === 0;
const missing = want.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(" ")}`;
if (typeof process.getuid === "function" && process.getuid() !== 0) {
  console.error(`The tests need Debian packages that are not installed: ${missing.join(", ")}.`);
  console.error(`Install them as root, then run the tests again:\n  sudo sh -c '${cmd}'`);
  process.exit(1);
}
console.error(`Installing ${missing.join(", ")} (needed by the tests)…`);
const r = spawnSync("sh", ["-c", cmd], { stdio: "inherit" });
if (r.status !== 0) {
  console.error(`Installing ${missing.join(", ")} failed; run as root: ${cmd}`);
  process.exit(1);
}
