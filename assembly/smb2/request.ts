// One received SMB2 frame (possibly a compound chain) and the response being built for it.
// Requests are pooled: the hot path (READ/WRITE) allocates no managed objects.
import { IoWaiter } from "../fs/io";
import { Related } from "./related";
import { WaitList, unschedule } from "./async";
import { Watch } from "../fs/notify";
import { endIo } from "../fs/handles";
import { bufAlloc, bufFree } from "../util/buffers";
import { Conn } from "./conn";
import { Session, Tree } from "./session";
import { Open } from "../fs/open";

/** Most commands one frame may chain (larger chains disconnect the client). */
export const MAX_COMPOUND: i32 = 64;
export const SCRATCH_SIZE: usize = 2048;
const INITIAL_RESP: usize = 4096;

export class Request extends IoWaiter {
  conn: Conn | null = null;
  /** The received frame (without the 4-byte direct-TCP header); owned by the request. */
  frame: usize = 0;
  frameSize: u32 = 0;
  /** The buffer the frame lives in (it starts after the transform header of an encrypted frame). */
  frameAlloc: usize = 0;
  frameAllocSize: u32 = 0;
  /** The request came encrypted for this session: its responses go encrypted with its key. */
  encSession: Session | null = null;
  /** Offset of the current command's header within the frame. */
  cur: u32 = 0;
  hdr: usize = 0;
  cmdLen: u32 = 0;
  body: usize = 0;
  bodyLen: u32 = 0;
  command: u16 = 0;
  index: i32 = 0;

  /** Handler state machine: 0 on first entry, set by the handler before it waits. */
  step: i32 = 0;
  ioResult: i32 = 0;
  waiting: bool = false;
  // asynchronous processing (smb2/async.ts)
  /** An interim STATUS_PENDING was sent; the final response carries AsyncId. */
  async: bool = false;
  asyncId: u64 = 0;
  /** The wait list the request is on, if any. */
  waitingOn: WaitList | null = null;
  /** Set by whoever ended the wait with a final status (a grant, or a cancellation). */
  asyncDone: bool = false;
  asyncResult: u32 = 0;
  /** Queued to run again (async.ts ready list). */
  scheduled: bool = false;
  /** The open whose host handle the pending operation uses (its inflight count is ended on completion). */
  ioOpen: Open | null = null;
  /** The pending operation returns a new host handle (OP_OPEN): close it if nobody can use it. */
  ioOpensHandle: bool = false;

  session: Session | null = null;
  tree: Tree | null = null;
  open: Open | null = null;
  requestSigned: bool = false;
  /** Sign this response even if the request was unsigned (final SESSION_SETUP, 3.3.5.5.3). */
  forceSign: bool = false;
  /** Sign this response with Session.SigningKey, not the channel's: the key the request was signed with. */
  signMainKey: bool = false;
  /** A session to end once the response (signed with its key) is built: LOGOFF. */
  endSessionAfter: Session | null = null;
  /** A 64-byte preauth hash to extend with the whole response frame once it is built. */
  hashResponse: usize = 0;

  // compound state (MS-SMB2 3.3.5.2.7)
  related: bool = false;
  rel: Related = new Related();

  // response
  resp: usize = 0;
  respCap: usize = 0;
  /** Bytes used in resp, including the 4-byte direct-TCP header. */
  respLen: u32 = 0;
  /** Offset in resp of the current response header. */
  rhOff: u32 = 0;
  outLen: u32 = 0;
  /** The handler wrote a body that goes with a non-success status. */
  bodyReady: bool = false;
  /** Offsets and lengths of each response in the chain, and whether to sign it. */
  respOffs: StaticArray<u32> = new StaticArray<u32>(MAX_COMPOUND);
  signWith: StaticArray<Session | null> = new StaticArray<Session | null>(MAX_COMPOUND);
  /** Per response of the chain: sign with the session's own key (signMainKey when it was built). */
  signMain: StaticArray<bool> = new StaticArray<bool>(MAX_COMPOUND);
  /** A buffer the current handler allocated (freed with the request, whatever happens). */
  tmp: usize = 0;
  tmpSize: usize = 0;
  /** Per-request scratch memory (stat records, names, small host outputs). */
  scratch: usize = 0;

  // handler temporaries (meaning depends on the command)
  u0: u64 = 0;
  u1: u64 = 0;
  u2: u64 = 0;
  s0: string = "";
  s1: string = "";
  o0: Open | null = null;
  /** CHANGE_NOTIFY: the watch the request waits on. */
  watch: Watch | null = null;
  p0: usize = 0;
  n0: u32 = 0;

  /** Current response header pointer (valid until the next grow). */
  @inline get rh(): usize {
    return this.resp + <usize>this.rhOff;
  }

  /** Current response body pointer (valid until the next grow). */
  @inline get out(): usize {
    return this.resp + <usize>this.rhOff + 64;
  }

  /**
   * Makes room for a response body of n bytes (plus 8 of padding) after the current header.
   * Returns false when memory is exhausted. Moves resp: re-read `out` afterwards.
   */
  reserve(n: u32): bool {
    const need = <usize>this.rhOff + 64 + <usize>n + 8;
    if (need <= this.respCap) return true;
    let cap = this.respCap == 0 ? INITIAL_RESP : this.respCap;
    while (cap < need) cap <<= 1;
    if (cap > need + (<usize>1 << 20)) cap = need; // big READs: exact size
    const p = bufAlloc(cap);
    if (p == 0) return false;
    if (this.resp != 0) {
      memory.copy(p, this.resp, <usize>this.respLen);
      bufFree(this.resp, this.respCap);
    }
    this.resp = p;
    this.respCap = cap;
    return true;
  }

  ioDone(tag: i32, result: i32): void {
    this.ioResult = result;
    this.waiting = false;
    const o = this.ioOpen;
    if (o !== null) {
      this.ioOpen = null;
      endIo(o);
    }
    resumeRequest(this);
  }

  /** Releases buffers; the object goes back to the pool. */
  /** A temporary buffer of size bytes owned by the request (0 when out of memory). */
  takeTmp(size: usize): usize {
    if (this.tmp != 0 && this.tmpSize >= size) return this.tmp;
    this.freeTmp();
    this.tmp = bufAlloc(size);
    this.tmpSize = this.tmp != 0 ? size : 0;
    return this.tmp;
  }

  freeTmp(): void {
    if (this.tmp != 0) bufFree(this.tmp, this.tmpSize);
    this.tmp = 0;
    this.tmpSize = 0;
  }

  reset(): void {
    this.freeTmp();
    if (this.frameAlloc != 0) bufFree(this.frameAlloc, this.frameAllocSize);
    this.frameAlloc = 0;
    this.frame = 0;
    this.encSession = null;
    if (this.resp != 0) bufFree(this.resp, this.respCap);
    this.resp = 0;
    this.respCap = 0;
    this.respLen = 0;
    this.conn = null;
    this.session = null;
    this.tree = null;
    this.open = null;
    this.o0 = null;
    this.watch = null;
    this.ioOpen = null;
    this.ioOpensHandle = false;
    this.async = false;
    this.asyncId = 0;
    this.asyncDone = false;
    this.asyncResult = 0;
    unschedule(this);
    const w = this.waitingOn;
    if (w !== null) w.remove(this);
    this.endSessionAfter = null;
    this.s0 = "";
    this.s1 = "";
    for (let i = 0; i < MAX_COMPOUND; i++) {
      unchecked((this.signWith[i] = null));
      unchecked((this.signMain[i] = false));
    }
  }
}

// resumeRequest is provided by dispatch.ts (set at start-up to avoid an import cycle).
let resumeFn: (r: Request) => void = (r: Request): void => {};
export function setResume(f: (r: Request) => void): void {
  resumeFn = f;
}
function resumeRequest(r: Request): void {
  resumeFn(r);
}

const pool = new Array<Request>(0);

export function getRequest(): Request | null {
  if (pool.length > 0) return pool.pop();
  const r = new Request();
  r.scratch = bufAlloc(SCRATCH_SIZE);
  if (r.scratch == 0) return null;
  return r;
}

export function putRequest(r: Request): void {
  r.reset();
  if (pool.length < 256) pool.push(r);
  else bufFree(r.scratch, SCRATCH_SIZE);
}
