// The core's exports: the whole boundary the hosts use (described in assembly/abi/abi.wit).
// Every export is safe to call with any argument values: bad ids are ignored and logged.
import { connectionAllowed } from "../auth/share_acl";
import { peerAddress } from "../auth/host_rules";
import { throttleTimers } from "../auth/auth_throttle";
import { Conn, conns, newConnId } from "../smb2/conn";
import { rxBuf, rxCap, rxCommit, rxTimers } from "../smb2/framing";
import { now_ms } from "./imports";
import { endConn } from "../smb2/teardown";
import { runReady } from "../smb2/async";
import { oplockTimers } from "../oplock/state";
import { durableTimers } from "../fs/durable";
import { sqHead, sqCount, sqConsume, complete } from "../fs/io";
import { bufAlloc, bufFree, buffersInUse } from "../util/buffers";
import { heapAdmit, heapCollectWanted } from "../util/heap";
import { loadConfig, globalCfg, shares } from "../config";
import { setLogLevel, logError, logWarn } from "../util/log";
import { addUser, removeUser, clearUsers } from "../auth/userdb";
import { md4 } from "../crypto/md4";
import { setRpcServerInfo, RpcShare } from "../rpc/pipe";

const MAX_CONNECTIONS: i32 = 4096;

/** ABI version; hosts refuse a core whose version they do not know. */
export function abi_version(): i32 {
  return 1;
}

/** Allocates len bytes for the host to pass data in (config text, names). 0 = no memory. */
export function host_alloc(len: i32): usize {
  return len <= 0 ? 0 : bufAlloc(<usize>len);
}

/** Frees a host_alloc buffer. */
export function host_free(ptr: usize, len: i32): void {
  if (ptr != 0 && len > 0) bufFree(ptr, <usize>len);
}

/**
 * Loads the configuration (host-common/config.ts serializeForCore text, UTF-8).
 * Returns 0, or -1 if it is malformed (the reason is logged).
 */
export function init(cfgPtr: usize, cfgLen: i32): i32 {
  const text = String.UTF8.decodeUnsafe(cfgPtr, <usize>cfgLen);
  const err = loadConfig(text);
  if (err.length > 0) {
    logError("Cannot load configuration: " + err);
    return -1;
  }
  setLogLevel(globalCfg.logLevel <= 0 ? 1 : globalCfg.logLevel >= 3 ? 3 : 2);
  const list = new Array<RpcShare>(0);
  for (let i = 0; i < shares.length; i++) {
    const s = shares[i];
    if (s.isIpc) continue;
    list.push(new RpcShare(s.name, s.comment, 0, s.browseable));
  }
  setRpcServerInfo(globalCfg.netbiosName, globalCfg.serverString, list);
  return 0;
}

/** Adds or replaces a user: name (UTF-8) and its 16-byte NT hash. Returns 0 or -1. */
export function user_set(namePtr: usize, nameLen: i32, hashPtr: usize): i32 {
  const name = String.UTF8.decodeUnsafe(namePtr, <usize>nameLen);
  return addUser(name, hashPtr) ? 0 : -1;
}

/** Removes a user (UTF-8 name). */
export function user_delete(namePtr: usize, nameLen: i32): void {
  removeUser(String.UTF8.decodeUnsafe(namePtr, <usize>nameLen));
}

/** Removes every user, wiping their hashes. */
export function user_clear(): void {
  clearUsers();
}

/** NT hash (MD4 of the UTF-16LE password) for the user-management CLI. */
export function nt_hash(pwUtf16Ptr: usize, pwBytes: i32, out: usize): void {
  md4(pwUtf16Ptr, pwBytes, out);
}

/** A new connection from peer (UTF-8 "addr:port"). Returns its id, or 0 to refuse it. */
export function conn_open(peerPtr: usize, peerLen: i32): u32 {
  const peer = String.UTF8.decodeUnsafe(peerPtr, <usize>peerLen);
  const max = globalCfg.maxConnections > 0 && globalCfg.maxConnections < MAX_CONNECTIONS ? globalCfg.maxConnections : MAX_CONNECTIONS;
  if (conns.size >= max) {
    logWarn("Refusing connection from " + peer + ": " + max.toString() + " connections open (max connections)");
    return 0;
  }
  if (!connectionAllowed(peer)) {
    logWarn("Refusing connection from " + peer + ": not allowed by hosts allow / hosts deny");
    return 0;
  }
  const perIp = globalCfg.maxIpConnections;
  if (perIp > 0 && connectionsFrom(peer) >= perIp) {
    logWarn("Refusing connection from " + peer + ": " + perIp.toString() + " connections open from that address (max ip connections)");
    return 0;
  }
  if (!heapAdmit("connection", peer)) return 0;
  const c = new Conn(newConnId(), peer);
  if (!c.init()) {
    logWarn("Refusing connection from " + peer + ": out of memory");
    return 0;
  }
  c.openedMs = now_ms();
  conns.set(c.id, c);
  return c.id;
}

/** Live connections from the same client address as peer. */
function connectionsFrom(peer: string): i32 {
  const a = peerAddress(peer);
  const list = conns.values();
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const c = unchecked(list[i]);
    if (c.alive && peerAddress(c.peer) == a) n++;
  }
  return n;
}

/** The host closed the connection's socket (for any reason). */
export function conn_closed(id: u32): void {
  if (!conns.has(id)) return;
  endConn(conns.get(id));
  runReady();
}

/** Where to write received bytes for the connection (0 for an unknown id). */
export function rx_buf(id: u32): usize {
  if (!conns.has(id)) return 0;
  return rxBuf(conns.get(id));
}

/** How many received bytes the host may write now; 0 means stop reading. */
export function rx_cap(id: u32): u32 {
  if (!conns.has(id)) return 0;
  return rxCap(conns.get(id));
}

/** The host wrote n bytes at rx_buf. */
export function rx_commit(id: u32, n: u32): void {
  if (!conns.has(id)) return;
  rxCommit(conns.get(id), n);
  runReady();
}

/** Pointer to the first pending submission record (64 bytes each). */
export function sq_head(): usize {
  return sqHead();
}

/** Number of pending submission records. */
export function sq_count(): u32 {
  return sqCount();
}

/** The host took n records. */
export function sq_consume(n: u32): void {
  sqConsume(n);
}

/** Completion of a submitted operation: result >= 0, or -errno. */
export function io_done(reqId: u32, result: i32): void {
  if (!complete(reqId, result)) logWarn("Ignoring completion of unknown request " + reqId.toString());
  runReady();
}

/**
 * Timer tick (frame and handshake timeouts, oplock/lease break timeouts, durable handle
 * timeouts); returns the next
 * deadline in ms, or 0 for none.
 */
export function tick(nowMs: f64): f64 {
  let next: f64 = oplockTimers(nowMs);
  const dt = durableTimers(nowMs); // disconnected durable opens whose timeout passed close
  if (dt > 0 && (next == 0 || dt < next)) next = dt;
  const t = throttleTimers(nowMs);
  if (t > 0 && (next == 0 || t < next)) next = t;
  const list = conns.values();
  for (let i = 0; i < list.length; i++) {
    const d = rxTimers(unchecked(list[i]), nowMs);
    if (d > 0 && (next == 0 || d < next)) next = d;
  }
  runReady();
  return next;
}

/** Bytes of bulk buffers in use (tests check for leaks). */
export function buffers_in_use(): u32 {
  return <u32>buffersInUse();
}

/** 1 once an admission found the heap low (util/heap.ts): the host should __collect() now. */
export function heap_collect_wanted(): i32 {
  return heapCollectWanted() ? 1 : 0;
}

/** Number of live connections. */
export function conn_count(): i32 {
  return conns.size;
}
