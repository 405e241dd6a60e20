// Runtime-neutral glue around build/core.wasm: instantiation with the host imports, memory
// views, the submission-queue pump (I/O dispatch to the injected FileSystem, sends to the
// injected connections) and garbage collection between events.
import * as A from "./abi.ts";
import { EPIPE, EINVAL, negErrno } from "./errno.ts";
import type { FileSystem } from "./fs-types.ts";

/** What a runtime's socket adapter offers the core. */
export interface CoreConn {
  /** Writes all of data; calls done(true) once it is handed to the OS (data stays valid until then). */
  write(data: Uint8Array, done: (ok: boolean) => void): void;
  /** Closes the socket; the adapter then calls Core.closed(id) exactly once. */
  close(): void;
  /** Stop delivering received data (the core cannot take more now); optional. */
  pause?(): void;
  /** Deliver received data again. */
  resume?(): void;
}

export type LogFn = (level: number, message: string) => void;

/** Native crypto a runtime can lend the core (each optional; the core has its own). */
export interface HostCrypto {
  hmacSha256?(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** AES-GCM with a 12-byte nonce; src may be empty (GMAC). false if it could not. */
  aesGcmSeal?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, src: Uint8Array, dst: Uint8Array, tag: Uint8Array): boolean;
  /** AES-GCM open (src and dst may be the same memory): "ok", "bad-tag", or "unable". */
  aesGcmOpen?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, src: Uint8Array, dst: Uint8Array, tag: Uint8Array): OpenResult;
  /** AES-CCM seal with an 11-byte nonce and a 16-byte tag. false if it could not. */
  aesCcmSeal?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, src: Uint8Array, dst: Uint8Array, tag: Uint8Array): boolean;
  /** AES-CCM open: "ok", "bad-tag", or "unable". */
  aesCcmOpen?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, src: Uint8Array, dst: Uint8Array, tag: Uint8Array): OpenResult;
}

export type OpenResult = "ok" | "bad-tag" | "unable";
const OPEN_RC: Record<OpenResult, number> = { ok: 0, "bad-tag": 1, unable: -1 };

export const CAP_HMAC_SHA256 = 1;
export const CAP_AES_GCM = 2;
export const CAP_AES_CCM = 4;

export interface CoreOptions {
  wasm: BufferSource;
  fs: FileSystem;
  randomFill: (buf: Uint8Array) => void;
  log: LogFn;
  now?: () => number;
  crypto?: HostCrypto;
}

const GC_EVERY_EVENTS = 512;
const td8 = new TextDecoder();
const td16 = new TextDecoder("utf-16le");
const te = new TextEncoder();

interface ConnState {
  conn: CoreConn;
  /** reqIds of sends handed to the socket and not yet completed. */
  sends: Set<number>;
}

export class Core {
  readonly ex: A.CoreExports;
  private mem: Uint8Array;
  private conns = new Map<number, ConnState>();
  /** Received bytes the core could not take yet (its frame memory is exhausted), by connection. */
  private stalled = new Map<number, Uint8Array>();
  /** Zero-copy readers waiting until the core can take bytes again. */
  private waiters = new Map<number, () => void>();
  private retrying = false;
  private pumping = false;
  private again = false;
  private events = 0;
  private gcTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(ex: A.CoreExports, private fs: FileSystem) {
    this.ex = ex;
    this.mem = new Uint8Array(ex.memory.buffer);
  }

  /** Instantiates the core. Panics of the core are fatal: they are logged and rethrown. */
  static async load(opts: CoreOptions): Promise<Core> {
    let mem: Uint8Array | undefined;
    const now = opts.now ?? Date.now;
    const hc: HostCrypto = opts.crypto ?? {};
    const imports = {
      host: {
        panic(m: number, ml: number, f: number, fl: number, line: number, col: number) {
          const msg = mem ? `${td16.decode(mem.subarray(m, m + ml))} at ${td16.decode(mem.subarray(f, f + fl))}:${line}:${col}` : "unknown";
          opts.log(0, `Core panic: ${msg}`);
          throw new Error(`core panic: ${msg}`);
        },
        now_ms: () => now(),
        random_fill(p: number, n: number) {
          if (mem) opts.randomFill(mem.subarray(p, p + n));
        },
        log(level: number, p: number, n: number) {
          if (mem) opts.log(level, td8.decode(mem.subarray(p, p + n)));
        },
        crypto_caps: () =>
          (hc.hmacSha256 ? CAP_HMAC_SHA256 : 0) | (hc.aesGcmSeal && hc.aesGcmOpen ? CAP_AES_GCM : 0) |
          (hc.aesCcmSeal && hc.aesCcmOpen ? CAP_AES_CCM : 0),
        hmac_sha256(k: number, kl: number, d: number, dl: number, o: number) {
          const m = mem as Uint8Array;
          hc.hmacSha256?.(m.subarray(k, k + kl), m.subarray(d, d + dl), m.subarray(o, o + 32));
        },
        aes_gcm_seal(k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) {
          const m = mem as Uint8Array;
          const f = hc.aesGcmSeal;
          if (!f) return -1;
          return f(m.subarray(k, k + kl), m.subarray(n, n + 12), m.subarray(a, a + al), m.subarray(s, s + l), m.subarray(d, d + l), m.subarray(t, t + 16)) ? 0 : -1;
        },
        aes_gcm_open(k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) {
          const m = mem as Uint8Array;
          const f = hc.aesGcmOpen;
          if (!f) return -1;
          return OPEN_RC[f(m.subarray(k, k + kl), m.subarray(n, n + 12), m.subarray(a, a + al), m.subarray(s, s + l), m.subarray(d, d + l), m.subarray(t, t + 16))];
        },
        aes_ccm_seal(k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) {
          const m = mem as Uint8Array;
          const f = hc.aesCcmSeal;
          if (!f) return -1;
          return f(m.subarray(k, k + kl), m.subarray(n, n + 11), m.subarray(a, a + al), m.subarray(s, s + l), m.subarray(d, d + l), m.subarray(t, t + 16)) ? 0 : -1;
        },
        aes_ccm_open(k: number, kl: number, n: number, a: number, al: number, s: number, d: number, l: number, t: number) {
          const m = mem as Uint8Array;
          const f = hc.aesCcmOpen;
          if (!f) return -1;
          return OPEN_RC[f(m.subarray(k, k + kl), m.subarray(n, n + 11), m.subarray(a, a + al), m.subarray(s, s + l), m.subarray(d, d + l), m.subarray(t, t + 16))];
        },
      },
    };
    const { instance } = await WebAssembly.instantiate(opts.wasm, imports);
    const ex = instance.exports as unknown as A.CoreExports;
    if (ex.abi_version() !== A.ABI_VERSION) {
      throw new Error(`core.wasm speaks ABI ${ex.abi_version()}, this host speaks ${A.ABI_VERSION}: rebuild with npm run build`);
    }
    const core = new Core(ex, opts.fs);
    mem = core.mem;
    return core;
  }

  /** Copies bytes into core memory, calls f(ptr, len), frees them (and wipes them). */
  private withBytes<T>(bytes: Uint8Array, f: (p: number, n: number) => T): T {
    const n = Math.max(bytes.length, 1);
    const p = this.ex.host_alloc(n);
    if (p === 0) throw new Error("the core is out of memory");
    this.mem.set(bytes, p);
    try {
      return f(p, bytes.length);
    } finally {
      this.mem.fill(0, p, p + n);
      this.ex.host_free(p, n);
    }
  }

  /** Loads the normalised configuration (host-common/config.ts serializeForCore). */
  configure(text: string): void {
    const rc = this.withBytes(te.encode(text), (p, n) => this.ex.init(p, n));
    if (rc !== 0) throw new Error("the core refused the configuration (see the log)");
  }

  /** Adds or replaces a user with its 16-byte NT hash. */
  setUser(name: string, ntHash: Uint8Array): void {
    if (ntHash.length !== 16) throw new Error(`NT hash of ${name} is ${ntHash.length} bytes, not 16`);
    this.withBytes(ntHash, (hp) => this.withBytes(te.encode(name), (np, nn) => this.ex.user_set(np, nn, hp)));
  }

  /** NT hash (MD4 of UTF-16LE) computed by the core's MD4. */
  ntHash(password: string): Uint8Array {
    const pw = new Uint8Array(password.length * 2);
    for (let i = 0; i < password.length; i++) {
      const c = password.charCodeAt(i);
      pw[2 * i] = c & 0xff;
      pw[2 * i + 1] = c >> 8;
    }
    const out = new Uint8Array(16);
    this.withBytes(new Uint8Array(16), (op) => {
      this.withBytes(pw, (p, n) => this.ex.nt_hash(p, n, op));
      out.set(this.mem.subarray(op, op + 16));
    });
    pw.fill(0);
    return out;
  }

  /** A new connection; returns its id, or 0 if the core refused it (close the socket). */
  accept(conn: CoreConn, peer: string): number {
    const id = this.withBytes(te.encode(peer), (p, n) => this.ex.conn_open(p, n));
    if (id !== 0) this.conns.set(id, { conn, sends: new Set() });
    this.pump();
    return id;
  }

  /**
   * Received bytes (copy-in path for runtimes that hand us their own chunks). When the core
   * cannot take them now (frame memory exhausted), they are kept and the socket paused until
   * it can; a closing connection's bytes are dropped.
   */
  receive(id: number, chunk: Uint8Array): void {
    const held = this.stalled.get(id);
    if (held) {
      const joined = new Uint8Array(held.length + chunk.length);
      joined.set(held);
      joined.set(chunk, held.length);
      this.stalled.set(id, joined);
      return;
    }
    const rest = this.feed(id, chunk);
    if (rest) {
      this.stalled.set(id, rest.slice());
      this.conns.get(id)?.conn.pause?.();
    }
  }

  /** Feeds bytes to the core; returns what it could not take now (null = all taken or dropped). */
  private feed(id: number, chunk: Uint8Array): Uint8Array | null {
    let off = 0;
    while (off < chunk.length) {
      const cap = this.ex.rx_cap(id);
      if (cap === 0) return this.conns.has(id) ? chunk.subarray(off) : null;
      const n = Math.min(cap, chunk.length - off);
      const p = this.ex.rx_buf(id);
      this.mem.set(chunk.subarray(off, off + n), p);
      off += n;
      this.ex.rx_commit(id, n);
      this.pump();
    }
    return null;
  }

  /** Resolves once the core can take bytes of connection id again (or it closed). */
  waitReadable(id: number): Promise<void> {
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  /** Retries paused connections; called after completions (which free memory) and on the timer. */
  private retryStalled(): void {
    if (this.retrying || (this.stalled.size === 0 && this.waiters.size === 0)) return;
    this.retrying = true;
    try {
      for (const [id, bytes] of [...this.stalled]) {
        if (!this.conns.has(id)) {
          this.stalled.delete(id);
          continue;
        }
        if (this.ex.rx_cap(id) === 0) continue;
        this.stalled.delete(id);
        const rest = this.feed(id, bytes);
        if (rest) this.stalled.set(id, rest.slice());
        else this.conns.get(id)?.conn.resume?.();
      }
      for (const [id, wake] of [...this.waiters]) {
        if (!this.conns.has(id) || this.ex.rx_cap(id) > 0) {
          this.waiters.delete(id);
          wake();
        }
      }
    } finally {
      this.retrying = false;
    }
  }

  /** Zero-copy receive: a view of core memory to read socket bytes into (null = not now: waitReadable). */
  rxView(id: number): Uint8Array | null {
    const cap = this.ex.rx_cap(id);
    if (cap === 0) return null;
    const p = this.ex.rx_buf(id);
    return this.mem.subarray(p, p + cap);
  }

  /** Zero-copy receive: n bytes were read into the last rxView. */
  commit(id: number, n: number): void {
    this.ex.rx_commit(id, n);
    this.pump();
  }

  /** The socket of connection id is closed (for any reason). */
  closed(id: number): void {
    const st = this.conns.get(id);
    if (!st) return;
    this.conns.delete(id);
    this.stalled.delete(id);
    const wake = this.waiters.get(id);
    this.waiters.delete(id);
    wake?.();
    for (const reqId of st.sends) this.ex.io_done(reqId, -EPIPE);
    st.sends.clear();
    this.ex.conn_closed(id);
    this.pump();
  }

  /** The connection is still open as far as the host knows. */
  isOpen(id: number): boolean {
    return this.conns.has(id);
  }

  /** Number of connections the host still tracks. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Runs the core's timers (returns the next deadline in ms, or 0). */
  tick(): number {
    const d = this.ex.tick(Date.now());
    this.pump();
    return d;
  }

  /**
   * Starts the core's clock: tick() every interval (timeouts of half-received frames and of
   * connections that never log on), and garbage collection of the managed heap when idle.
   */
  startTimers(ms = 1000): void {
    this.gcTimer = setInterval(() => {
      if (this.pumping) return;
      this.tick();
      this.retryStalled();
      if (this.events > 0) {
        this.events = 0;
        this.ex.__collect();
      }
    }, ms);
    const t = this.gcTimer as unknown as { unref?: () => void };
    t.unref?.();
  }

  stop(): void {
    if (this.gcTimer !== undefined) clearInterval(this.gcTimer);
  }

  private complete(reqId: number, result: number): void {
    this.ex.io_done(reqId, result);
    this.pump();
  }

  /** Drains the submission queue; re-entrant calls are folded into the running one. */
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
        const recs = this.mem.slice(head, head + n * A.SQ_RECORD_SIZE);
        this.ex.sq_consume(n);
        const view = new DataView(recs.buffer);
        for (let i = 0; i < n; i++) this.dispatch(view, i * A.SQ_RECORD_SIZE);
        this.events += n;
      } while (this.again || this.ex.sq_count() > 0);
    } finally {
      this.pumping = false;
    }
    if (this.events >= GC_EVERY_EVENTS || this.ex.heap_collect_wanted() !== 0) {
      this.events = 0;
      this.ex.__collect();
    }
    this.retryStalled();
  }

  private str(ptr: number, len: number): string {
    return td8.decode(this.mem.subarray(ptr, ptr + len));
  }

  private run(reqId: number, p: Promise<number>): void {
    if (reqId === 0) {
      // fire-and-forget (closing handles of a dropped connection, delete-on-close)
      p.catch(() => undefined);
      return;
    }
    p.then(
      (r) => this.complete(reqId, r),
      (e) => this.complete(reqId, negErrno(e)),
    );
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
    const fs = this.fs;
    const mem = this.mem;
    let p: Promise<number>;
    switch (op) {
      case A.OP_SEND: {
        const st = this.conns.get(target);
        if (!st) {
          this.complete(reqId, -EPIPE);
          return;
        }
        st.sends.add(reqId);
        st.conn.write(mem.subarray(ptr, ptr + len), (ok) => {
          if (!st.sends.delete(reqId)) return; // already failed by closed()
          this.complete(reqId, ok ? 0 : -EPIPE);
        });
        return;
      }
      case A.OP_DISCONNECT: {
        const st = this.conns.get(target);
        if (st) st.conn.close();
        return;
      }
      case A.OP_OPEN: p = fs.open(target, this.str(ptr, len), flags, arg, mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_CLOSE: p = fs.close(target); break;
      case A.OP_READ: p = fs.read(target, mem.subarray(ptr, ptr + len), offset); break;
      case A.OP_WRITE: p = fs.write(target, mem.subarray(ptr, ptr + len), offset); break;
      case A.OP_FSTAT: p = fs.fstat(target, mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_STAT: p = fs.stat(target, this.str(ptr, len), mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_MKDIR: p = fs.mkdir(target, this.str(ptr, len), arg); break;
      case A.OP_UNLINK: p = fs.unlink(target, this.str(ptr, len)); break;
      case A.OP_RMDIR: p = fs.rmdir(target, this.str(ptr, len)); break;
      case A.OP_RENAME: p = fs.rename(target, this.str(ptr, len), this.str(ptr2, len2), flags); break;
      case A.OP_LINK: p = fs.link(target, this.str(ptr, len), this.str(ptr2, len2), flags); break;
      case A.OP_TRUNCATE: p = fs.truncate(target, offset); break;
      case A.OP_FSYNC: p = fs.fsync(target); break;
      case A.OP_READDIR: p = fs.readdir(target, offset, mem.subarray(ptr, ptr + len), flags); break;
      case A.OP_STATFS: p = fs.statfs(target, mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_UTIMES: p = fs.utimes(target, offset, arg); break;
      // the value is copied now: the core may reuse its memory once the record is consumed
      case A.OP_XATTR_GET: p = fs.xattrGet(target, this.str(ptr, len), mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_XATTR_SET: p = fs.xattrSet(target, this.str(ptr, len), mem.slice(ptr2, ptr2 + len2), flags); break;
      case A.OP_XATTR_LIST: p = fs.xattrList(target, mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_XATTR_DEL: p = fs.xattrDel(target, this.str(ptr, len)); break;
      case A.OP_STREAM_LIST: p = fs.streamList(target, mem.subarray(ptr2, ptr2 + len2)); break;
      case A.OP_STREAM_RENAME: p = fs.streamRename(target, this.str(ptr, len), flags); break;
      // [ptr, ptr+len) = path ++ stream name; offset = the path's bytes
      case A.OP_STREAM_STAT:
      case A.OP_STREAM_OPEN:
      case A.OP_STREAM_DEL: {
        if (!(offset >= 0 && offset <= len && Number.isInteger(offset))) {
          if (reqId !== 0) this.complete(reqId, -EINVAL);
          return;
        }
        const path = this.str(ptr, offset);
        const name = this.str(ptr + offset, len - offset);
        if (op === A.OP_STREAM_STAT) p = fs.streamStat(target, path, name, mem.subarray(ptr2, ptr2 + len2));
        else if (op === A.OP_STREAM_OPEN) p = fs.streamOpen(target, path, name, flags, arg, mem.subarray(ptr2, ptr2 + len2));
        else p = fs.streamDel(target, path, name);
        break;
      }
      default:
        if (reqId !== 0) this.complete(reqId, -EINVAL);
        return;
    }
    this.run(reqId, p);
  }
}
