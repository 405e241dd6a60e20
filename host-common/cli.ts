// Command line parsing for the hosts: serve options, the `users` subcommand, and their merge with the config.
import { type Config, defaultConfig, parseAddressList, parseConfig } from "./config.ts";
import { deleteUser, findUser, formatUsers, parseUsers, setUser, userNameProblem } from "./users.ts";

/** Run the server. Absent fields were not given on the command line. */
export interface ServeCommand {
  kind: "serve";
  port?: number;
  /** Addresses from --listen (comma separated); replaces `interfaces`. */
  listen?: string[];
  config?: string;
  users?: string;
  logLevel?: number;
  path?: string;
}

/** Edit the user database. */
export interface UsersCommand {
  kind: "users";
  action: "add" | "passwd" | "delete";
  name: string;
  /** Path of the user database (default ./users.db). */
  users: string;
  /** Read the password once from standard input instead of prompting twice. */
  stdin: boolean;
}

/** Print usage() and exit 0. */
export interface HelpCommand {
  kind: "help";
}

/** A parsed command line. */
export type CliCommand = ServeCommand | UsersCommand | HelpCommand;

/** A command line mistake; the message is one line, fit to print before the usage hint. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Default user database path for the `users` subcommand. */
export const DEFAULT_USERS_FILE = "./users.db";
/** Default share directory when neither PATH nor --config is given. */
export const DEFAULT_SHARE_PATH = "./share";

/** Usage text listing every option and the defaults. */
export function usage(prog = "wasm-smb-server"): string {
  return `Usage:
  ${prog} [--port N] [--listen ADDR] [--config FILE] [--users FILE] [--log-level N] [PATH]
  ${prog} users add|passwd|delete NAME [--users FILE] [--stdin]
  ${prog} --help

Serving:
  PATH             directory shared as "share" (default ${DEFAULT_SHARE_PATH}); writable, guest access
                   allowed; not allowed together with --config
  --port N         TCP port, 1-65535 (default 4445)
  --listen ADDR    IP address(es) to listen on, comma separated (default 127.0.0.1)
  --config FILE    smb.conf / ksmbd.conf style configuration file ([global] and share sections)
  --users FILE     user database (ksmbdpwd.db format); without it only guests can connect
  --log-level N    0-10 (default 0)
  -h, --help       show this help

Users (the password is asked twice, or read once from standard input with --stdin):
  users add NAME       add a user; fails if the user exists
  users passwd NAME    change the password of an existing user
  users delete NAME    remove a user
  --users FILE         user database to edit (default ${DEFAULT_USERS_FILE})
`;
}

/** Splits `--opt=value` and fetches a flag's value from the next argument. */
class ArgReader {
  private i = 0;
  private pendingValue: string | undefined;
  /** Set after `--`: every further argument is positional. */
  optionsEnded = false;
  constructor(private readonly argv: string[]) {}

  /** The next argument, or undefined at the end; for `--opt=value` returns `--opt` and keeps the value. */
  next(): string | undefined {
    this.pendingValue = undefined;
    if (this.i >= this.argv.length) return undefined;
    const a = this.argv[this.i++];
    const eq = a.indexOf("=");
    if (!this.optionsEnded && a.startsWith("--") && eq > 2) {
      this.pendingValue = a.slice(eq + 1);
      return a.slice(0, eq);
    }
    return a;
  }

  /** Checks that flag `opt` was not written as `opt=value`. */
  noValue(opt: string): void {
    if (this.pendingValue !== undefined) throw new CliError(`option ${opt} takes no value`);
  }

  /** The value of flag `opt`. */
  value(opt: string): string {
    if (this.pendingValue !== undefined) {
      const v = this.pendingValue;
      this.pendingValue = undefined;
      if (v === "") throw new CliError(`missing value for ${opt}`);
      return v;
    }
    const v = this.argv[this.i];
    if (v === undefined || v === "" || (v.startsWith("-") && v.length > 1)) throw new CliError(`missing value for ${opt}`);
    this.i++;
    return v;
  }
}

function parseNumber(opt: string, v: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new CliError(`${opt} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Parses the arguments after the program name; throws CliError on a mistake. */
export function parseArgs(argv: string[]): CliCommand {
  if (argv[0] === "users") return parseUsersArgs(argv.slice(1));
  const cmd: ServeCommand = { kind: "serve" };
  const r = new ArgReader(argv);
  const once = (opt: string, field: keyof ServeCommand) => {
    if (cmd[field] !== undefined) throw new CliError(`${opt} given more than once`);
  };
  for (let a = r.next(); a !== undefined; a = r.next()) {
    if (!r.optionsEnded && a.startsWith("-") && a.length > 1) {
      switch (a) {
        case "--": r.optionsEnded = true; break;
        case "-h": case "--help": r.noValue(a); return { kind: "help" };
        case "--port": once(a, "port"); cmd.port = parseNumber(a, r.value(a), 1, 65535); break;
        case "--log-level": once(a, "logLevel"); cmd.logLevel = parseNumber(a, r.value(a), 0, 10); break;
        case "--config": once(a, "config"); cmd.config = r.value(a); break;
        case "--users": once(a, "users"); cmd.users = r.value(a); break;
        case "--listen": {
          once(a, "listen");
          const v = r.value(a);
          const list = parseAddressList(v);
          if (!list) throw new CliError(`--listen expects IP addresses separated by commas, got "${v}"`);
          cmd.listen = list;
          break;
        }
        default: throw new CliError(`unknown option ${a}`);
      }
      continue;
    }
    if (cmd.path !== undefined) throw new CliError(`unexpected argument "${a}" (only one PATH may be given)`);
    cmd.path = a;
  }
  return cmd;
}

function parseUsersArgs(argv: string[]): CliCommand {
  const r = new ArgReader(argv);
  const positional: string[] = [];
  let users: string | undefined;
  let stdin = false;
  for (let a = r.next(); a !== undefined; a = r.next()) {
    if (!r.optionsEnded && a.startsWith("-") && a.length > 1) {
      if (a === "--") r.optionsEnded = true;
      else if (a === "-h" || a === "--help") {
        r.noValue(a);
        return { kind: "help" };
      } else if (a === "--stdin") {
        r.noValue(a);
        stdin = true;
      }
      else if (a === "--users") {
        if (users !== undefined) throw new CliError("--users given more than once");
        users = r.value(a);
      } else throw new CliError(`unknown option ${a} for "users"`);
      continue;
    }
    positional.push(a);
  }
  const [action, name, extra] = positional;
  if (action === undefined) throw new CliError(`"users" needs an action: add, passwd or delete`);
  if (action !== "add" && action !== "passwd" && action !== "delete") {
    throw new CliError(`unknown users action "${action}": expected add, passwd or delete`);
  }
  if (name === undefined) throw new CliError(`"users ${action}" needs a user name`);
  if (extra !== undefined) throw new CliError(`unexpected argument "${extra}"`);
  const problem = userNameProblem(name);
  if (problem) throw new CliError(problem);
  if (stdin && action === "delete") throw new CliError(`--stdin is only for "users add" and "users passwd"`);
  return { kind: "users", action, name, users: users ?? DEFAULT_USERS_FILE, stdin };
}

/** Builds the effective configuration: config file (or the default share), then command line overrides. */
export async function resolveServeOptions(
  cmd: ServeCommand,
  readText: (path: string) => Promise<string>,
): Promise<{ config: Config; users: Map<string, Uint8Array> | null }> {
  let config: Config;
  if (cmd.config !== undefined) {
    if (cmd.path !== undefined) {
      throw new CliError(`PATH "${cmd.path}" cannot be combined with --config; set "path" in the share sections`);
    }
    config = parseConfig(await readText(cmd.config), cmd.config);
  } else {
    config = defaultConfig(cmd.path ?? DEFAULT_SHARE_PATH);
  }
  if (cmd.port !== undefined) config.global.port = cmd.port;
  if (cmd.listen !== undefined) config.global.interfaces = [...cmd.listen];
  if (cmd.logLevel !== undefined) config.global.logLevel = cmd.logLevel;
  const users = cmd.users !== undefined ? parseUsers(await readText(cmd.users), cmd.users) : null;
  if ((users === null || users.size === 0) && config.global.mapToGuest === "never") {
    config.warnings.push(`no users are defined and "map to guest = never": nobody can connect`);
  }
  return { config, users };
}

/** Capabilities runUsersCommand needs from the host. */
export interface UsersIo {
  /** File contents, or null if the file does not exist. */
  readText(path: string): Promise<string | null>;
  /** Writes the file (the caller uses mode 0600). */
  writeText(path: string, text: string): Promise<void>;
  /** Reads a password without echo (or one line of standard input with --stdin). */
  readPassword(prompt: string): Promise<string>;
  ntHash(pw: string): Uint8Array;
  print(line: string): void;
}

/** Reads the new password (twice when interactive); null after printing why it was refused. */
async function readNewPassword(cmd: UsersCommand, io: UsersIo): Promise<string | null> {
  let pw = await io.readPassword(`New password for ${cmd.name}: `);
  if (cmd.stdin) pw = pw.replace(/\r?\n$/, "");
  else if ((await io.readPassword("Retype new password: ")) !== pw) {
    io.print("error: passwords do not match");
    return null;
  }
  if (pw === "") {
    io.print("error: empty password not allowed");
    return null;
  }
  return pw;
}

/** Runs `users add|passwd|delete`; returns the process exit code (0 on success, 1 on failure). */
export async function runUsersCommand(cmd: UsersCommand, io: UsersIo): Promise<number> {
  let users: Map<string, Uint8Array>;
  try {
    const text = await io.readText(cmd.users);
    if (text === null && cmd.action !== "add") {
      io.print(`error: user database ${cmd.users} does not exist`);
      return 1;
    }
    users = parseUsers(text ?? "", cmd.users);
  } catch (e) {
    io.print(`error: ${(e as Error).message}`);
    return 1;
  }
  try {
    const existing = findUser(users, cmd.name);
    if (cmd.action === "add" && existing) {
      io.print(`error: user "${existing.name}" already exists in ${cmd.users} (use "users passwd" to change the password)`);
      return 1;
    }
    if (cmd.action !== "add" && !existing) {
      io.print(`error: no user "${cmd.name}" in ${cmd.users}`);
      return 1;
    }
    if (cmd.action === "delete") {
      deleteUser(users, cmd.name);
    } else {
      const pw = await readNewPassword(cmd, io);
      if (pw === null) return 1;
      const hash = io.ntHash(pw);
      setUser(users, cmd.name, hash);
      hash.fill(0);
    }
    await io.writeText(cmd.users, formatUsers(users));
    const done = { add: "added user", passwd: "changed the password of", delete: "deleted user" }[cmd.action];
    io.print(`${done} "${existing?.name ?? cmd.name}" in ${cmd.users}`);
    return 0;
  } catch (e) {
    io.print(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const h of users.values()) h.fill(0);
  }
}
