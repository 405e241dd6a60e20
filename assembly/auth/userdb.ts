// The user database given by the host (ksmbd's ksmbdpwd.db: user name → NT hash).
// Hashes live in unmanaged memory and are wiped when removed (review item M9).
import { bufAlloc, bufFree } from "../util/buffers";
import { wipe } from "../util/bytes";

class UserEntry {
  name: string;
  hash: usize; // 16 bytes

  constructor(name: string, hash: usize) {
    this.name = name;
    this.hash = hash;
  }
}

const users = new Map<string, UserEntry>();

/** Adds or replaces a user; copies the 16-byte NT hash. Returns false when out of memory. */
export function addUser(name: string, hash: usize): bool {
  const key = name.toUpperCase();
  removeUser(name);
  const p = bufAlloc(16);
  if (p == 0) return false;
  memory.copy(p, hash, 16);
  users.set(key, new UserEntry(name, p));
  return true;
}

export function removeUser(name: string): void {
  const key = name.toUpperCase();
  if (!users.has(key)) return;
  const e = users.get(key);
  wipe(e.hash, 16);
  bufFree(e.hash, 16);
  users.delete(key);
}

export function clearUsers(): void {
  const list = users.values();
  for (let i = 0; i < list.length; i++) {
    const e = unchecked(list[i]);
    wipe(e.hash, 16);
    bufFree(e.hash, 16);
  }
  users.clear();
}

/** The NT hash of a user (case-insensitive name), or 0 if there is no such user. */
export function findUserHash(name: string): usize {
  const key = name.toUpperCase();
  return users.has(key) ? users.get(key).hash : 0;
}

export function userCount(): i32 {
  return users.size;
}
