// The fuzz harness's host: instantiates a core build (build/test/fuzz_core*.wasm) in-process
// with controlled randomness and clock, serves its submission queue synchronously from the
// in-memory file system (tests/fuzz/mem-fs.ts) — or defers completions to vary the order —
// collects the frames it sends, and checks the oracles (panics, buffer and handle accounting).
import { readFileSync } from "node:fs";
import * as A from "../../host-common/abi.ts";
import { nodeCrypto } from "../../host-common/node-crypto.ts";
import type { HostCrypto, OpenResult } from "../../host-common/core.ts";
import { MemFs } from "./mem-fs.ts";

const td8 = new TextDecoder();
const td16 = new TextDecoder("utf-16le");
const te = new TextEncoder();
const EPIPE = 32;

/** A finding: a core panic/trap, or a broken invariant. `sig` dedupes findings. */
export class Finding extends Error {
  constructor(
    readonly kind: "panic" | "trap" | "leak" | "hang" | "violation" | "growth",
    readonly sig: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FuzzExports extends A.CoreExports {
  fuzz_cov_map?(): number;
  fuzz_cov_size?(): number;
  fuzz_buffers_peak?(): number;
  fuzz_incomplete_frame_bytes?(): number;
  fuzz_heap_free_bytes?(): number;
  fuzz_open_count?(): number;
  fuzz_file_node_count?(): number;
  fuzz_session_count?(): number;
  fuzz_durable_count?(): number;
  fuzz_durable_max_ms?(): number;
  _initialize?(): void;
}

/** A seeded PRNG (xoshiro128**, seeded by splitmix32) — the core's random_fill and the mutators. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }
  u32(): number {
    const r = Math.imul(((Math.imul(this.s1, 5) << 7) | (Math.imul(this.s1, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r;
  }
  /** 0 <= n < k */
  int(k: number): number {
    return k <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * k);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  fill(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) b[i] = this.u32() & 0xff;
  }
}

interface Pending {
  reqId: number;
  conn: number;
  /** Performs the operation (at completion time) and returns its result. */
  run: () => number;
}

export interface DriverOptions {
  wasm: string | Uint8Array<ArrayBuffer>;
  /** Extra imports (rtrace hooks) and a hook once the instance exists. */
  extraImports?: Record<string, Record<string, unknown>>;
  onInstance?: (ex: FuzzExports) => void;
  logLevel?: number;
  config?: string;
  /** Users: name → password. */
  users?: Record<string, string>;
  /** Called with every log line (level, text). */
  log?: (level: number, line: string) => void;
  crypto?: boolean;
}

/** Per-connection state on the host side. */
export interface HostConn {
  id: number;
  /** Frames the core sent (without the 4-byte transport header), in order. */
  out: Uint8Array[];
  /** Send completions not yet reported (FIFO, as sockets complete them). */
  sends: number[];
  /** The core asked to disconnect. */
  dropped: boolean;
  open: boolean;
}

export const DEFAULT_CONFIG = (extra: string[] = []) =>
  [
    "[global]", "netbiosname=FUZZSRV", "workgroup=WORKGROUP", "serverstring=Fuzz", "signing=auto",
    "minprotocol=0x0202", "maxprotocol=0x0311", "maptoguest=1", "loglevel=1", "maxconnections=0",
    "interfaces=", "encryption=auto", "ciphers=2,1,4,3", "hostsallow=", "hostsdeny=", "restrictanonymous=0",
    "[share]", "name=share", "comment=Share", "readonly=0", "guestok=1", "browseable=1", "encryption=default", "index=0",
    "[share]", "name=ro", "comment=Read only", "readonly=1", "guestok=1", "browseable=1", "encryption=default", "index=1",
    ...extra,
  ].join("\n") + "\n";

const moduleCache = new Map<string, WebAssembly.Module>();

/**
 * Short-lived byte copies (frames on their way in and out), bump-allocated from 1 MiB chunks:
 * one ArrayBuffer per chunk instead of one per copy. A chunk is never reused — it is
 * collected once no view of it is left — so a view stays valid as long as it is referenced.
 */
export class Transient {
  private static readonly CHUNK = 1 << 20;
  private chunk = new Uint8Array(Transient.CHUNK);
  private off = 0;

  /** n zero bytes. */
  alloc(n: number): Uint8Array {
    if (n > Transient.CHUNK >> 4) return new Uint8Array(n);
    if (this.off + n > this.chunk.length) {
      this.chunk = new Uint8Array(Transient.CHUNK);
      this.off = 0;
    }
    const v = this.chunk.subarray(this.off, this.off + n);
    this.off += (n + 7) & ~7;
    return v;
  }

  /** A copy of src. */
  copy(src: Uint8Array): Uint8Array {
    const v = this.alloc(src.length);
    v.set(src);
    return v;
  }
}

export const transient = new Transient();

/** Response messages longer than this are cut to it in HostConn.out (see keptOf). */
const KEEP_MESSAGE = 4096;

/**
 * What the harness keeps of a frame the core sent ([start, end) of mem, without the transport
 * header): a small or sealed frame whole; else each SMB2 message cut to its first KEEP_MESSAGE
 * bytes with NextCommand rewritten, as the replay (replay.ts learn) reads only headers, FileIds,
 * resume keys and security tokens — big READ/QUERY payloads need not be copied.
 */
function keptOf(mem: Uint8Array, start: number, end: number): Uint8Array {
  const len = end - start;
  const v = new DataView(mem.buffer, start, len);
  if (len <= 2 * KEEP_MESSAGE || len < 64 || v.getUint32(0, true) !== 0x424d53fe) return transient.copy(mem.subarray(start, end));
  const parts: Array<[number, number]> = [];
  let total = 0;
  for (let off = 0; off + 64 <= len; ) {
    const next = v.getUint32(off + 20, true);
    const stop = next === 0 || next < 64 || off + next > len ? len : off + next;
    const keep = Math.min(stop - off, KEEP_MESSAGE);
    parts.push([off, keep]);
    total += (keep + 7) & ~7;
    if (stop === len) break;
    off = stop;
  }
  const out = new Uint8Array(total);
  const ov = new DataView(out.buffer);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    const [off, keep] = parts[i];
    out.set(mem.subarray(start + off, start + off + keep), o);
    const padded = (keep + 7) & ~7;
    ov.setUint32(o + 20, i < parts.length - 1 ? padded : 0, true);
    o += padded;
  }
  return out;
}

/** The share's contents at the start of every execution (MemFs.seed copies them). */
const SEED_FILES: ReadonlyArray<[string, Uint8Array | null]> = [
  ["file.txt", new TextEncoder().encode("hello, fuzzer\n")],
  ["dir/sub.txt", new Uint8Array(100).fill(0x41)],
  ["dir/deeper/empty", null],
  ["big.bin", Uint8Array.from({ length: 70000 }, (_, i) => i & 0xff)],
];

export class Driver {
  ex!: FuzzExports;
  mem!: Uint8Array;
  fs: MemFs;
  /** The core's randomness (random_fill). */
  rng = new Rng(1);
  /** The host's own decisions (which completions are deferred, in which order). */
  sched = new Rng(2);
  now = 1_700_000_000_000;
  conns = new Map<number, HostConn>();
  /** Deferred completions (FS operations run when completed). */
  pending: Pending[] = [];
  /** Probability that an FS operation's completion is deferred (set per execution). */
  deferRate = 0;
  /** Records served in the current execution (runaway guard). */
  records = 0;
  maxRecords = 200_000;
  violations: Finding[] = [];
  logLines: string[] = [];
  /** Debug trace of submissions and completions (--repro --trace). */
  trace: ((line: string) => void) | null = null;
  logHook: ((line: string) => void) | null = null;
  private pumping = false;
  private again = false;
  /** Records since the last garbage collection (host-common/core.ts collects every 512). */
  private events = 0;
  private closeQueue: number[] = [];
  /** Where pump() copies the submission records it serves. */
  private sqCopy = new Uint8Array(64 * A.SQ_RECORD_SIZE);

  private constructor(private o: DriverOptions) {
    this.fs = this.freshFs();
  }

  /** A new in-memory share tree with a few seed files (every execution starts from one). */
  freshFs(): MemFs {
    const fs = new MemFs(2, (kind, detail) => this.violations.push(new Finding("violation", `fs:${kind}`, `core ${kind}: ${detail}`)));
    fs.now = this.now;
    for (const [path, content] of SEED_FILES) fs.seed(path, content);
    return fs;
  }

  static create(o: DriverOptions): Driver {
    const d = new Driver(o);
    d.instantiate();
    return d;
  }

  private instantiate(): void {
    const key = typeof this.o.wasm === "string" ? this.o.wasm : "";
    let mod = key ? moduleCache.get(key) : undefined;
    if (!mod) {
      mod = new WebAssembly.Module(typeof this.o.wasm === "string" ? readFileSync(this.o.wasm) : this.o.wasm);
      if (key) moduleCache.set(key, mod);
    }
    const hc: HostCrypto = this.o.crypto === false ? {} : nodeCrypto;
    const OPEN_RC: Record<OpenResult, number> = { ok: 0, "bad-tag": 1, unable: -1 };
    const m = () => this.mem;
    const host = {
      panic: (mp: number, ml: number, fp: number, fl: number, line: number, col: number) => {
        const msg = `${td16.decode(m().subarray(mp, mp + ml))} at ${td16.decode(m().subarray(fp, fp + fl))}:${line}:${col}`;
        throw new Finding("panic", `panic:${td16.decode(m().subarray(fp, fp + fl))}:${line}`, `core panic: ${msg}`);
      },
      now_ms: () => this.now,
      random_fill: (p: number, n: number) => this.rng.fill(m().subarray(p, p + n)),
      log: (level: number, p: number, n: number) => {
        const line = td8.decode(m().subarray(p, p + n));
        this.logLines.push(line);
        this.logHook?.(line);
        if (this.logLines.length > 64) this.logLines.splice(0, 32);
        this.o.log?.(level, line);
      },
      crypto_caps: () => (hc.hmacSha256 ? 1 : 0) | (hc.aesGcmSeal ? 2 : 0) | (hc.aesCcmSeal ? 4 : 0),
      hmac_sha256: (k: number, kl: number, d: number, dl: number, o: number) => {
        hc.hmacSha256?.(m().subarray(k, k + kl), m().subarray(d, d + dl), m().subarray(o, o + 32));
      },
      aes_gcm_seal: (k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) =>
        hc.aesGcmSeal?.(m().subarray(k, k + kl), m().subarray(n, n + 12), m().subarray(a, a + al), m().subarray(s, s + l), m().subarray(d, d + l), m().subarray(t, t + 16)) ? 0 : -1,
      aes_gcm_open: (k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) =>
        hc.aesGcmOpen ? OPEN_RC[hc.aesGcmOpen(m().subarray(k, k + kl), m().subarray(n, n + 12), m().subarray(a, a + al), m().subarray(s, s + l), m().subarray(d, d + l), m().subarray(t, t + 16))] : -1,
      aes_ccm_seal: (k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) =>
        hc.aesCcmSeal?.(m().subarray(k, k + kl), m().subarray(n, n + 11), m().subarray(a, a + al), m().subarray(s, s + l), m().subarray(d, d + l), m().subarray(t, t + 16)) ? 0 : -1,
      aes_ccm_open: (k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) =>
        hc.aesCcmOpen ? OPEN_RC[hc.aesCcmOpen(m().subarray(k, k + kl), m().subarray(n, n + 11), m().subarray(a, a + al), m().subarray(s, s + l), m().subarray(d, d + l), m().subarray(t, t + 16))] : -1,
    };
    const inst = new WebAssembly.Instance(mod, { host, ...(this.o.extraImports ?? {}) } as WebAssembly.Imports);
    this.ex = inst.exports as unknown as FuzzExports;
    this.mem = new Uint8Array(this.ex.memory.buffer);
    this.o.onInstance?.(this.ex);
    this.ex._initialize?.();
    const cfg = this.o.config ?? DEFAULT_CONFIG();
    const text = cfg.replace(/^loglevel=\d+$/m, `loglevel=${this.o.logLevel ?? 1}`);
    if (this.call(() => this.withBytes(te.encode(text), (p, n) => this.ex.init(p, n))) !== 0) throw new Error(`the core refused the configuration: ${this.logLines.join("\n")}`);
    for (const [name, pw] of Object.entries(this.o.users ?? {})) {
      const pwb = new Uint8Array(Buffer.from(pw, "utf16le"));
      const hash = this.withBytes(new Uint8Array(16), (op) => {
        this.withBytes(pwb, (p, n) => this.ex.nt_hash(p, n, op));
        return this.mem.slice(op, op + 16);
      });
      this.withBytes(hash, (hp) => this.withBytes(te.encode(name), (np, nn) => this.ex.user_set(np, nn, hp)));
    }
  }

  /** Runs a call into the core, turning traps into findings. */
  call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof Finding) throw e;
      if (e instanceof WebAssembly.RuntimeError) {
        const top = (e.stack ?? "").split("\n").slice(1, 4).map((l) => l.trim().replace(/^at /, "")).join(" < ");
        throw new Finding("trap", `trap:${e.message}:${(e.stack ?? "").split("\n")[1]?.trim() ?? ""}`, `core trap: ${e.message} (${top})`);
      }
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new Finding("trap", "trap:stack-overflow", `core stack overflow: ${e.message}`);
      throw e;
    }
  }

  withBytes<T>(bytes: Uint8Array, f: (p: number, n: number) => T): T {
    const n = Math.max(bytes.length, 1);
    const p = this.ex.host_alloc(n);
    if (p === 0) throw new Error("host_alloc failed");
    this.mem.set(bytes, p);
    try {
      return f(p, bytes.length);
    } finally {
      this.ex.host_free(p, n);
    }
  }

  /** Opens a connection from peer; null when the core refuses it. */
  open(peer: string): HostConn | null {
    const id = this.call(() => this.withBytes(te.encode(peer), (p, n) => this.ex.conn_open(p, n)));
    if (id === 0) return null;
    const c: HostConn = { id, out: [], sends: [], dropped: false, open: true };
    this.conns.set(id, c);
    this.pump();
    return c;
  }

  /** Feeds bytes as the socket delivered them (split at the core's receive windows). */
  feed(c: HostConn, bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length && c.open) {
      const cap = this.call(() => this.ex.rx_cap(c.id));
      if (cap === 0) {
        // the core cannot take bytes now: complete what is pending (a host would wait), then retry once
        const had = this.pending.length > 0 || c.sends.length > 0;
        this.flush();
        this.drainSends();
        if (!had || !c.open || this.ex.rx_cap(c.id) === 0) return;
        continue;
      }
      const n = Math.min(cap, bytes.length - off);
      const p = this.ex.rx_buf(c.id);
      this.mem.set(bytes.subarray(off, off + n), p);
      off += n;
      this.call(() => this.ex.rx_commit(c.id, n));
      this.pump();
    }
  }

  /** The socket closed: pending sends fail, then conn_closed (host-common/core.ts order). */
  close(c: HostConn): void {
    if (!c.open) return;
    this.trace?.(`close conn ${c.id}${c.dropped ? " (the core asked)" : ""}`);
    c.open = false;
    this.conns.delete(c.id);
    const sends = c.sends.splice(0);
    for (const r of sends) this.call(() => this.ex.io_done(r, -EPIPE));
    this.call(() => this.ex.conn_closed(c.id));
    this.pump();
  }

  /** Advances the clock and runs the core's timers; the core's next deadline (0 = none). */
  advance(ms: number): number {
    this.now += ms;
    this.fs.now = this.now;
    const next = this.call(() => this.ex.tick(this.now));
    this.pump();
    return next;
  }

  /**
   * Every connection is gone; durable opens (assembly/fs/durable.ts) deliberately outlive theirs
   * until their timeout (at most fuzz_durable_max_ms). While opens or host handles remain, runs
   * the core's timers at each deadline it names — as a host ticking every second would, without
   * the idle seconds — until the longest durable timeout (and a margin) has passed; whatever is
   * still open after that is a leak (the caller checks). Returns the clock time skipped.
   */
  expireDurable(): number {
    const t0 = this.now;
    const limit = t0 + (this.ex.fuzz_durable_max_ms?.() ?? 300_000) + 5_000;
    const busy = () => (this.ex.fuzz_open_count?.() ?? 0) > 0 || this.fs.openHandles > 0;
    if (!busy()) return 0;
    let next = this.advance(0);
    this.settle();
    for (let i = 0; i < 10_000 && this.now < limit && busy(); i++) {
      // to the next deadline; none although something is open: past the limit (then it is a leak)
      const to = next > this.now ? Math.min(next, limit) : next === 0 ? limit : this.now + 1;
      next = this.advance(to - this.now);
      this.settle();
    }
    return this.now - t0;
  }

  /** Completes every deferred operation (in a random order); false if there was none. */
  flush(): boolean {
    if (this.pending.length === 0) return false;
    while (this.pending.length > 0) {
      const i = this.deferRate > 0 ? this.sched.int(this.pending.length) : 0;
      const p = this.pending.splice(i, 1)[0];
      const result = p.run();
      this.trace?.(`  done (deferred) req=${p.reqId.toString(16)} result=${result}`);
      this.call(() => this.ex.io_done(p.reqId, result));
      this.pump();
    }
    return true;
  }

  /** Completes the oldest send of each connection (a socket that drains slowly). */
  drainSends(): void {
    for (const c of [...this.conns.values()]) {
      while (c.sends.length > 0) {
        const r = c.sends.shift() as number;
        this.call(() => this.ex.io_done(r, 0));
        this.pump();
      }
    }
  }

  /** Serves the submission queue until it is empty. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        const n = this.ex.sq_count();
        if (n === 0) continue;
        const head = this.ex.sq_head();
        // copied out: serving a record can make the core submit new ones over the consumed ones
        // (the pump does not nest, so one scratch area serves every round)
        const bytes = n * A.SQ_RECORD_SIZE;
        if (this.sqCopy.length < bytes) this.sqCopy = new Uint8Array(Math.max(bytes, this.sqCopy.length * 2));
        this.sqCopy.set(this.mem.subarray(head, head + bytes));
        this.call(() => this.ex.sq_consume(n));
        this.records += n;
        this.events += n;
        if (this.records > this.maxRecords) throw new Finding("hang", "hang:runaway-submissions", `the core submitted more than ${this.maxRecords} records in one execution`);
        const v = new DataView(this.sqCopy.buffer);
        for (let i = 0; i < n; i++) this.dispatch(v, i * A.SQ_RECORD_SIZE);
      } while (this.again || this.ex.sq_count() > 0);
    } finally {
      this.pumping = false;
    }
    if (this.events >= 512 || this.call(() => this.ex.heap_collect_wanted()) !== 0) {
      this.events = 0;
      this.call(() => this.ex.__collect());
    }
    for (const id of this.closeQueue.splice(0)) {
      const c = this.conns.get(id);
      if (c) this.close(c);
    }
  }

  private str(p: number, n: number): string {
    return td8.decode(this.mem.subarray(p, p + n));
  }

  private dispatch(v: DataView, o: number): void {
    const op = v.getUint32(o, true);
    const reqId = v.getUint32(o + 4, true);
    const target = v.getUint32(o + 8, true);
    const flags = v.getUint32(o + 12, true);
    const ptr = v.getUint32(o + 16, true);
    const len = v.getUint32(o + 20, true);
    const ptr2 = v.getUint32(o + 24, true);
    const len2 = v.getUint32(o + 28, true);
    const offset = v.getFloat64(o + 32, true);
    const arg = v.getFloat64(o + 40, true);
    if (this.trace) {
      const path = op === A.OP_OPEN || (op >= A.OP_STAT && op <= A.OP_RENAME) || op >= A.OP_XATTR_GET ? ` "${this.str(ptr, Math.min(len, 200))}"` : "";
      this.trace(`  sq op=${op} req=${reqId.toString(16)} target=${target} flags=${flags} len=${len} len2=${len2} off=${offset}${path}`);
    }
    const memLen = this.mem.length;
    if (ptr + len > memLen || ptr2 + len2 > memLen) {
      this.violations.push(new Finding("violation", `record-range:${op}`, `record op ${op} points outside memory (${ptr}+${len}, ${ptr2}+${len2})`));
      if (reqId !== 0) this.complete(reqId, -22);
      return;
    }
    if (op === A.OP_SEND) {
      const c = this.conns.get(target);
      if (!c) {
        this.complete(reqId, -EPIPE);
        return;
      }
      c.out.push(keptOf(this.mem, ptr + 4, ptr + len));
      c.sends.push(reqId);
      if (!this.sched.chance(this.deferRate)) {
        // sockets complete in order: report every queued send up to this one
        while (c.sends.length > 0) {
          const r = c.sends.shift() as number;
          this.complete(r, 0);
        }
      }
      return;
    }
    if (op === A.OP_DISCONNECT) {
      const c = this.conns.get(target);
      if (c) {
        c.dropped = true;
        this.closeQueue.push(c.id);
      }
      return;
    }
    const fs = this.fs;
    // views are taken when the operation runs: the core must keep the memory until completion
    const sub = (p: number, n: number) => this.mem.subarray(p, p + n);
    let run: () => number;
    switch (op) {
      case A.OP_OPEN: {
        const path = this.str(ptr, len);
        run = () => fs.open(target, path, flags, arg, sub(ptr2, len2));
        break;
      }
      case A.OP_CLOSE: run = () => fs.close(target); break;
      case A.OP_READ: run = () => fs.read(target, sub(ptr, len), offset); break;
      case A.OP_WRITE: run = () => fs.write(target, sub(ptr, len), offset); break;
      case A.OP_FSTAT: run = () => fs.fstat(target, sub(ptr2, len2)); break;
      case A.OP_STAT: {
        const path = this.str(ptr, len);
        run = () => fs.stat(target, path, sub(ptr2, len2));
        break;
      }
      case A.OP_MKDIR: {
        const path = this.str(ptr, len);
        run = () => fs.mkdir(target, path);
        break;
      }
      case A.OP_UNLINK: {
        const path = this.str(ptr, len);
        run = () => fs.unlink(target, path);
        break;
      }
      case A.OP_RMDIR: {
        const path = this.str(ptr, len);
        run = () => fs.rmdir(target, path);
        break;
      }
      case A.OP_RENAME: {
        const from = this.str(ptr, len);
        const to = this.str(ptr2, len2);
        run = () => fs.rename(target, from, to, flags);
        break;
      }
      case A.OP_LINK: {
        const from = this.str(ptr, len);
        const to = this.str(ptr2, len2);
        run = () => fs.link(target, from, to, flags);
        break;
      }
      case A.OP_TRUNCATE: run = () => fs.truncate(target, offset); break;
      case A.OP_FSYNC: run = () => fs.fsync(target); break;
      case A.OP_READDIR: run = () => fs.readdir(target, offset, sub(ptr, len), flags); break;
      case A.OP_STATFS: run = () => fs.statfs(target, sub(ptr2, len2)); break;
      case A.OP_UTIMES: run = () => fs.utimes(target, offset, arg); break;
      case A.OP_XATTR_GET: {
        const name = this.str(ptr, len);
        run = () => fs.xattrGet(target, name, sub(ptr2, len2));
        break;
      }
      case A.OP_XATTR_SET: {
        const name = this.str(ptr, len);
        const value = this.mem.slice(ptr2, ptr2 + len2); // copied now (abi: value may be reused after the call)
        run = () => fs.xattrSet(target, name, value, flags);
        break;
      }
      case A.OP_XATTR_LIST: run = () => fs.xattrList(target, sub(ptr2, len2)); break;
      case A.OP_XATTR_DEL: {
        const name = this.str(ptr, len);
        run = () => fs.xattrDel(target, name);
        break;
      }
      case A.OP_STREAM_LIST: run = () => fs.streamList(target, sub(ptr2, len2)); break;
      case A.OP_STREAM_RENAME: {
        const name = this.str(ptr, len);
        run = () => fs.streamRename(target, name, flags);
        break;
      }
      // [ptr, ptr+len) = path ++ stream name; offset = the path's bytes
      case A.OP_STREAM_STAT:
      case A.OP_STREAM_OPEN:
      case A.OP_STREAM_DEL: {
        if (!(offset >= 0 && offset <= len && Number.isInteger(offset))) {
          this.violations.push(new Finding("violation", `stream-record:${op}`, `record op ${op}: path length ${offset} outside its ${len}-byte path ++ name`));
          if (reqId !== 0) this.complete(reqId, -22);
          return;
        }
        const path = this.str(ptr, offset);
        const name = this.str(ptr + offset, len - offset);
        if (op === A.OP_STREAM_STAT) run = () => fs.streamStat(target, path, name, sub(ptr2, len2));
        else if (op === A.OP_STREAM_OPEN) run = () => fs.streamOpen(target, path, name, flags, arg, sub(ptr2, len2));
        else run = () => fs.streamDel(target, path, name);
        break;
      }
      default:
        this.violations.push(new Finding("violation", `unknown-op:${op}`, `unknown submission op ${op}`));
        if (reqId !== 0) this.complete(reqId, -22);
        return;
    }
    if (reqId === 0) {
      run(); // fire-and-forget (closing handles of a dropped connection)
      return;
    }
    if (this.deferRate > 0 && this.sched.chance(this.deferRate)) {
      this.trace?.(`  deferred req=${reqId.toString(16)}`);
      this.pending.push({ reqId, conn: 0, run });
      return;
    }
    this.complete(reqId, run());
  }

  private complete(reqId: number, result: number): void {
    this.trace?.(`  done req=${reqId.toString(16)} result=${result}`);
    this.call(() => this.ex.io_done(reqId, result));
    this.again = true;
  }

  /** Everything settled: deferred completions done, sends drained, timers run. */
  settle(): void {
    for (let i = 0; i < 64 && (this.pending.length > 0 || [...this.conns.values()].some((c) => c.sends.length > 0)); i++) {
      this.flush();
      this.drainSends();
    }
  }
}
