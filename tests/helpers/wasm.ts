// Loads an AssemblyScript unit-test module (build/test/<name>.wasm) with stub host imports,
// and moves bytes in and out of its memory.
import { readFileSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url)); // dist/tests/helpers → repo

export interface TestModule {
  exports: Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
  /** Copies bytes into fresh module memory; returns the pointer (free with free()). */
  put(bytes: Uint8Array): number;
  /** Copies len bytes out of module memory. */
  get(ptr: number, len: number): Uint8Array;
  /** Allocates len zeroed bytes. */
  alloc(len: number): number;
  free(ptr: number): void;
  logs: string[];
}

export function loadTestModule(name: string, extraHost: Record<string, (...a: number[]) => number | void> = {}): TestModule {
  const bytes = readFileSync(`${root}build/test/${name}.wasm`);
  const logs: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  const mem = () => new Uint8Array((memory as WebAssembly.Memory).buffer);
  const utf16 = (p: number, n: number) => new TextDecoder("utf-16le").decode(mem().subarray(p, p + n));
  const defaults = {
    crypto_caps: () => 0, hmac_sha256: () => undefined, aes_gcm_seal: () => -1, aes_gcm_open: () => -1,
    aes_ccm_seal: () => -1, aes_ccm_open: () => -1,
  };
  extraHost = { ...defaults, ...extraHost };
  const imports = {
    host: {
      panic(m: number, ml: number, f: number, fl: number, line: number, col: number) {
        throw new Error(`core panic: ${utf16(m, ml)} at ${utf16(f, fl)}:${line}:${col}`);
      },
      now_ms: () => Date.now(),
      random_fill(p: number, n: number) {
        randomFillSync(mem().subarray(p, p + n));
      },
      log(_level: number, p: number, n: number) {
        logs.push(new TextDecoder().decode(mem().subarray(p, p + n)));
      },
      ...extraHost,
    },
  };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  const exports = inst.exports as TestModule["exports"];
  memory = exports.memory;
  const m: TestModule = {
    exports,
    logs,
    alloc(len) {
      const p = exports.alloc(Math.max(len, 1));
      mem().fill(0, p, p + len);
      return p;
    },
    put(b) {
      const p = exports.alloc(Math.max(b.length, 1));
      mem().set(b, p);
      return p;
    },
    get(p, n) {
      return mem().slice(p, p + n);
    },
    free(p) {
      exports.free(p);
    },
  };
  return m;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
