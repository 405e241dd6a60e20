// MS-SMB2 3.3.5.15.5 / 2.2.32.3 server-side copy resume keys: a 24-byte opaque key naming an
// open, unguessable and valid only within the session that asked for it (3.3.5.15.6 looks it up).
import { hmacSha256 } from "../crypto/hmac";
import { random_fill } from "../abi/imports";
import { ctEqual, wipe } from "../util/bytes";
import { Open, opens } from "./open";
import { Session } from "../smb2/session";

export const RESUME_KEY_SIZE: i32 = 24;
const TAG_SIZE: i32 = 16;

// Key layout: VolatileId (8) | HMAC-SHA256(secret, VolatileId | PersistentId | SessionId)[0..16).
// Nothing is stored per open: the key is recomputed and compared when it comes back.
const secret = memory.data(32);
let secretReady = false;
const mac = memory.data(32);
const msg = memory.data(24);

function ensureSecret(): void {
  if (secretReady) return;
  random_fill(secret, 32);
  secretReady = true;
}

/** The 16-byte tag for (volatileId, persistentId, sessionId), at `mac`. */
function tag(volatileId: u64, persistentId: u64, sessionId: u64): void {
  ensureSecret();
  store<u64>(msg, volatileId, 0);
  store<u64>(msg, persistentId, 8);
  store<u64>(msg, sessionId, 16);
  hmacSha256(secret, 32, msg, 24, mac);
}

/** Writes the 24-byte resume key for an open with these ids (pure; see resumeKeyFor). */
export function makeResumeKey(out: usize, volatileId: u64, persistentId: u64, sessionId: u64): void {
  tag(volatileId, persistentId, sessionId);
  store<u64>(out, volatileId);
  memory.copy(out + 8, mac, <usize>TAG_SIZE);
  wipe(mac, 32);
}

/** Does the key at p name (volatileId, persistentId, sessionId)? Constant-time tag check. */
export function resumeKeyMatches(p: usize, volatileId: u64, persistentId: u64, sessionId: u64): bool {
  if (load<u64>(p) != volatileId) return false;
  tag(volatileId, persistentId, sessionId);
  const ok = ctEqual(p + 8, mac, TAG_SIZE);
  wipe(mac, 32);
  return ok;
}

/** The VolatileId a key claims to name (unverified). */
@inline export function resumeKeyVolatileId(p: usize): u64 {
  return load<u64>(p);
}

/** Writes the resume key of open o (FSCTL_SRV_REQUEST_RESUME_KEY). */
export function resumeKeyFor(out: usize, o: Open): void {
  makeResumeKey(out, o.volatileId, o.persistentId, o.session.id);
}

/**
 * The open a key names, if it is still open and belongs to session s; null otherwise
 * (STATUS_OBJECT_NAME_NOT_FOUND). Keys of other sessions are unknown here.
 */
export function openByResumeKey(p: usize, s: Session): Open | null {
  const vol = resumeKeyVolatileId(p);
  if (!opens.has(vol)) return null;
  const o = opens.get(vol);
  if (o.closed || o.session !== s) return null;
  return resumeKeyMatches(p, o.volatileId, o.persistentId, s.id) ? o : null;
}
