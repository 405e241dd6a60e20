// MS-SMB2 3.3.5.2 receiving a message: chain walking (3.3.5.2.7 compounding), credits,
// session/tree lookup, signature checks, the per-command handler table, and sending.
import * as H from "./header";
import * as S from "./status";
import { Conn } from "./conn";
import { Request, getRequest, putRequest, setResume, MAX_COMPOUND } from "./request";
import { Session, Tree, SESSION_VALID, SESSION_EXPIRED } from "./session";
import { endSession } from "./teardown";
import { relatedCheckIds, relatedCheckFile, relatedUpdate } from "./related";
import { STATUS_INTERNAL_ASYNC, setAsyncResume } from "./async";
import { submit, OP_CLOSE } from "../fs/io";
import { validateRequest, COMMAND_FLAGS, V_NEEDS_SESSION, V_NEEDS_TREE } from "./validate";
import { signResponse } from "./signing";
import { lookupSession, checkSignature } from "./session_check";
import { preauthUpdate } from "./preauth";
import { encryptFrame, canEncrypt, sessionRequiresEncryption, TRANSFORM_HEADER_SIZE } from "./encryption";
import { sendBuffer, disconnect } from "./transport";
import { align8 } from "../util/bytes";
import { bufFree } from "../util/buffers";
import { logWarn, logDebug, logEnabled, LOG_DEBUG } from "../util/log";
import { HANDLERS } from "./commands/table";
import { heapAdmit } from "../util/heap";

/** Most asynchronous operations (pending locks, notifies, breaks) one connection may have. */
export const MAX_ASYNC_PER_CONN: i32 = 512;

/**
 * Called for each complete SMB2 frame (without the 4-byte direct-TCP header), which starts
 * `skip` bytes into the buffer: after the transform header of a message that came encrypted
 * for session es (already decrypted in place). Takes ownership of the buffer.
 */
export function onSmb2Frame(c: Conn, buf: usize, bufSize: u32, skip: u32, es: Session | null): void {
  const r = getRequest();
  if (r === null) {
    bufFree(buf, bufSize);
    disconnect(c, "out of memory for a request");
    return;
  }
  r.conn = c;
  r.frameAlloc = buf;
  r.frameAllocSize = bufSize;
  r.frame = buf + <usize>skip;
  r.frameSize = bufSize - skip;
  r.encSession = es;
  r.cur = 0;
  r.index = 0;
  r.respLen = 4;
  r.rhOff = 4;
  r.related = false;
  r.rel.reset();
  r.hashResponse = 0;
  c.inFlight++;
  runChain(r, false);
}

function resume(r: Request): void {
  runChain(r, true);
}
setResume(resume);
setAsyncResume(resume);

/** Drops a request whose connection went away while it waited. */
function dropRequest(r: Request): void {
  const c = r.conn;
  if (c === null) return;
  c.inFlight--;
  if (r.async && c.asyncOps.has(r.asyncId)) c.asyncOps.delete(r.asyncId);
  putRequest(r);
}

/**
 * After host I/O: is everything the handler relies on still there? A session logged off, a
 * tree disconnected or a connection lost meanwhile fails the command (and a host handle the
 * operation just opened is closed, so nothing leaks).
 */
function stillValid(r: Request, c: Conn): u32 {
  let st = S.STATUS_SUCCESS;
  const s = r.session;
  const t = r.tree;
  if (!c.alive) st = S.STATUS_USER_SESSION_DELETED;
  else if (s !== null && r.command != H.SMB2_SESSION_SETUP && (s.state == SESSION_EXPIRED || !c.sessions.has(s.id))) st = S.STATUS_USER_SESSION_DELETED;
  else if (s !== null && t !== null && !s.trees.has(t.id)) st = S.STATUS_NETWORK_NAME_DELETED;
  if (st != S.STATUS_SUCCESS) closeOpenedHandle(r);
  r.ioOpensHandle = false;
  return st;
}

/** A host handle the request's last operation opened is nobody's (the request ends): close it. */
function closeOpenedHandle(r: Request): void {
  const opened = r.ioOpensHandle;
  r.ioOpensHandle = false;
  if (opened && r.ioResult > 0) submit(OP_CLOSE, null, 0, <u32>r.ioResult, 0, 0, 0, 0, 0, 0, 0);
}

function runChain(r: Request, resuming: bool): void {
  const c = r.conn as Conn;
  while (true) {
    let st: u32;
    if (resuming) {
      resuming = false;
      if (r.async && r.asyncDone) {
        // the wait ended with a final status (granted, or cancelled by CANCEL/close/tdis/logoff)
        if (r.waiting) return; // its host I/O is still in flight: the completion comes back here
        if (!c.alive || r.asyncResult != S.STATUS_SUCCESS) closeOpenedHandle(r);
        if (!c.alive) {
          dropRequest(r);
          return;
        }
        st = r.asyncResult != S.STATUS_SUCCESS ? r.asyncResult : callHandler(r);
      } else {
        st = stillValid(r, c);
        if (!c.alive) {
          dropRequest(r);
          return;
        }
        if (st == S.STATUS_SUCCESS) st = callHandler(r);
      }
    } else {
      if (!c.alive) {
        dropRequest(r);
        return;
      }
      const err = beginCommand(r, c);
      if (err.length > 0) {
        disconnect(c, "Cannot process request: " + err);
        dropRequest(r);
        return;
      }
      st = checkAndRun(r, c);
    }
    if (st == S.STATUS_INTERNAL_WAIT) {
      r.waiting = true;
      return;
    }
    if (st == STATUS_INTERNAL_ASYNC && !r.async && (c.asyncOps.size >= MAX_ASYNC_PER_CONN || !heapAdmit("pending operation", c.peer))) {
      // too many pending operations: this one fails instead of waiting (MS-SMB2 3.3.4.2)
      const w = r.waitingOn;
      if (w !== null) w.remove(r);
      r.watch = null;
      logWarn("Refused to queue request " + H.MessageId(r.hdr).toString() + " from " + c.peer + ": " + MAX_ASYNC_PER_CONN.toString() + " operations already pending");
      st = S.STATUS_INSUFFICIENT_RESOURCES;
    }
    if (st == STATUS_INTERNAL_ASYNC) {
      if (!r.async) sendInterim(r, c);
      return; // stays on its wait list until woken
    }
    endCommand(r, c, st);
    if (H.NextCommand(r.hdr) == 0) {
      sendResponse(r, c);
      return;
    }
    r.cur += H.NextCommand(r.hdr);
    r.index++;
  }
}

/** Sets up the current command of the chain; returns a reason to disconnect, or "". */
function beginCommand(r: Request, c: Conn): string {
  const remaining = r.frameSize - r.cur;
  if (remaining < 64) return "command at offset " + r.cur.toString() + " is shorter than the 64-byte header";
  const h = r.frame + <usize>r.cur;
  if (H.ProtocolId(h) != H.SMB2_PROTOCOL_ID) return "bad ProtocolId in a compound element";
  if (H.StructureSize(h) != 64) return "header StructureSize " + H.StructureSize(h).toString() + " is not 64";
  const next = H.NextCommand(h);
  if (next != 0 && ((next & 7) != 0 || next < 64 || next > remaining)) {
    return "NextCommand " + next.toString() + " is unaligned or past the frame";
  }
  if (r.index >= MAX_COMPOUND) return "compound chain longer than " + MAX_COMPOUND.toString();
  r.hdr = h;
  r.cmdLen = next != 0 ? next : remaining;
  r.body = h + 64;
  r.bodyLen = r.cmdLen - 64;
  r.command = H.Command(h);
  r.step = 0;
  r.outLen = 0;
  r.bodyReady = false;
  r.open = null;
  const flags = H.Flags(h);
  if ((flags & H.SMB2_FLAGS_SERVER_TO_REDIR) != 0) return "request has SERVER_TO_REDIR set";
  r.related = (flags & H.SMB2_FLAGS_RELATED_OPERATIONS) != 0;
  // MS-SMB2 3.3.5.2.6: an unknown command terminates the connection (no response)
  if (r.command >= H.SMB2_COMMAND_COUNT) return "unknown command 0x" + r.command.toString(16);
  // 3.3.5.2.2: nothing but NEGOTIATE before the dialect is negotiated
  if (!c.negotiated && r.command != H.SMB2_NEGOTIATE) return "command " + r.command.toString() + " before NEGOTIATE";
  if (r.command != H.SMB2_CANCEL) {
    let charge = H.CreditCharge(h);
    if (!c.supportsMultiCredit) charge = 1;
    if (!c.credits.consume(H.MessageId(h), charge)) {
      return "MessageId " + H.MessageId(h).toString() + " (charge " + charge.toString() + ") is outside the credit window";
    }
    // Response header slot, 8-aligned after the previous response of the chain.
    if (r.index > 0 && r.respLen > r.rhOff) {
      const prev = r.rhOff;
      r.respLen = 4 + align8(r.respLen - 4);
      r.rhOff = r.respLen;
      if (!r.reserve(64)) return "out of memory for a response";
      H.setNextCommand(r.resp + <usize>prev, r.rhOff - prev);
    } else {
      r.rhOff = r.respLen;
    }
    if (!r.reserve(64)) return "out of memory for a response";
  }
  return "";
}

function checkAndRun(r: Request, c: Conn): u32 {
  const cmd = r.command;
  r.session = null;
  r.tree = null;
  r.requestSigned = false;
  const why = validateRequest(r.hdr, r.cmdLen);
  if (why.length > 0) {
    logDebug("Invalid request " + cmd.toString() + ": " + why);
    return S.STATUS_INVALID_PARAMETER;
  }
  if (cmd == H.SMB2_NEGOTIATE && (H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) != 0) return S.STATUS_INVALID_PARAMETER;
  const flags = unchecked(COMMAND_FLAGS[cmd]);
  const pre = relatedCheckIds(r, (flags & V_NEEDS_SESSION) != 0, (flags & V_NEEDS_TREE) != 0);
  if (pre != 0) return pre;
  if ((flags & V_NEEDS_SESSION) != 0) {
    const st = lookupSession(r, c);
    if (st != S.STATUS_SUCCESS) return st;
    const sg = checkSignature(r, r.session as Session);
    if (sg != S.STATUS_SUCCESS) return sg;
    if (r.encSession !== null && r.encSession !== r.session) {
      // sealed with one session's key, the command must not act as another session
      logWarn("Refused request " + H.MessageId(r.hdr).toString() + " from " + c.peer + ": encrypted for another session than it names");
      return S.STATUS_ACCESS_DENIED;
    }
    if (r.encSession === null && sessionRequiresEncryption(r.session as Session)) {
      // 3.3.5.2.9: a session that encrypts refuses unencrypted requests
      logWarn("Refused unencrypted request " + H.MessageId(r.hdr).toString() + " from " + c.peer + " on a session that requires encryption");
      return S.STATUS_ACCESS_DENIED;
    }
  } else if (cmd == H.SMB2_ECHO || cmd == H.SMB2_CANCEL) {
    // ECHO and CANCEL may come with or without a session; verify a signature if present.
    const sid = H.SessionId(r.hdr);
    if (sid != 0 && c.sessions.has(sid)) {
      const s = c.sessions.get(sid);
      if (r.encSession !== null && r.encSession !== s) return S.STATUS_ACCESS_DENIED;
      if (s.state == SESSION_VALID && (H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) != 0) {
        const sg = checkSignature(r, s);
        if (sg != S.STATUS_SUCCESS) return sg;
        r.session = s;
      }
    }
  }
  if ((flags & V_NEEDS_TREE) != 0) {
    const s = r.session as Session;
    const tid = r.related ? r.rel.treeId : H.TreeId(r.hdr);
    if (!s.trees.has(tid)) return S.STATUS_NETWORK_NAME_DELETED;
    const t = s.trees.get(tid);
    if (r.encSession === null && t.encryptData) {
      // 3.3.5.2.11: a share that encrypts refuses unencrypted requests
      logWarn("Refused unencrypted request " + H.MessageId(r.hdr).toString() + " from " + c.peer + " on share " + t.share.name + ", which requires encryption");
      return S.STATUS_ACCESS_DENIED;
    }
    r.tree = t;
  }
  const fileCheck = relatedCheckFile(r);
  if (fileCheck != 0) return fileCheck;
  return callHandler(r);
}

@inline function callHandler(r: Request): u32 {
  return unchecked(HANDLERS[r.command])(r);
}

function endCommand(r: Request, c: Conn, st: u32): void {
  const cmd = r.command;
  if (cmd == H.SMB2_CANCEL) return; // no response (MS-SMB2 3.3.5.16)
  const isError = st != S.STATUS_SUCCESS && !r.bodyReady;
  if (isError) {
    // MS-SMB2 2.2.2 ERROR response
    if (!r.reserve(9)) { st = S.STATUS_INSUFFICIENT_RESOURCES; }
    const o = r.out;
    store<u16>(o, 9);
    store<u16>(o, 0, 2);
    store<u32>(o, 0, 4);
    store<u8>(o, 0, 8);
    r.outLen = 9;
  }
  const rh = r.rh;
  H.writeResponseHeader(rh, r.hdr, st);
  if (r.session !== null) H.setSessionId(rh, (r.session as Session).id);
  if (r.tree !== null) H.setTreeId(rh, (r.tree as Tree).id);
  else if (r.related) H.setTreeId(rh, r.rel.treeId);
  if (r.async) {
    // final response of an async operation: credits were granted with the interim response
    H.setFlags(rh, H.Flags(rh) | H.SMB2_FLAGS_ASYNC_COMMAND);
    H.setAsyncId(rh, r.asyncId);
    H.setCredit(rh, 0);
    if (c.asyncOps.has(r.asyncId)) c.asyncOps.delete(r.asyncId);
  } else {
    const granted = c.credits.grant(H.Credit(r.hdr), c.supportsMultiCredit ? H.CreditCharge(r.hdr) : 1);
    H.setCredit(rh, granted);
  }
  relatedUpdate(r, st);
  r.respLen = r.rhOff + 64 + r.outLen;
  // Sign when the session requires it or the client signed the request (3.3.4.1.1).
  let signer: Session | null = null;
  const s = r.session;
  if (s !== null && s.hasKeys && (s.signingRequired || r.requestSigned || r.forceSign)) signer = s;
  // a session that is gone has no key; SESSION_SETUP errors signed with a live session's key stay signed
  // (a valid session of another connection named by a signed request signs its USER_SESSION_DELETED: lookupSession)
  const liveOther = st == S.STATUS_USER_SESSION_DELETED && signer !== null && (signer as Session).state == SESSION_VALID;
  if ((st == S.STATUS_USER_SESSION_DELETED || st == S.STATUS_NETWORK_SESSION_EXPIRED) && cmd != H.SMB2_SESSION_SETUP && !liveOther) signer = null;
  unchecked((r.respOffs[r.index] = r.rhOff));
  unchecked((r.signWith[r.index] = signer));
  unchecked((r.signMain[r.index] = r.signMainKey));
  r.forceSign = false;
  r.signMainKey = false;
  if (logEnabled(LOG_DEBUG)) logDebug("cmd " + cmd.toString() + " mid " + H.MessageId(r.hdr).toString() + " -> 0x" + st.toString(16));
}

function sendResponse(r: Request, c: Conn): void {
  // a compounded response pads its last element to 8 bytes too, as Windows does (smbtorture
  // smb2.compound.compound-padding: 16-byte READ body + 3 bytes → 24); a single one is not padded
  if (r.index > 0 && r.respLen > r.rhOff) {
    const padded = <u32>(4 + align8(r.respLen - 4));
    if (padded > r.respLen && <usize>padded <= r.respCap) { // reserve() keeps 8 bytes of room for this
      memory.fill(r.resp + <usize>r.respLen, 0, <usize>(padded - r.respLen));
      r.respLen = padded;
    }
  }
  flushResponses(r, c);
  dropRequest(r);
}

/**
 * MS-SMB2 3.3.4.2: the interim response of a command going asynchronous, sent at once with
 * the responses before it in the chain; the final response later goes out on its own.
 */
function sendInterim(r: Request, c: Conn): void {
  const id = c.nextAsyncId++;
  if (!r.reserve(9)) {
    disconnect(c, "out of memory for an interim response");
    return;
  }
  const o = r.out;
  store<u16>(o, 9);
  store<u16>(o, 0, 2);
  store<u32>(o, 0, 4);
  store<u8>(o, 0, 8);
  r.outLen = 9;
  const rh = r.rh;
  H.writeResponseHeader(rh, r.hdr, S.STATUS_PENDING);
  H.setFlags(rh, H.Flags(rh) | H.SMB2_FLAGS_ASYNC_COMMAND);
  H.setAsyncId(rh, id);
  if (r.session !== null) H.setSessionId(rh, (r.session as Session).id);
  H.setCredit(rh, c.credits.grant(H.Credit(r.hdr), c.supportsMultiCredit ? H.CreditCharge(r.hdr) : 1));
  r.respLen = r.rhOff + 64 + 9;
  unchecked((r.respOffs[r.index] = r.rhOff));
  unchecked((r.signWith[r.index] = null)); // interim responses are not signed (3.3.4.1.1)
  flushResponses(r, c);
  r.async = true;
  r.asyncId = id;
  c.asyncOps.set(id, r);
  // the final response is a chain of one
  r.index = 0;
  r.respLen = 4;
  r.rhOff = 4;
  r.hashResponse = 0;
}

/** Signs (or encrypts) and sends the responses built so far in r.resp (which then belongs to the connection). */
function flushResponses(r: Request, c: Conn): void {
  const last = r.index;
  if (r.respLen <= 4 || (last == 0 && r.command == H.SMB2_CANCEL)) return;
  const resp = r.resp;
  store<u32>(resp, bswap<u32>(r.respLen - 4));
  const es = r.encSession;
  let n = 0;
  for (let i = 0; i <= last; i++) {
    const s = unchecked(r.signWith[i]);
    const off = unchecked(r.respOffs[i]);
    if (off == 0) continue;
    n++;
    if (s === null || es !== null) continue; // an encrypted message is not signed (3.1.4.1)
    const end = i < last && unchecked(r.respOffs[i + 1]) != 0 ? unchecked(r.respOffs[i + 1]) : r.respLen;
    signResponse(resp + <usize>off, end - off, s, c, unchecked(r.signMain[i]));
  }
  if (r.hashResponse != 0) {
    preauthUpdate(r.hashResponse, resp + 4, r.respLen - 4);
    r.hashResponse = 0;
  }
  for (let i = 0; i <= last; i++) unchecked((r.respOffs[i] = 0));
  // LOGOFF: the session ends once its response is on its way (signed or encrypted with its keys)
  const ending = r.endSessionAfter;
  r.endSessionAfter = null;
  if (n > 0) sendFlushed(r, c, es);
  if (ending !== null) endSession(ending);
}

/** Hands the built response frame to the connection, encrypted for es when es is set. */
function sendFlushed(r: Request, c: Conn, es: Session | null): void {
  const resp = r.resp;
  if (es !== null && canEncrypt(es)) {
    const enc = encryptFrame(es, resp, r.respLen);
    if (enc == 0) {
      disconnect(c, "out of memory for an encrypted response");
      return;
    }
    const size = r.respLen + TRANSFORM_HEADER_SIZE;
    sendBuffer(c, enc, <usize>size, size);
    r.respLen = 4; // resp stays with the request and is reused
    return;
  }
  if (es !== null) {
    disconnect(c, "the session of an encrypted request lost its keys");
    return;
  }
  sendBuffer(c, resp, r.respCap, r.respLen);
  r.resp = 0;
  r.respCap = 0;
  r.respLen = 4;
}
