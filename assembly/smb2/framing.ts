// Direct-TCP transport framing (MS-SMB2 2.1): a 4-byte header (zero byte + 24-bit big-endian
// length) before each message. The host writes socket bytes straight into the buffers named
// here — never past the current frame, so each frame lands in its own buffer with one copy.
import { Conn } from "./conn";
import { bufAlloc } from "../util/buffers";
import { disconnect } from "./transport";
import { SMB2_PROTOCOL_ID, SMB1_PROTOCOL_ID, SMB2_TRANSFORM_PROTOCOL_ID } from "./header";
import { onSmb2Frame } from "./dispatch";
import { onSmb1Negotiate } from "./commands/negotiate";
import { bufFree } from "../util/buffers";
import { now_ms } from "../abi/imports";
import { SESSION_VALID } from "./session";
import { globalCfg } from "../config";
import { secondsText } from "../util/log";
import { decryptFrame, TRANSFORM_HEADER_SIZE } from "./encryption";

// Timeouts (config.ts): a frame must arrive completely within `frame timeout` of its first byte
// (slowloris); a connection must authenticate within `handshake timeout`; one with no opens
// and no traffic for `deadtime` is dropped.

function hasValidSession(c: Conn): bool {
  const list = c.sessions.values();
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]).state == SESSION_VALID) return true;
  return false;
}

function hasOpens(c: Conn): bool {
  if (c.inFlight > 0 || c.asyncOps.size > 0) return true;
  const list = c.sessions.values();
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]).openCount > 0) return true;
  return false;
}

/**
 * Timer work for one connection at time now: drop it if a frame is stuck half-received, no
 * session was set up in time, or it idled past the deadtime. Returns its next deadline (0 = none).
 */
export function rxTimers(c: Conn, now: f64): f64 {
  if (c.closing || !c.alive) return 0;
  let next: f64 = 0;
  if (c.rxStartMs > 0) {
    const d = c.rxStartMs + globalCfg.frameTimeoutMs;
    if (now >= d) {
      disconnect(c, "a frame stayed incomplete for " + secondsText(globalCfg.frameTimeoutMs));
      return 0;
    }
    next = d;
  }
  const dead = globalCfg.deadtimeMs;
  if (dead > 0 && c.openedMs == 0 && c.rxStartMs == 0 && c.lastRxMs > 0) {
    const d = c.lastRxMs + dead;
    if (now >= d && !hasOpens(c)) {
      disconnect(c, "idle with no open files for " + secondsText(dead) + " (deadtime)");
      return 0;
    }
    if (next == 0 || d < next) next = now >= d ? now + dead : d;
  }
  if (c.openedMs > 0) {
    if (hasValidSession(c)) {
      c.openedMs = 0; // handshake done
    } else {
      const d = c.openedMs + globalCfg.handshakeTimeoutMs;
      if (now >= d) {
        disconnect(c, "no session was set up within " + secondsText(globalCfg.handshakeTimeoutMs));
        return 0;
      }
      if (next == 0 || d < next) next = d;
    }
  }
  return next;
}

/** Largest frame before NEGOTIATE completes (SMB1 or SMB2 NEGOTIATE requests are small). */
const MAX_FRAME_UNNEGOTIATED: u32 = 65536;
/** Headroom over MaxRead/Write/TransactSize for headers, compounding and the transform header. */
const FRAME_OVERHEAD: u32 = 65536;

const PHASE_LENGTH = 0;
const PHASE_BODY = 1;
/** The frame's length is known but its buffer could not be reserved yet: reading is paused. */
const PHASE_WAIT_MEM = 2;

/**
 * Memory that frames still being received may hold in all. An incomplete frame costs the
 * client almost nothing, so without this bound a few dozen connections announcing 8 MiB
 * frames and stalling would take every buffer. Frames up to SMALL_FRAME never wait (small
 * requests of other clients always get through); bigger ones wait, with their connection's
 * reading paused, until frames complete or stallers time out (`frame timeout`).
 */
export const INCOMPLETE_LIMIT: usize = 96 << 20;
const SMALL_FRAME: u32 = 128 * 1024;
let incompleteBytes: usize = 0;

/** Bytes of frame buffers currently being filled (for tests and limits). */
export function incompleteFrameBytes(): usize {
  return incompleteBytes;
}

/** Reserves the buffer of the frame whose length c.rxFrameSize is known; false = wait. */
function reserveFrame(c: Conn): bool {
  const len = c.rxFrameSize;
  if (len > SMALL_FRAME && incompleteBytes + <usize>len > INCOMPLETE_LIMIT) return false;
  const f = bufAlloc(len);
  if (f == 0) return false;
  c.rxFrame = f;
  c.rxPhase = PHASE_BODY;
  c.rxCounted = true;
  incompleteBytes += <usize>len;
  return true;
}

/** Forgets the frame being received (its buffer is freed by the caller or handed on). */
function unreserve(c: Conn): void {
  if (c.rxCounted) {
    incompleteBytes -= <usize>c.rxFrameSize;
    c.rxCounted = false;
  }
}

/** Frees a partly received frame of a connection that is going away. */
export function dropPartialFrame(c: Conn): void {
  unreserve(c);
  if (c.rxFrame != 0) bufFree(c.rxFrame, c.rxFrameSize);
  c.rxFrame = 0;
  c.rxFrameSize = 0;
  c.rxPhase = PHASE_LENGTH;
}

function maxFrame(c: Conn): u32 {
  if (!c.negotiated) return MAX_FRAME_UNNEGOTIATED;
  let m = c.maxWriteSize;
  if (c.maxTransactSize > m) m = c.maxTransactSize;
  return m + FRAME_OVERHEAD;
}

/** Where the host should write the next received bytes. */
export function rxBuf(c: Conn): usize {
  return c.rxPhase == PHASE_LENGTH ? c.rxHdr + <usize>c.rxHave : c.rxFrame + <usize>c.rxHave;
}

/**
 * How many bytes the host may write at rxBuf (never past the current frame). 0 means "not
 * now": the host pauses reading and asks again later (after completions or on the timer).
 */
export function rxCap(c: Conn): u32 {
  if (c.closing || !c.alive) return 0;
  if (c.rxPhase == PHASE_WAIT_MEM) {
    if (!reserveFrame(c)) return 0;
    c.rxStartMs = now_ms(); // the frame's clock starts once we can take it
  }
  return c.rxPhase == PHASE_LENGTH ? 4 - c.rxHave : c.rxFrameSize - c.rxHave;
}

/** The host wrote n bytes at rxBuf. */
export function rxCommit(c: Conn, n: u32): void {
  if (c.closing || !c.alive) return;
  if (c.rxPhase == PHASE_WAIT_MEM || n > rxCap(c)) {
    disconnect(c, "host wrote past the receive window");
    return;
  }
  if (c.rxHave == 0 && c.rxPhase == PHASE_LENGTH && n > 0) c.rxStartMs = now_ms();
  c.rxHave += n;
  if (c.rxPhase == PHASE_LENGTH) {
    if (c.rxHave < 4) return;
    const hdr = bswap<u32>(load<u32>(c.rxHdr));
    c.rxHave = 0;
    if ((hdr >>> 24) != 0) {
      disconnect(c, "frame header type 0x" + (hdr >>> 24).toString(16) + " is not a session message");
      return;
    }
    const len = hdr & 0xffffff;
    if (len == 0) {
      c.rxStartMs = 0;
      return; // empty keep-alive frame
    }
    const max = maxFrame(c);
    if (len > max) {
      disconnect(c, "frame of " + len.toString() + " bytes exceeds the maximum of " + max.toString());
      return;
    }
    c.rxFrameSize = len;
    if (!reserveFrame(c)) {
      if (len <= SMALL_FRAME && incompleteBytes == 0) {
        disconnect(c, "no memory for a frame of " + len.toString() + " bytes");
        return;
      }
      c.rxPhase = PHASE_WAIT_MEM; // reading pauses until memory frees
      c.rxStartMs = 0;
    }
    return;
  }
  if (c.rxHave < c.rxFrameSize) return;
  unreserve(c);
  c.lastRxMs = now_ms();
  const frame = c.rxFrame;
  const size = c.rxFrameSize;
  c.rxFrame = 0;
  c.rxFrameSize = 0;
  c.rxHave = 0;
  c.rxPhase = PHASE_LENGTH;
  c.rxStartMs = 0;
  onFrame(c, frame, size);
}

function onFrame(c: Conn, frame: usize, size: u32): void {
  const pid = size >= 4 ? load<u32>(frame) : 0;
  if (pid == SMB2_PROTOCOL_ID && size >= 64) {
    onSmb2Frame(c, frame, size, 0, null); // takes ownership of frame
    return;
  }
  if (pid == SMB1_PROTOCOL_ID && !c.negotiated && !c.smb1Upgraded) {
    onSmb1Negotiate(c, frame, size);
    bufFree(frame, size);
    return;
  }
  if (pid == SMB2_TRANSFORM_PROTOCOL_ID && c.negotiated) {
    const why = new Array<string>(0);
    const es = decryptFrame(c, frame, size, why);
    if (es !== null && load<u32>(frame + <usize>TRANSFORM_HEADER_SIZE) == SMB2_PROTOCOL_ID) {
      onSmb2Frame(c, frame, size, TRANSFORM_HEADER_SIZE, es); // takes ownership of frame
      return;
    }
    bufFree(frame, size);
    disconnect(c, why.length > 0 ? why[0] : "an encrypted message does not hold an SMB2 message");
    return;
  }
  bufFree(frame, size);
  disconnect(c, "frame of " + size.toString() + " bytes is not an SMB2 message");
}
