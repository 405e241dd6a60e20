// The named pipe the SMB2 layer opens on IPC$ (MS-SMB2 3.3.5.9 create, 3.3.5.12/3.3.5.13 read/write,
// 3.3.5.15.2 FSCTL_PIPE_TRANSCEIVE): bytes written form a stream of DCE/RPC PDUs (a PDU may span
// writes, a write may hold several PDUs); replies are read one PDU (message) at a time.

import { STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_PARAMETER, STATUS_PIPE_DISCONNECTED } from "../smb2/status";
import { DceRpcConnection, rpcFrameLength } from "./dcerpc";
import { RpcShare, srvsvcConfigure, srvsvcInterface } from "./srvsvc";

export { RpcShare } from "./srvsvc";

/** Unread reply bytes past which further writes are refused (a client that never reads). */
export const RPC_MAX_PENDING_OUTPUT: i32 = 1 << 20;

/** First association group ID; each pipe instance gets the next one (never 0). */
let nextAssocGroup: u32 = 0x53f0;

/** Sets what srvsvc reports: server name, server string and shares (IPC$ is added here). Call at init. */
export function setRpcServerInfo(netbiosName: string, serverString: string, shares: RpcShare[]): void {
  srvsvcConfigure(netbiosName, serverString, shares);
}

/** Strips "\" and "PIPE\" prefixes and upper-cases a pipe name. */
function pipeKey(name: string): string {
  let s = name;
  while (s.length > 0 && s.charCodeAt(0) == 0x5c) s = s.substring(1);
  const u = s.toUpperCase();
  return u.startsWith("PIPE\\") ? u.substring(5) : u;
}

/** Opens a pipe by name ("srvsvc", "\srvsvc", "\PIPE\srvsvc", any case); null if not served. */
export function rpcPipeOpen(name: string): RpcPipe | null {
  if (pipeKey(name) != "SRVSVC") return null;
  let id = nextAssocGroup++;
  if (id == 0) id = nextAssocGroup++;
  return new RpcPipe(new DceRpcConnection(srvsvcInterface(), "\\PIPE\\srvsvc", id));
}

/** One open instance of an RPC named pipe. */
export class RpcPipe {
  private conn: DceRpcConnection;
  private closed: bool = false;
  // Input framing: header bytes gathered so far, then the partial PDU being completed.
  private hdr: Uint8Array = new Uint8Array(16);
  private hdrLen: i32 = 0;
  private frame: Uint8Array | null = null;
  private frameHave: i32 = 0;
  // Output: whole reply PDUs; the head one may be partly read.
  private out: Array<Uint8Array> = new Array<Uint8Array>(0);
  private outHead: i32 = 0;
  private outOff: i32 = 0;
  private pending: i32 = 0;
  private more: bool = false;

  constructor(conn: DceRpcConnection) {
    this.conn = conn;
  }

  /**
   * Consumes the bytes of an SMB2 WRITE (or the input of a transceive). Returns STATUS_SUCCESS,
   * STATUS_INVALID_PARAMETER when the bytes are not DCE/RPC (the partial PDU is dropped),
   * STATUS_INSUFFICIENT_RESOURCES when too many replies are unread, or STATUS_PIPE_DISCONNECTED.
   */
  write(ptr: usize, len: i32): u32 {
    if (this.closed) return STATUS_PIPE_DISCONNECTED;
    if (len < 0 || (len > 0 && ptr == 0)) return STATUS_INVALID_PARAMETER;
    let p = ptr;
    let n = len;
    while (n > 0) {
      if (this.pending > RPC_MAX_PENDING_OUTPUT) return STATUS_INSUFFICIENT_RESOURCES;
      const frame = this.frame;
      if (frame !== null) {
        const take = min(frame.length - this.frameHave, n);
        memory.copy(frame.dataStart + <usize>this.frameHave, p, <usize>take);
        this.frameHave += take;
        p += <usize>take;
        n -= take;
        if (this.frameHave == frame.length) {
          this.frame = null;
          this.hdrLen = 0;
          this.deliver(frame.dataStart, frame.length);
        }
        continue;
      }
      if (this.hdrLen == 0 && n >= 16) {
        // Fast path: the header is in the caller's buffer.
        const fl = rpcFrameLength(p, n);
        if (fl < 0) return this.garbage();
        if (fl <= n) {
          this.deliver(p, fl);
          p += <usize>fl;
          n -= fl;
        } else {
          this.startFrame(p, fl);
          p += 16;
          n -= 16;
        }
        continue;
      }
      const take = min(16 - this.hdrLen, n);
      memory.copy(this.hdr.dataStart + <usize>this.hdrLen, p, <usize>take);
      this.hdrLen += take;
      p += <usize>take;
      n -= take;
      if (this.hdrLen == 16) {
        const fl = rpcFrameLength(this.hdr.dataStart, 16);
        if (fl < 0) return this.garbage();
        if (fl == 16) {
          this.hdrLen = 0;
          this.deliver(this.hdr.dataStart, 16);
        } else {
          this.startFrame(this.hdr.dataStart, fl);
        }
      }
    }
    return 0;
  }

  /** Begins a PDU of fl bytes whose first 16 bytes are at src. */
  private startFrame(src: usize, fl: i32): void {
    const f = new Uint8Array(fl);
    memory.copy(f.dataStart, src, 16);
    this.frame = f;
    this.frameHave = 16;
    this.hdrLen = 16;
  }

  private deliver(p: usize, len: i32): void {
    this.pending += this.conn.handlePdu(p, len, this.out);
  }

  private garbage(): u32 {
    this.frame = null;
    this.hdrLen = 0;
    this.frameHave = 0;
    return STATUS_INVALID_PARAMETER;
  }

  /** Bytes of replies waiting to be read (all queued PDUs). */
  readable(): i32 {
    return this.pending;
  }

  /**
   * Copies up to max bytes of the current reply PDU to dst; a read never spans two PDUs.
   * Returns the count (0 when nothing is waiting).
   */
  read(dst: usize, max: i32): i32 {
    this.more = false;
    if (this.closed || max <= 0 || dst == 0 || this.outHead >= this.out.length) return 0;
    const cur = unchecked(this.out[this.outHead]);
    const n = min(cur.length - this.outOff, max);
    memory.copy(dst, cur.dataStart + <usize>this.outOff, <usize>n);
    this.outOff += n;
    this.pending -= n;
    if (this.outOff < cur.length) {
      this.more = true;
    } else {
      this.outOff = 0;
      this.outHead++;
      if (this.outHead >= this.out.length) {
        this.out = new Array<Uint8Array>(0);
        this.outHead = 0;
      }
    }
    return n;
  }

  /** True if the last read left bytes of its PDU unread (SMB2 then answers STATUS_BUFFER_OVERFLOW). */
  moreData(): bool {
    return this.more;
  }

  /** Closes the instance: drops pending input and replies; later writes fail, reads return 0. */
  close(): void {
    this.closed = true;
    this.frame = null;
    this.hdrLen = 0;
    this.out = new Array<Uint8Array>(0);
    this.outHead = 0;
    this.outOff = 0;
    this.pending = 0;
    this.more = false;
  }
}
