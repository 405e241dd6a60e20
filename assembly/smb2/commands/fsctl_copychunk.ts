// MS-SMB2 3.3.5.15.5 FSCTL_SRV_REQUEST_RESUME_KEY and 3.3.5.15.6 FSCTL_SRV_COPYCHUNK(_WRITE):
// server-side copy with the host's READ and WRITE through one buffer of at most 1 MiB, a whole
// chunk at a time (so overlapping source and target ranges copy as Windows 2012 does). Data
// only: no xattrs, attributes or streams are copied (REVIEW V8). The response reports the real
// ChunksWritten / ChunkBytesWritten / TotalBytesWritten (REVIEW V1).
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { Session, Tree } from "../session";
import { Open } from "../../fs/open";
import * as A from "../../fs/access";
import { ioRead, ioWrite, ioFstat, statArea } from "../../fs/ops";
import { stSize } from "../../fs/stat";
import { errnoToStatus } from "../../fs/errno";
import { ioConflicts } from "../../fs/locks";
import { openByResumeKey, resumeKeyFor, RESUME_KEY_SIZE } from "../../fs/resume_key";
import * as CC from "../../fs/copychunk";
import { FSCTL_SRV_COPYCHUNK, CtlCode, respond, outBuffer } from "./fsctl";

/** NTSTATUS of a chunk whose source range runs past the end of the source file. */
export const STATUS_INVALID_VIEW_SIZE: u32 = 0xc000001f;

/** SRV_REQUEST_RESUME_KEY (2.2.32.3): key, ContextLength 0, and 4 bytes of empty Context. */
const RESUME_KEY_RESPONSE_SIZE: u32 = 32;

// Steps of the copy (r.step); state: r.o0 source, r.open destination, r.n0 chunk index,
// r.u0 = ChunksWritten << 32 | TotalBytesWritten, r.u1 = bytes read << 32 | bytes written of
// the current chunk, r.u2 its target offset, r.tmp the buffer.
const STEP_READ: i32 = 1;
const STEP_FSTAT: i32 = 2;
const STEP_WRITE: i32 = 3;

/** FSCTL_SRV_REQUEST_RESUME_KEY: a key naming r.open for a later copy (3.3.5.15.5). */
export function fsctlRequestResumeKey(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  if (maxOut < RESUME_KEY_RESPONSE_SIZE) return S.STATUS_INVALID_PARAMETER;
  if (!r.reserve(48 + RESUME_KEY_RESPONSE_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const p = outBuffer(r);
  resumeKeyFor(p, r.open as Open);
  store<u32>(p + <usize>RESUME_KEY_SIZE, 0); // ContextLength
  store<u32>(p + <usize>RESUME_KEY_SIZE, 0, 4); // Context: none
  respond(r, RESUME_KEY_RESPONSE_SIZE);
  return S.STATUS_SUCCESS;
}

/** FSCTL_SRV_COPYCHUNK and FSCTL_SRV_COPYCHUNK_WRITE into r.open (3.3.5.15.6). */
export function fsctlCopychunk(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  switch (r.step) {
    case 0: {
      const st = begin(r, input, inCount, maxOut);
      return st != S.STATUS_SUCCESS ? st : nextChunk(r, input);
    }
    case STEP_READ: return readDone(r, input);
    case STEP_FSTAT: return targetKnown(r, input);
    case STEP_WRITE: return writeDone(r, input);
  }
  return S.STATUS_INTERNAL_ERROR;
}

/** The checks of 3.3.5.15.6 in its order; on success the copy state is set up. */
function begin(r: Request, input: usize, inCount: u32, maxOut: u32): u32 {
  const dst = r.open as Open;
  let src: Open | null = null;
  if (inCount >= <u32>RESUME_KEY_SIZE) {
    src = openByResumeKey(input, r.session as Session);
    if (src === null) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  }
  if (maxOut < CC.SRV_COPYCHUNK_RESPONSE_SIZE) return S.STATUS_INVALID_PARAMETER;
  const largest = CC.checkChunks(input, inCount);
  if (src === null || largest == CC.CHUNKS_INVALID || src.pipe !== null || dst.pipe !== null) return limits(r);
  if (!A.granted(src, A.FILE_READ_DATA | A.FILE_EXECUTE)) return S.STATUS_ACCESS_DENIED;
  if (!A.granted(dst, A.FILE_WRITE_DATA | A.FILE_APPEND_DATA) || (r.tree as Tree).readOnly) return S.STATUS_ACCESS_DENIED;
  if (CtlCode(r.body) == FSCTL_SRV_COPYCHUNK && !A.granted(dst, A.FILE_READ_DATA)) return S.STATUS_ACCESS_DENIED;
  // FILE_APPEND_DATA alone may only add at the end (MS-FSA 2.1.5.3)
  if (!A.granted(dst, A.FILE_WRITE_DATA) && !CC.allAtEndOfFile(input)) return S.STATUS_ACCESS_DENIED;
  if (src.isDir || dst.isDir) return S.STATUS_INVALID_DEVICE_REQUEST;
  if (largest > 0 && r.takeTmp(<usize>largest) == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.o0 = src;
  r.n0 = 0;
  r.u0 = 0;
  r.u1 = 0;
  return S.STATUS_SUCCESS;
}

/** 3.3.5.15.6.2: STATUS_INVALID_PARAMETER with the server's limits in the response. */
function limits(r: Request): u32 {
  if (!r.reserve(48 + CC.SRV_COPYCHUNK_RESPONSE_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  CC.writeCopychunkLimits(outBuffer(r));
  respond(r, CC.SRV_COPYCHUNK_RESPONSE_SIZE);
  r.bodyReady = true;
  return S.STATUS_INVALID_PARAMETER;
}

/**
 * Ends the copy with status st: the response carries what was written (3.3.5.15.6.1 on
 * failure: ChunkBytesWritten is what a partly written chunk got).
 */
function finish(r: Request, st: u32): u32 {
  if (!r.reserve(48 + CC.SRV_COPYCHUNK_RESPONSE_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const partial = st == S.STATUS_SUCCESS ? 0 : <u32>(r.u1 & 0xffffffff);
  CC.writeCopychunkResponse(outBuffer(r), <u32>(r.u0 >> 32), partial, <u32>(r.u0 & 0xffffffff));
  respond(r, CC.SRV_COPYCHUNK_RESPONSE_SIZE);
  if (st != S.STATUS_SUCCESS) r.bodyReady = true;
  return st;
}

@inline function bytesRead(r: Request): u32 { return <u32>(r.u1 >> 32); }
@inline function bytesWritten(r: Request): u32 { return <u32>(r.u1 & 0xffffffff); }

/** Starts chunk r.n0 (or ends the copy after the last one). */
function nextChunk(r: Request, input: usize): u32 {
  const i = r.n0;
  if (i >= CC.chunkCount(input)) return finish(r, S.STATUS_SUCCESS);
  const src = r.o0 as Open;
  if (src.closed) return finish(r, S.STATUS_FILE_CLOSED);
  const off = CC.chunkSourceOffset(input, i);
  const len = <u64>CC.chunkLength(input, i);
  if (off > CC.MAX_FILE_OFFSET || off + len > CC.MAX_FILE_OFFSET) return finish(r, STATUS_INVALID_VIEW_SIZE);
  const node = src.node;
  if (node !== null && ioConflicts(node, src, off, len, false)) return finish(r, S.STATUS_FILE_LOCK_CONFLICT);
  r.u1 = 0;
  return readMore(r, input);
}

/** Reads the rest of the current chunk into the buffer. */
function readMore(r: Request, input: usize): u32 {
  const src = r.o0 as Open;
  if (src.closed) return finish(r, S.STATUS_FILE_CLOSED);
  const i = r.n0;
  const done = bytesRead(r);
  r.step = STEP_READ;
  const st = ioRead(r, src, r.tmp + <usize>done, CC.chunkLength(input, i) - done, CC.chunkSourceOffset(input, i) + <u64>done);
  return st == S.STATUS_INTERNAL_WAIT ? st : finish(r, st);
}

function readDone(r: Request, input: usize): u32 {
  const res = r.ioResult;
  if (res < 0) return finish(r, errnoToStatus(res));
  // the source ends inside the chunk: nothing of it is written (as Windows)
  if (res == 0) return finish(r, STATUS_INVALID_VIEW_SIZE);
  const done = bytesRead(r) + <u32>res;
  r.u1 = <u64>done << 32;
  if (done < CC.chunkLength(input, r.n0)) return readMore(r, input);
  const target = CC.chunkTargetOffset(input, r.n0);
  if (target == CC.TARGET_END_OF_FILE) {
    const dst = r.open as Open;
    if (dst.closed) return finish(r, S.STATUS_FILE_CLOSED);
    r.step = STEP_FSTAT;
    const st = ioFstat(r, dst);
    return st == S.STATUS_INTERNAL_WAIT ? st : finish(r, st);
  }
  r.u2 = target;
  return writeMore(r, input);
}

/** TargetOffset was TARGET_END_OF_FILE: the destination's size is known now. */
function targetKnown(r: Request, input: usize): u32 {
  if (r.ioResult < 0) return finish(r, errnoToStatus(r.ioResult));
  const size = stSize(statArea(r));
  if (size > CC.MAX_FILE_OFFSET || size + <u64>CC.chunkLength(input, r.n0) > CC.MAX_FILE_OFFSET) return finish(r, S.STATUS_DISK_FULL);
  r.u2 = size;
  return writeMore(r, input);
}

/** Writes the rest of the current chunk from the buffer. */
function writeMore(r: Request, input: usize): u32 {
  const dst = r.open as Open;
  if (dst.closed) return finish(r, S.STATUS_FILE_CLOSED);
  const done = bytesWritten(r);
  const left = CC.chunkLength(input, r.n0) - done;
  const at = r.u2 + <u64>done;
  const node = dst.node;
  if (node !== null && ioConflicts(node, dst, at, <u64>left, true)) return finish(r, S.STATUS_FILE_LOCK_CONFLICT);
  r.step = STEP_WRITE;
  const st = ioWrite(r, dst, r.tmp + <usize>done, left, at);
  return st == S.STATUS_INTERNAL_WAIT ? st : finish(r, st);
}

function writeDone(r: Request, input: usize): u32 {
  const res = r.ioResult;
  if (res < 0) return finish(r, errnoToStatus(res));
  if (res == 0) return finish(r, S.STATUS_DISK_FULL); // no progress: never loop
  const len = CC.chunkLength(input, r.n0);
  const done = bytesWritten(r) + <u32>res;
  if (done > len) return finish(r, S.STATUS_INTERNAL_ERROR);
  r.u1 = (r.u1 & 0xffffffff_00000000) | <u64>done;
  r.u0 += <u64>res; // TotalBytesWritten counts partial chunks too
  if (done < len) return writeMore(r, input);
  r.u0 += <u64>1 << 32; // ChunksWritten
  r.n0++;
  return nextChunk(r, input);
}
