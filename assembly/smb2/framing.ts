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

/** Largest frame before NEGOTIATE completes (SMB1 or SMB2 NEGOTIATE requests are small). */
const MAX_FRAME_UNNEGOTIATED: u32 = 65536;
/** Headroom over MaxRead/Write/TransactSize for headers, compounding and the transform header. */
const FRAME_OVERHEAD: u32 = 65536;

const PHASE_LENGTH = 0;
const PHASE_BODY = 1;

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

/** How many bytes the host may write at rxBuf (never past the current frame); 0 = stop reading. */
export function rxCap(c: Conn): u32 {
  if (c.closing || !c.alive) return 0;
  return c.rxPhase == PHASE_LENGTH ? 4 - c.rxHave : c.rxFrameSize - c.rxHave;
}

/** The host wrote n bytes at rxBuf. */
export function rxCommit(c: Conn, n: u32): void {
  if (c.closing || !c.alive) return;
  if (n > rxCap(c)) {
    disconnect(c, "host wrote past the receive window");
    return;
  }
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
    if (len == 0) return; // empty keep-alive frame
    const max = maxFrame(c);
    if (len > max) {
      disconnect(c, "frame of " + len.toString() + " bytes exceeds the maximum of " + max.toString());
      return;
    }
    const f = bufAlloc(len);
    if (f == 0) {
      disconnect(c, "no memory for a frame of " + len.toString() + " bytes");
      return;
    }
    c.rxFrame = f;
    c.rxFrameSize = len;
    c.rxPhase = PHASE_BODY;
    return;
  }
  if (c.rxHave < c.rxFrameSize) return;
  const frame = c.rxFrame;
  const size = c.rxFrameSize;
  c.rxFrame = 0;
  c.rxFrameSize = 0;
  c.rxHave = 0;
  c.rxPhase = PHASE_LENGTH;
  onFrame(c, frame, size);
}

function onFrame(c: Conn, frame: usize, size: u32): void {
  const pid = size >= 4 ? load<u32>(frame) : 0;
  if (pid == SMB2_PROTOCOL_ID && size >= 64) {
    onSmb2Frame(c, frame, size); // takes ownership of frame
    return;
  }
  if (pid == SMB1_PROTOCOL_ID && !c.negotiated && !c.smb1Upgraded) {
    onSmb1Negotiate(c, frame, size);
    bufFree(frame, size);
    return;
  }
  bufFree(frame, size);
  if (pid == SMB2_TRANSFORM_PROTOCOL_ID) disconnect(c, "encrypted message, but encryption was not negotiated");
  else disconnect(c, "frame of " + size.toString() + " bytes is not an SMB2 message");
}
