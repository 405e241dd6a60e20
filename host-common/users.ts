// The user database in ksmbd's ksmbdpwd.db format: one `name:base64(NT hash)` line per user.
import { ConfigError, hasControlChar } from "./config.ts";

/** Length of an NT hash (MD4 of the UTF-16LE password, MS-NLMP 3.3.1 NTOWFv1). */
export const NT_HASH_LEN = 16;

/** Computes the NT hash of a password; injected by the caller (the core's MD4). */
export type NtHashFn = (password: string) => Uint8Array;

const FORBIDDEN = /[/\\[\]:;|=,+*?<>"]/;

/** Why `name` is not a valid user name, or null if it is valid. */
export function userNameProblem(name: string): string | null {
  if (name.length === 0) return "user name is empty";
  if (name.length > 64) return "user name is longer than 64 characters";
  if (hasControlChar(name)) return "user name contains a control character";
  const bad = FORBIDDEN.exec(name);
  if (bad) return `user name "${name}" contains "${bad[0]}"`;
  return null;
}

/** Case-folds a name for comparison (per-character upper case, as Windows compares account names). */
export function foldUserName(name: string): string {
  let out = "";
  for (const c of name) {
    const u = c.toUpperCase();
    out += [...u].length === 1 ? u : c;
  }
  return out;
}

/** The stored spelling and hash of `name`, compared case-insensitively; undefined if absent. */
export function findUser(users: Map<string, Uint8Array>, name: string): { name: string; ntHash: Uint8Array } | undefined {
  const exact = users.get(name);
  if (exact) return { name, ntHash: exact };
  const f = foldUserName(name);
  for (const [k, v] of users) if (foldUserName(k) === f) return { name: k, ntHash: v };
  return undefined;
}

function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parses a ksmbdpwd.db file; throws ConfigError (`file:line: …`) on a malformed line or duplicate user. */
export function parseUsers(text: string, fileName: string): Map<string, Uint8Array> {
  const users = new Map<string, Uint8Array>();
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const colon = line.lastIndexOf(":");
    if (colon < 0) throw new ConfigError(fileName, lineNo, `expected "name:base64-NT-hash"`);
    const name = line.slice(0, colon);
    const problem = userNameProblem(name);
    if (problem) throw new ConfigError(fileName, lineNo, problem);
    const b64 = line.slice(colon + 1).trim();
    if (!/^[A-Za-z0-9+/]{21}[AQgw]==$/.test(b64)) {
      throw new ConfigError(fileName, lineNo, `bad NT hash for user "${name}": expected 16 bytes in base64`);
    }
    const f = foldUserName(name);
    const first = seen.get(f);
    if (first !== undefined) throw new ConfigError(fileName, lineNo, `duplicate user "${name}" (first on line ${first})`);
    seen.set(f, lineNo);
    users.set(name, fromBase64(b64));
  }
  return users;
}

/** Formats users as ksmbdpwd.db text (one `name:base64` line each, newline-terminated). */
export function formatUsers(users: Map<string, Uint8Array>): string {
  let out = "";
  for (const [name, hash] of users) {
    const problem = userNameProblem(name);
    if (problem) throw new Error(problem);
    if (hash.length !== NT_HASH_LEN) throw new Error(`NT hash of user "${name}" is ${hash.length} bytes, not 16`);
    out += `${name}:${toBase64(hash)}\n`;
  }
  return out;
}

/** Adds or replaces a user's NT hash (an existing entry keeps its spelling and position); throws on a bad name or hash. */
export function setUser(users: Map<string, Uint8Array>, name: string, ntHash: Uint8Array): void {
  const problem = userNameProblem(name);
  if (problem) throw new Error(problem);
  if (ntHash.length !== NT_HASH_LEN) throw new Error(`NT hash must be 16 bytes, got ${ntHash.length}`);
  const copy = ntHash.slice();
  const existing = findUser(users, name);
  existing?.ntHash.fill(0);
  users.set(existing ? existing.name : name, copy);
}

/** Sets a user's password by storing ntHash(password). */
export function setUserPassword(users: Map<string, Uint8Array>, name: string, password: string, ntHash: NtHashFn): void {
  setUser(users, name, ntHash(password));
}

/** Removes a user (compared case-insensitively); false if there was none. */
export function deleteUser(users: Map<string, Uint8Array>, name: string): boolean {
  const existing = findUser(users, name);
  if (!existing) return false;
  existing.ntHash.fill(0);
  return users.delete(existing.name);
}
