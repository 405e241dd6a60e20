// MS-SMB2 3.3.1.7 per-transport-connection state, and the table of live connections.
import { CreditWindow } from "./credits";
import { bufAlloc, bufFree } from "../util/buffers";
import { wipe } from "../util/bytes";
import { Session } from "./session";
import { Request } from "./request";
import { IoWaiter } from "../fs/io";
import { sendDone } from "./transport";

export const CONN_SCRATCH_SIZE: usize = 256;

export class Conn extends IoWaiter {
  id: u32;
  alive: bool = true;
  /** Set once we asked the host to disconnect; no more input is processed. */
  closing: bool = false;
  peer: string;

  // receive state (assembly/smb2/framing.ts)
  rxPhase: i32 = 0;
  /** 4-byte direct-TCP header staging area, then the frame buffer. */
  rxHdr: usize = 0;
  rxFrame: usize = 0;
  rxFrameSize: u32 = 0;
  rxHave: u32 = 0;
  /** The frame buffer counts toward the incomplete-frame limit (framing.ts). */
  rxCounted: bool = false;
  /** When the frame being received started (ms), 0 when none is in progress. */
  rxStartMs: f64 = 0;
  /** When the connection was accepted (ms); 0 once a session is set up. */
  openedMs: f64 = 0;
  /** When the last complete frame arrived (ms), for the deadtime. */
  lastRxMs: f64 = 0;

  // transmit FIFO: buffers handed to the host, freed in order as sends complete
  txPtrs: Array<usize> = new Array<usize>(0);
  txSizes: Array<usize> = new Array<usize>(0);
  txHead: i32 = 0;
  txBytes: usize = 0;

  /** Requests received and not yet answered (incl. those waiting for host I/O). */
  inFlight: i32 = 0;

  // negotiate state (MS-SMB2 3.3.1.7)
  dialect: u16 = 0;
  negotiated: bool = false;
  /** An SMB1 negotiate answered with 0x02FF: a wildcard SMB2 negotiate must follow. */
  smb1Upgraded: bool = false;
  clientCapabilities: u32 = 0;
  clientSecurityMode: u16 = 0;
  serverSecurityMode: u16 = 0;
  serverCapabilities: u32 = 0;
  /** 16-byte ClientGuid, the client's dialect list (for VALIDATE_NEGOTIATE_INFO) in scratch. */
  scratch: usize = 0;
  clientDialectCount: u16 = 0;
  signingAlgorithm: u16 = 0;
  cipherId: u16 = 0;
  maxTransactSize: u32 = 65536;
  maxReadSize: u32 = 65536;
  maxWriteSize: u32 = 65536;
  supportsMultiCredit: bool = false;
  /** 64-byte preauth integrity hash value of the connection (3.1.1). */
  preauthHash: usize = 0;

  credits: CreditWindow = new CreditWindow();
  /** Requests answered STATUS_PENDING and not yet completed, by AsyncId. */
  asyncOps: Map<u64, Request> = new Map<u64, Request>();
  nextAsyncId: u64 = 1;
  sessions: Map<u64, Session> = new Map<u64, Session>();
  /** Sessions this connection is being bound to (SMB2_SESSION_FLAG_BINDING in progress). */
  binding: Array<Session> = new Array<Session>(0);

  constructor(id: u32, peer: string) {
    super();
    this.id = id;
    this.peer = peer;
  }

  /** Completion of an OP_SEND of this connection. */
  ioDone(tag: i32, result: i32): void {
    sendDone(this, result);
  }

  init(): bool {
    this.rxHdr = bufAlloc(8);
    this.scratch = bufAlloc(CONN_SCRATCH_SIZE);
    this.preauthHash = bufAlloc(64);
    if (this.rxHdr == 0 || this.scratch == 0 || this.preauthHash == 0 || !this.credits.init()) {
      this.release();
      return false;
    }
    memory.fill(this.scratch, 0, CONN_SCRATCH_SIZE);
    memory.fill(this.preauthHash, 0, 64);
    return true;
  }

  /** Pointer to the 16-byte ClientGuid. */
  @inline clientGuid(): usize {
    return this.scratch;
  }

  /** Pointer to the client's dialects (u16 each, at most 64). */
  @inline clientDialects(): usize {
    return this.scratch + 16;
  }

  /** Frees everything the connection owns except queued transmit buffers. */
  release(): void {
    if (this.rxHdr != 0) { bufFree(this.rxHdr, 8); this.rxHdr = 0; }
    if (this.scratch != 0) { bufFree(this.scratch, CONN_SCRATCH_SIZE); this.scratch = 0; }
    if (this.preauthHash != 0) { wipe(this.preauthHash, 64); bufFree(this.preauthHash, 64); this.preauthHash = 0; }
    if (this.credits.ring != 0) this.credits.dispose();
  }
}

let nextConnId: u32 = 1;
export const conns = new Map<u32, Conn>();

export function newConnId(): u32 {
  let id = nextConnId;
  while (id == 0 || conns.has(id)) id++;
  nextConnId = id + 1;
  return id;
}
