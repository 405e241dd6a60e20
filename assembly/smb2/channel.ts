// MS-SMB2 3.3.1.14 Channel (multichannel): each connection a session is reachable over, with
// the signing key of that connection (3.3.5.5.3 Channel.SigningKey). The connection that
// created the session is its first channel and signs with the session's key; a connection
// bound later (SMB2_SESSION_FLAG_BINDING, commands/session_bind.ts) has its own key, derived
// from the binding's authentication. A channel being bound keeps its exchange here too.
import { bufAlloc, bufFree } from "../util/buffers";
import { wipe } from "../util/bytes";
import { GCM_CTX_SIZE } from "../crypto/gcm";
import { SessionAuth } from "../auth/spnego";
import { Conn } from "./conn";
import { Session, KEY_SIGNING, KEY_CRYPTO_CTX } from "./session";

/** Most connections one session may be bound to (Samba's limit as well). */
export const MAX_CHANNELS: i32 = 32;

/** Layout of Channel.own: signing key (16), signing-algorithm context, 3.1.1 preauth hash (64). */
const OWN_KEY: usize = 0;
const OWN_CTX: usize = 16;
const OWN_PREAUTH: usize = 16 + <usize>GCM_CTX_SIZE;
const OWN_SIZE: usize = OWN_PREAUTH + 64;

export class Channel {
  conn: Conn;
  /** 16-byte signing key and its algorithm context (GMAC): the session's, or own. */
  key: usize = 0;
  ctx: usize = 0;
  /** Secrets of a bound channel (OWN_SIZE bytes), 0 for the session's first channel. */
  own: usize = 0;
  /** Binding in progress: its authentication; null once bound. */
  auth: SessionAuth | null = null;

  constructor(conn: Conn) {
    this.conn = conn;
  }

  /** Preauth integrity hash of the binding exchange (3.1.1), in own. */
  @inline preauthHash(): usize {
    return this.own + OWN_PREAUTH;
  }

  /** Wipes and frees what the channel owns. Safe to call twice. */
  dispose(): void {
    const a = this.auth;
    if (a !== null) {
      a.dispose();
      this.auth = null;
    }
    if (this.own != 0) {
      wipe(this.own, <i32>OWN_SIZE);
      bufFree(this.own, OWN_SIZE);
      this.own = 0;
    }
    this.key = 0;
    this.ctx = 0;
  }
}

/** The session's first channel: its creating connection, signing with the session's key. */
export function firstChannel(s: Session, c: Conn): Channel {
  const ch = new Channel(c);
  ch.key = s.keys + KEY_SIGNING;
  ch.ctx = s.keys + KEY_CRYPTO_CTX;
  return ch;
}

/** A channel being bound over c, with its own key block; null when memory is short. */
export function bindingChannel(c: Conn): Channel | null {
  const ch = new Channel(c);
  ch.own = bufAlloc(OWN_SIZE);
  if (ch.own == 0) return null;
  memory.fill(ch.own, 0, OWN_SIZE);
  ch.key = ch.own + OWN_KEY;
  ch.ctx = ch.own + OWN_CTX;
  return ch;
}

/** The channel of s over c, or null when c is not (yet) bound to s. */
export function channelOf(s: Session, c: Conn): Channel | null {
  return channelIn(s.channels, c);
}

/** The entry of list (channels or bindings in progress) over c, or null. */
export function channelIn(list: Array<Channel>, c: Conn): Channel | null {
  for (let i = 0; i < list.length; i++) {
    const ch = unchecked(list[i]);
    if (ch.conn === c) return ch;
  }
  return null;
}

/** Removes (and wipes) the channels over c from list. */
export function removeChannels(list: Array<Channel>, c: Conn): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const ch = unchecked(list[i]);
    if (ch.conn !== c) continue;
    ch.dispose();
    list.splice(i, 1);
  }
}

/**
 * Removes c's channel from s and wipes it. The session then lives on over another channel
 * (which becomes Session.conn); returns false when none is left.
 */
export function dropChannel(s: Session, c: Conn): bool {
  const list = s.channels;
  removeChannels(list, c);
  for (let i = 0; i < list.length; i++) {
    const ch = unchecked(list[i]);
    if (ch.conn.alive) {
      s.conn = ch.conn;
      return true;
    }
  }
  return false;
}
