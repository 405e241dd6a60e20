// Unit tests for host-common/cli.ts (argument parsing, option merging, the users subcommand).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CliError, type UsersCommand, parseArgs, resolveServeOptions, runUsersCommand, usage } from "../../host-common/cli.ts";
import { ConfigError } from "../../host-common/config.ts";
import { parseUsers } from "../../host-common/users.ts";

/** Stand-in for the NT hash (the real one is tested in users.test.ts): the password's bytes, zero padded. */
const ntHash = (pw: string) => {
  const out = new Uint8Array(16);
  out.set(new TextEncoder().encode(pw).subarray(0, 16));
  return out;
};
const hexHash = (pw: string) => Array.from(ntHash(pw), (b) => b.toString(16).padStart(2, "0")).join("");

function cliFails(argv: string[], message: string) {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.instance(e, CliError);
    assert.is((e as Error).message, message);
    return;
  }
  assert.unreachable(`no error for ${argv.join(" ")}`);
}

test("parseArgs: serve options, both --opt value and --opt=value", () => {
  assert.equal(parseArgs([]), { kind: "serve" });
  assert.equal(parseArgs(["--port", "1445", "--listen", "0.0.0.0,::1", "--users", "u.db", "--log-level", "3", "/srv/x"]), {
    kind: "serve", port: 1445, listen: ["0.0.0.0", "::1"], users: "u.db", logLevel: 3, path: "/srv/x",
  });
  assert.equal(parseArgs(["--config=/etc/smb.conf", "--port=445"]), { kind: "serve", config: "/etc/smb.conf", port: 445 });
  assert.equal(parseArgs(["--", "-odd-dir"]), { kind: "serve", path: "-odd-dir" });
  assert.equal(parseArgs(["--port", "1", "--", "--x=y"]), { kind: "serve", port: 1, path: "--x=y" });
  assert.equal(parseArgs(["users", "add", "--", "-bob"]), { kind: "users", action: "add", name: "-bob", users: "./users.db", stdin: false });
  assert.equal(parseArgs(["--help"]), { kind: "help" });
  assert.equal(parseArgs(["x", "-h"]), { kind: "help" });
});

test("parseArgs: errors are one clear line", () => {
  cliFails(["--prot", "1"], "unknown option --prot");
  cliFails(["-p"], "unknown option -p");
  cliFails(["--port"], "missing value for --port");
  cliFails(["--config", "--port", "1"], "missing value for --config");
  cliFails(["--users="], "missing value for --users");
  cliFails(["--port", "abc"], '--port must be a whole number from 1 to 65535, got "abc"');
  cliFails(["--port", "0"], '--port must be a whole number from 1 to 65535, got "0"');
  cliFails(["--port", "65536"], '--port must be a whole number from 1 to 65535, got "65536"');
  cliFails(["--port", "1", "--port", "2"], "--port given more than once");
  cliFails(["--log-level", "11"], '--log-level must be a whole number from 0 to 10, got "11"');
  cliFails(["--listen", "eth0"], '--listen expects IP addresses separated by commas, got "eth0"');
  cliFails(["a", "b"], 'unexpected argument "b" (only one PATH may be given)');
  cliFails(["--help=1"], "option --help takes no value");
  for (const [argv] of [[["--port"]], [["a", "b"]]]) {
    try {
      parseArgs(argv);
    } catch (e) {
      assert.not.ok((e as Error).message.includes("\n"));
    }
  }
});

test("parseArgs: users subcommand", () => {
  assert.equal(parseArgs(["users", "add", "alice"]), { kind: "users", action: "add", name: "alice", users: "./users.db", stdin: false });
  assert.equal(parseArgs(["users", "--users", "/etc/pw.db", "passwd", "Bob", "--stdin"]), {
    kind: "users", action: "passwd", name: "Bob", users: "/etc/pw.db", stdin: true,
  });
  assert.equal(parseArgs(["users", "delete", "bob", "--users=x.db"]), { kind: "users", action: "delete", name: "bob", users: "x.db", stdin: false });
  assert.equal(parseArgs(["users", "--help"]), { kind: "help" });
  cliFails(["users"], '"users" needs an action: add, passwd or delete');
  cliFails(["users", "remove", "bob"], 'unknown users action "remove": expected add, passwd or delete');
  cliFails(["users", "add"], '"users add" needs a user name');
  cliFails(["users", "add", "a", "b"], 'unexpected argument "b"');
  cliFails(["users", "add", "a:b"], 'user name "a:b" contains ":"');
  cliFails(["users", "add", "a", "--port", "1"], 'unknown option --port for "users"');
  cliFails(["users", "add", "a", "--users"], "missing value for --users");
  cliFails(["users", "delete", "a", "--stdin"], '--stdin is only for "users add" and "users passwd"');
  cliFails(["users", "add", "a", "--stdin=yes"], "option --stdin takes no value");
});

test("usage mentions every option and the defaults", () => {
  const u = usage();
  for (const s of ["--port", "--listen", "--config", "--users", "--log-level", "--help", "-h", "PATH", "users add", "passwd", "delete", "--stdin", "./share", "127.0.0.1", "4445", "./users.db", "guest"]) {
    assert.ok(u.includes(s), s);
  }
});

const files: Record<string, string> = {
  "/etc/smb.conf": "[global]\ntcp port = 445\ninterfaces = 10.0.0.1\nlog level = 1\n[a]\npath = /srv/a\n",
  "/etc/never.conf": "map to guest = never\n[a]\npath = /srv/a\n",
  "/etc/pw.db": `Alice:${btoa("\x01".repeat(16))}\n`,
  "/etc/bad.db": "oops\n",
};
const readText = async (p: string) => {
  const t = files[p];
  if (t === undefined) throw new Error(`ENOENT: ${p}`);
  return t;
};
const serve = (argv: string[]) => {
  const cmd = parseArgs(argv);
  if (cmd.kind !== "serve") throw new Error("not serve");
  return resolveServeOptions(cmd, readText);
};

test("resolveServeOptions: defaults, PATH, and overrides", async () => {
  let r = await serve([]);
  assert.is(r.users, null);
  assert.equal(r.config.shares.map((s) => [s.name, s.path, s.readOnly, s.guestOk]), [["share", "./share", false, true]]);
  assert.equal([r.config.global.port, r.config.global.interfaces], [4445, ["127.0.0.1"]]);
  r = await serve(["/data", "--port", "9000", "--listen", "::", "--log-level", "7"]);
  assert.is(r.config.shares[0].path, "/data");
  assert.equal([r.config.global.port, r.config.global.interfaces, r.config.global.logLevel], [9000, ["::"], 7]);
});

test("resolveServeOptions: config file, overrides on top, users file", async () => {
  let r = await serve(["--config", "/etc/smb.conf", "--users", "/etc/pw.db"]);
  assert.equal([r.config.global.port, r.config.global.interfaces, r.config.global.logLevel], [445, ["10.0.0.1"], 1]);
  assert.equal(r.config.shares.map((s) => s.path), ["/srv/a"]);
  assert.equal([...(r.users as Map<string, Uint8Array>).keys()], ["Alice"]);
  r = await serve(["--config", "/etc/smb.conf", "--port", "1445", "--listen", "127.0.0.2"]);
  assert.equal([r.config.global.port, r.config.global.interfaces], [1445, ["127.0.0.2"]]);
  r = await serve(["--config", "/etc/never.conf"]);
  assert.match(r.config.warnings.join("\n"), /nobody can connect/);
  await serve(["--config", "/etc/smb.conf", "/data"]).then(
    () => assert.unreachable("PATH with --config accepted"),
    (e) => { assert.instance(e, CliError); assert.match(e.message, /cannot be combined with --config/); },
  );
  await serve(["--users", "/etc/bad.db"]).then(
    () => assert.unreachable("bad users file accepted"),
    (e) => { assert.instance(e, ConfigError); assert.match(e.message, /^\/etc\/bad\.db:1: /); },
  );
  await serve(["--config", "/missing.conf"]).then(() => assert.unreachable(), (e) => assert.match(e.message, /ENOENT/));
});

/** A fake host for runUsersCommand with scripted password answers. */
function fakeIo(initial: string | null, answers: string[]) {
  const state = { file: initial, writes: 0, printed: [] as string[], prompts: [] as string[] };
  const io = {
    readText: async (_p: string) => state.file,
    writeText: async (_p: string, t: string) => { state.file = t; state.writes++; },
    readPassword: async (prompt: string) => { state.prompts.push(prompt); return answers.shift() ?? ""; },
    ntHash,
    print: (l: string) => { state.printed.push(l); },
  };
  return { io, state };
}
const users = (argv: string[]) => parseArgs(["users", ...argv]) as UsersCommand;
const hashOf = (file: string | null, name: string) =>
  Array.from(parseUsers(file ?? "", "f").get(name) ?? [], (b) => b.toString(16).padStart(2, "0")).join("");

test("users add: creates the file, asks twice, refuses duplicates and mismatches", async () => {
  const { io, state } = fakeIo(null, ["Password", "Password"]);
  assert.is(await runUsersCommand(users(["add", "Alice"]), io), 0);
  assert.is(state.prompts.length, 2);
  assert.is(hashOf(state.file, "Alice"), hexHash("Password"));
  const dup = fakeIo(state.file, ["x", "x"]);
  assert.is(await runUsersCommand(users(["add", "alice"]), dup.io), 1);
  assert.is(dup.state.writes, 0);
  assert.match(dup.state.printed[0], /already exists/);
  const mismatch = fakeIo(null, ["one", "two"]);
  assert.is(await runUsersCommand(users(["add", "bob"]), mismatch.io), 1);
  assert.equal([mismatch.state.writes, mismatch.state.printed], [0, ["error: passwords do not match"]]);
  const empty = fakeIo(null, ["", ""]);
  assert.is(await runUsersCommand(users(["add", "bob"]), empty.io), 1);
  assert.is(empty.state.writes, 0);
});

test("users add --stdin reads once and strips the newline; passwd and delete", async () => {
  const { io, state } = fakeIo(null, ["Password\n"]);
  assert.is(await runUsersCommand(users(["add", "bob", "--stdin"]), io), 0);
  assert.is(state.prompts.length, 1);
  assert.is(hashOf(state.file, "bob"), hexHash("Password"));
  const pw = fakeIo(state.file, ["new", "new"]);
  assert.is(await runUsersCommand(users(["passwd", "BOB"]), pw.io), 0);
  assert.is(hashOf(pw.state.file, "bob"), hexHash("new"));
  const absent = fakeIo(pw.state.file, ["x", "x"]);
  assert.is(await runUsersCommand(users(["passwd", "carol"]), absent.io), 1);
  assert.match(absent.state.printed[0], /no user "carol"/);
  const del = fakeIo(pw.state.file, []);
  assert.is(await runUsersCommand(users(["delete", "Bob"]), del.io), 0);
  assert.is(del.state.file, "");
  assert.is(await runUsersCommand(users(["delete", "Bob"]), fakeIo(del.state.file, []).io), 1);
  const nofile = fakeIo(null, []);
  assert.is(await runUsersCommand(users(["delete", "x"]), nofile.io), 1);
  assert.match(nofile.state.printed[0], /does not exist/);
});

test("users command reports a corrupt database and write failures", async () => {
  const bad = fakeIo("garbage\n", ["x", "x"]);
  assert.is(await runUsersCommand(users(["add", "a"]), bad.io), 1);
  assert.is(bad.state.printed[0], 'error: ./users.db:1: expected "name:base64-NT-hash"');
  const { io } = fakeIo(null, ["pw", "pw"]);
  io.writeText = async () => { throw new Error("EACCES"); };
  const printed: string[] = [];
  io.print = (l) => printed.push(l);
  assert.is(await runUsersCommand(users(["add", "a"]), io), 1);
  assert.equal(printed, ["error: EACCES"]);
});

test.run();
