// MS-SMB2 3.3.1.8 Session and 3.3.1.9 TreeConnect state, and the global session table.
import { bufAlloc, bufFree } from "../util/buffers";
import { wipe } from "../util/bytes";
import { random_fill } from "../abi/imports";
import { ShareCfg } from "../config";
import { GCM_CTX_SIZE } from "../crypto/gcm";
import { SessionAuth } from "../auth/spnego";
import { Conn } from "./conn";
import { Token } from "../fs/token";
import { freeCiphers } from "./encryption";
import { Channel } from "./channel";

export const SESSION_IN_PROGRESS: i32 = 0;
export const SESSION_VALID: i32 = 1;
export const SESSION_EXPIRED: i32 = 2;

// Layout of Session.keys (all secrets in one block, wiped on dispose)
export const KEY_SESSION: usize = 0; // 16 (NTLM ExportedSessionKey)
export const KEY_SIGNING: usize = 16; // 16
export const KEY_APPLICATION: usize = 32; // 16
export const KEY_ENCRYPTION: usize = 48; // 32 (server → client)
export const KEY_DECRYPTION: usize = 80; // 32 (client → server)
export const KEY_CRYPTO_CTX: usize = 112; // signing-algorithm context (AES schedule etc.)
export const KEYS_SIZE: usize = 112 + <usize>GCM_CTX_SIZE;

export class Tree {
  id: u32;
  share: ShareCfg;
  session: Session;
  maximalAccess: u32;
  readOnly: bool;
  /** Requests on this tree must come encrypted (TreeConnect.Share.EncryptData, 3.3.5.7). */
  encryptData: bool = false;

  constructor(id: u32, share: ShareCfg, session: Session, readOnly: bool) {
    this.id = id;
    this.share = share;
    this.session = session;
    this.readOnly = readOnly;
    this.maximalAccess = readOnly ? 0x001200a9 : 0x001f01ff;
  }
}

export class Session {
  id: u64;
  conn: Conn;
  /** Dialect and signing algorithm of the connection that created the session (Session.SigningKey's). */
  dialect: u16;
  signingAlgorithm: u16;
  state: i32 = SESSION_IN_PROGRESS;
  isGuest: bool = false;
  isAnonymous: bool = false;
  userName: string = "";
  domain: string = "";
  /**
   * Who the session is, for PreviousSessionId (MS-SMB2 3.3.5.5.3): the upper-cased name of the
   * user-table entry it authenticated as; "" for guest and anonymous sessions (never matched).
   */
  userKey: string = "";
  /** Responses must be signed and requests verified (MS-SMB2 3.3.1.8 SigningRequired). */
  signingRequired: bool = false;
  /** Keys derived (at least the signing key is valid). */
  hasKeys: bool = false;
  /** Requests must come encrypted and responses go encrypted (MS-SMB2 3.3.1.8 EncryptData). */
  encryptData: bool = false;
  /** Encryption and decryption contexts (smb2/encryption.ts), 0 until keys exist. */
  cipherCtx: usize = 0;
  /** Nonce of the last encrypted message: counter and a random per-session prefix. */
  nonceCounter: u64 = 0;
  noncePrefix: u32 = 0;
  keys: usize = 0;
  /** 64-byte preauth integrity hash of this session's setup exchange (3.1.1). */
  preauthHash: usize = 0;
  /** Authentication exchange in progress; null when done. */
  auth: SessionAuth | null = null;
  trees: Map<u32, Tree> = new Map<u32, Tree>();
  nextTreeId: u32 = 1;
  openCount: i32 = 0;
  /** Who the session acts as in access checks (fs/token.ts); set when it becomes valid. */
  token: Token | null = null;
  /**
   * Connections the session is reachable over (3.3.1.8 Session.ChannelList), the first one
   * created it; Session.conn is one of them that is alive (dialect, cipher, where breaks go).
   */
  channels: Array<Channel> = new Array<Channel>(0);
  /** Bindings in progress (SMB2_SESSION_FLAG_BINDING, commands/session_bind.ts), one per connection. */
  binds: Array<Channel> = new Array<Channel>(0);

  constructor(id: u64, conn: Conn) {
    this.id = id;
    this.conn = conn;
    this.dialect = conn.dialect;
    this.signingAlgorithm = conn.signingAlgorithm;
  }

  init(): bool {
    this.keys = bufAlloc(KEYS_SIZE);
    this.preauthHash = bufAlloc(64);
    if (this.keys == 0 || this.preauthHash == 0) {
      this.dispose();
      return false;
    }
    memory.fill(this.keys, 0, KEYS_SIZE);
    memory.fill(this.preauthHash, 0, 64);
    return true;
  }

  /** Wipes and frees every secret the session holds. Safe to call twice. */
  dispose(): void {
    const a = this.auth;
    if (a !== null) {
      a.dispose();
      this.auth = null;
    }
    if (this.keys != 0) {
      wipe(this.keys, <i32>KEYS_SIZE);
      bufFree(this.keys, KEYS_SIZE);
      this.keys = 0;
    }
    if (this.preauthHash != 0) {
      wipe(this.preauthHash, 64);
      bufFree(this.preauthHash, 64);
      this.preauthHash = 0;
    }
    freeCiphers(this);
    for (let i = 0; i < this.channels.length; i++) unchecked(this.channels[i]).dispose();
    for (let i = 0; i < this.binds.length; i++) unchecked(this.binds[i]).dispose();
    this.channels.length = 0;
    this.binds.length = 0;
    this.hasKeys = false;
    this.state = SESSION_EXPIRED;
  }
}

export const sessions = new Map<u64, Session>();

/**
 * A new, unused session id: random (not guessable across clients), never 0 or -1 (reserved,
 * MS-SMB2 3.3.5.5.1), and below 2^32 like Samba's, since some clients (smbtorture's
 * smb2.session-id) keep the id in 32 bits. Returns 0 when no free id was found.
 */
export function newSessionId(): u64 {
  const p = memory.data(8);
  for (let i = 0; i < 16; i++) {
    random_fill(p, 4);
    const id = <u64>load<u32>(p);
    if (id != 0 && id != 0xffff_ffff && !sessions.has(id)) return id;
  }
  return 0;
}
