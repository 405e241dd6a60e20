// Durable opens (MS-SMB2 3.3.1.10 Open.IsDurable, 3.3.7.1 and 3.3.5.6 preserving opens of a lost
// connection or an ended session, 3.3.2.2 Durable Open Scavenger Timer, 3.3.4.6/3.3.4.7 a break
// that reaches a disconnected open closes it): the table of disconnected opens and its timers.
//
// Ownership (ksmbd review finding 6, a double release in the durable cleanup path): an open
// belongs to exactly one owner at a time: its session while connected, this table while
// disconnected, and again a session once reconnected. Every transition takes the open out of its
// current owner first, and only the owner may close it: release() closes an open only if it
// takes it out of the table itself, so a timeout, a purge and a reconnect racing for the same
// open close or re-attach it once; an open closed by any other path leaves the table as it is
// detached (forgetOpen), so nothing can release or reconnect it afterwards.
import { Open } from "./open";
import { detachAndDelete } from "./handles";
import { dropWatch } from "./notify";
import { Session, Tree, SESSION_EXPIRED } from "../smb2/session";
import { Conn } from "../smb2/conn";
import { cancelPendingOf } from "../smb2/async";
import { Lease } from "../oplock/state";
import { SMB2_OPLOCK_LEVEL_BATCH, SMB2_LEASE_HANDLE_CACHING } from "../oplock/table";
import { now_ms } from "../abi/imports";
import { logDebug, logEnabled, LOG_DEBUG } from "../util/log";

/** Open.DurableOpenTimeout of v1 handles and of v2 handles asking for 0 (Windows: 60 s). */
export const DURABLE_DEFAULT_TIMEOUT_MS: u32 = 60000;
/** The longest timeout a v2 handle is granted (MS-SMB2 3.3.5.9.10; Windows and Samba: 300 s). */
export const DURABLE_MAX_TIMEOUT_MS: u32 = 300000;
/** At most this many disconnected opens are kept; beyond, a lost open is closed (memory bound). */
export const MAX_DISCONNECTED: i32 = 4096;

/** The durable state of an open (MS-SMB2 3.3.1.10 IsDurable, CreateGuid, DurableOwner...). */
export class Durable {
  /**
   * Open.IsDurable. False for a DH2Q open that was not granted durability (no batch oplock or
   * handle lease): it only keeps its CreateGuid for replay detection.
   */
  isDurable: bool = true;
  /** Granted through SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 (else v1). */
  v2: bool = false;
  /** Open.CreateGuid (v2; zero for v1 opens). */
  createGuid0: u64 = 0;
  createGuid1: u64 = 0;
  /** Open.ClientGuid (hex, as oplock/breaks.ts guidKey) of the client that made it. */
  clientGuid: string = "";
  /** Open.DurableOwner: the user SID (string form) allowed to reconnect. */
  owner: string = "";
  /** Open.DurableOpenTimeout (ms). */
  timeoutMs: u32 = DURABLE_DEFAULT_TIMEOUT_MS;
  /** Open.IsReplayEligible: a v2 open no other request has used yet (3.3.5.9.10). */
  replayEligible: bool = false;
  /** CreateAction of the CREATE that made it (a replay of that CREATE answers it again). */
  createAction: u32 = 0;
  /** The CREATE that granted it still has to send the DHnQ/DH2Q response context. */
  respond: bool = false;
  /** In the table of disconnected opens (no session, tree or connection of its own). */
  disconnected: bool = false;
  /** Open.DurableOpenScavengerTimeout (ms since the epoch), while disconnected. */
  deadline: f64 = 0;
}

/** The timeout a v2 request for `requested` ms is granted (0: the default; capped). */
export function grantedTimeout(requested: u32): u32 {
  if (requested == 0) return DURABLE_DEFAULT_TIMEOUT_MS;
  return requested > DURABLE_MAX_TIMEOUT_MS ? DURABLE_MAX_TIMEOUT_MS : requested;
}

// Disconnected opens by FileId.Persistent (the GlobalOpenTable entries without a session).
const table = new Map<u64, Open>();
const purgeQueue = new Array<Open>(0);
let releasedCount: u32 = 0;
let limboSession: Session | null = null;

/**
 * The session disconnected opens point to: it belongs to no connection that can send (alive is
 * false), so breaks and responses never go anywhere, and it is in no session table.
 */
function limbo(): Session {
  let s = limboSession;
  if (s === null) {
    const c = new Conn(0, "(disconnected)");
    c.alive = false;
    c.closing = true;
    s = new Session(0, c);
    s.state = SESSION_EXPIRED;
    limboSession = s;
  }
  return s;
}

/** Is o a disconnected durable open? */
export function isDisconnected(o: Open): bool {
  const d = o.durable;
  return d !== null && d.disconnected;
}

/**
 * MS-SMB2 3.3.7.1: is o to be preserved when its session ends? A durable open holding a batch
 * oplock, or a lease with handle caching, that is not breaking.
 */
export function preservable(o: Open): bool {
  const d = o.durable;
  if (d === null || !d.isDurable || d.disconnected || o.closed || o.pipe !== null) return false;
  if (o.oplockLevel == SMB2_OPLOCK_LEVEL_BATCH) return !o.oplockBreaking;
  const L = o.lease;
  return L !== null && !L.breaking && (L.state & SMB2_LEASE_HANDLE_CACHING) != 0;
}

/**
 * The session of o ends (lost connection, LOGOFF, a reconnect naming it as PreviousSessionId):
 * a preservable open leaves its session for the table, keeping its host handle, share mode,
 * byte-range locks and oplock or lease until a reconnect or its timeout. Returns false when it
 * is not preserved: the caller closes it.
 */
export function preserve(o: Open): bool {
  if (!preservable(o) || table.size >= MAX_DISCONNECTED || table.has(o.persistentId)) return false;
  const d = o.durable as Durable;
  cancelPendingOf(o.session, o, null, null); // requests waiting on it end with its session
  if (o.isDir) dropWatch(o);
  const old = o.tree;
  const ls = limbo();
  o.session.openCount--;
  ls.openCount++;
  o.session = ls;
  o.tree = new Tree(0, old.share, ls, old.readOnly);
  d.disconnected = true;
  d.deadline = now_ms() + <f64>d.timeoutMs;
  table.set(o.persistentId, o);
  if (logEnabled(LOG_DEBUG)) logDebug("Durable open " + o.persistentId.toString(16) + " (" + o.path + ") kept for " + d.timeoutMs.toString() + " ms");
  return true;
}

/** The disconnected open whose FileId.Persistent is `id`, or null. */
export function findDisconnected(id: u64): Open | null {
  return table.has(id) ? table.get(id) : null;
}

/**
 * Reconnect (MS-SMB2 3.3.5.9.7/3.3.5.9.12): takes o out of the table and attaches it to session s
 * and tree t, FileId unchanged. False when o is not (or no longer) in the table.
 */
export function reattach(o: Open, s: Session, t: Tree): bool {
  if (!take(o)) return false;
  o.session.openCount--;
  s.openCount++;
  o.session = s;
  o.tree = t;
  return true;
}

/** Takes o out of the table if it is there; true when this call took it (it owns o now). */
function take(o: Open): bool {
  const id = o.persistentId;
  if (!table.has(id) || table.get(id) !== o) return false;
  table.delete(id);
  (o.durable as Durable).disconnected = false;
  return true;
}

/** Closes a disconnected open through the normal close path, if it is still in the table. */
function release(o: Open): void {
  if (!take(o)) return;
  releasedCount++;
  if (logEnabled(LOG_DEBUG)) logDebug("Durable open " + o.persistentId.toString(16) + " (" + o.path + ") closed");
  detachAndDelete(o);
}

/**
 * A break would reach open o (MS-SMB2 3.3.4.6): if it is disconnected it is closed instead, once
 * the current walk over its file's opens is done (flushPurges). True when o was disconnected.
 */
export function purgeInsteadOfBreak(o: Open): bool {
  if (!isDisconnected(o)) return false;
  if (purgeQueue.indexOf(o) < 0) purgeQueue.push(o);
  return true;
}

/**
 * A break would reach lease L (MS-SMB2 3.3.4.7): when every open of L is disconnected they are
 * closed instead (after the walk: flushPurges). True when so (no break is to be sent).
 */
export function purgeLeaseInsteadOfBreak(L: Lease): bool {
  const list = L.opens;
  if (list.length == 0) return false;
  for (let i = 0; i < list.length; i++) if (!isDisconnected(unchecked(list[i]))) return false;
  for (let i = 0; i < list.length; i++) purgeInsteadOfBreak(unchecked(list[i]));
  return true;
}

/** Closes the opens purgeInsteadOfBreak queued (each once; re-entrant calls share the queue). */
export function flushPurges(): void {
  while (purgeQueue.length > 0) release(purgeQueue.pop());
}

/**
 * Durable Open Scavenger Timer (MS-SMB2 3.3.2.2): closes the disconnected opens whose timeout
 * passed. Returns the next deadline (ms), 0 when none.
 */
export function durableTimers(now: f64): f64 {
  if (table.size == 0) return 0;
  let next: f64 = 0;
  const list = table.values();
  for (let i = 0; i < list.length; i++) {
    const o = unchecked(list[i]);
    const d = o.durable as Durable;
    if (d.deadline <= now) release(o);
    else if (next == 0 || d.deadline < next) next = d.deadline;
  }
  return next;
}

/** Number of disconnected opens kept. */
export function disconnectedCount(): i32 {
  return table.size;
}

/** Number of disconnected opens closed from the table so far (tests: each exactly once). */
export function releasedTotal(): u32 {
  return releasedCount;
}

// Durable v2 opens by ClientGuid and CreateGuid (3.3.5.9.10 replay detection); an open leaves
// when it is closed (forgetOpen) or re-registered.
const byCreateGuid = new Map<string, Open>();

function guidMapKey(clientGuid: string, g0: u64, g1: u64): string {
  return clientGuid + ":" + g0.toString(16) + ":" + g1.toString(16);
}

/** Records durable v2 open o under its ClientGuid and CreateGuid. */
export function registerCreateGuid(o: Open): void {
  const d = o.durable;
  if (d === null || !d.v2 || (d.createGuid0 == 0 && d.createGuid1 == 0)) return;
  byCreateGuid.set(guidMapKey(d.clientGuid, d.createGuid0, d.createGuid1), o);
}

/** The durable v2 open of client `clientGuid` with CreateGuid (g0, g1), connected or not, or null. */
export function findByCreateGuid(clientGuid: string, g0: u64, g1: u64): Open | null {
  const k = guidMapKey(clientGuid, g0, g1);
  if (!byCreateGuid.has(k)) return null;
  const o = byCreateGuid.get(k);
  return o.closed ? null : o;
}

/**
 * Open o is being closed (fs/handles.ts detachOpen, once per open), whoever closes it: it leaves
 * the table of disconnected opens (a closed open is never found, reconnected or released) and
 * the CreateGuid index.
 */
export function forgetOpen(o: Open): void {
  const d = o.durable;
  if (d === null) return;
  take(o);
  if (!d.v2) return;
  const k = guidMapKey(d.clientGuid, d.createGuid0, d.createGuid1);
  if (byCreateGuid.has(k) && byCreateGuid.get(k) === o) byCreateGuid.delete(k);
}

/** Entries of the CreateGuid index (tests: closed opens leave it). */
export function createGuidCount(): i32 {
  return byCreateGuid.size;
}
