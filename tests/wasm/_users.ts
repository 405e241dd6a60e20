// Test user database for the NTLM/SPNEGO test modules: names compared case-insensitively.
import { NtHashLookup, upcaseName } from "../../assembly/auth/ntlmssp";

class TestUsers extends NtHashLookup {
  names: string[] = [];
  hashes: StaticArray<u8>[] = [];
  ntHash(user: string, _domain: string, out: usize): bool {
    const key = upcaseName(user);
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] == key) {
        memory.copy(out, changetype<usize>(this.hashes[i]), 16);
        return true;
      }
    }
    return false;
  }
}

export const testUsers = new TestUsers();

/** Adds a user: name as UTF-16LE bytes, 16-byte NT hash. */
export function user_add(name: usize, nameLen: i32, hash: usize): void {
  const h = new StaticArray<u8>(16);
  memory.copy(changetype<usize>(h), hash, 16);
  testUsers.names.push(upcaseName(String.UTF16.decodeUnsafe(name, <usize>nameLen)));
  testUsers.hashes.push(h);
}
