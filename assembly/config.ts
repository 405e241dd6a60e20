// Server configuration as the core sees it: parsed from the normalised text that
// host-common/config.ts `serializeForCore` produces (one key=value per line, [global] and
// [share] sections). Paths never reach the core: shares are named by index.

export const DIALECT_202: u16 = 0x0202;
export const DIALECT_210: u16 = 0x0210;
export const DIALECT_300: u16 = 0x0300;
export const DIALECT_302: u16 = 0x0302;
export const DIALECT_311: u16 = 0x0311;
export const DIALECT_WILDCARD: u16 = 0x02ff;

import { HostRules, parseHostRules } from "./auth/host_rules";

export const SIGNING_AUTO: i32 = 0;
export const SIGNING_MANDATORY: i32 = 1;
export const SIGNING_DISABLED: i32 = 2;

// SMB3 encryption policy (global: sessions; per share: trees). DEFAULT = follow the global one.
export const ENCRYPT_DEFAULT: i32 = -1;
export const ENCRYPT_DISABLED: i32 = 0;
export const ENCRYPT_AUTO: i32 = 1;
export const ENCRYPT_DESIRED: i32 = 2;
export const ENCRYPT_MANDATORY: i32 = 3;

function parseEncryption(v: string): i32 {
  if (v == "disabled") return ENCRYPT_DISABLED;
  if (v == "desired") return ENCRYPT_DESIRED;
  if (v == "mandatory") return ENCRYPT_MANDATORY;
  if (v == "default") return ENCRYPT_DEFAULT;
  return ENCRYPT_AUTO;
}

export class ShareCfg {
  name: string = "";
  /** Upper-cased name for case-insensitive lookup. */
  key: string = "";
  comment: string = "";
  readOnly: bool = false;
  guestOk: bool = false;
  browseable: bool = true;
  /** Index the host uses to find the share's directory. */
  index: u32 = 0;
  isIpc: bool = false;
  /** Share-level encryption policy (ENCRYPT_*). */
  encryption: i32 = ENCRYPT_DEFAULT;
  /** Upper-cased user names; null = the list was not given (auth/share_acl.ts). */
  validUsers: Array<string> | null = null;
  invalidUsers: Array<string> | null = null;
  readList: Array<string> | null = null;
  writeList: Array<string> | null = null;
  hostsAllow: HostRules | null = null;
  hostsDeny: HostRules | null = null;
  /** Upper-cased * ? patterns (fs/veto.ts); null = none. */
  vetoFiles: Array<string> | null = null;
  hideFiles: Array<string> | null = null;
  hideDotFiles: bool = true;
}

export class GlobalCfg {
  netbiosName: string = "WASMSMB";
  workgroup: string = "WORKGROUP";
  serverString: string = "WASM SMB Server";
  signing: i32 = SIGNING_AUTO;
  minProtocol: u16 = DIALECT_202;
  maxProtocol: u16 = DIALECT_311;
  mapToGuest: bool = true;
  logLevel: i32 = 1;
  /** Most simultaneous connections; 0 = unlimited. */
  maxConnections: i32 = 0;
  /** Listen addresses (4 bytes IPv4 or 16 bytes IPv6 each), for FSCTL_QUERY_NETWORK_INTERFACE_INFO. */
  interfaces: Array<Uint8Array> = new Array<Uint8Array>(0);
  /** Session-level encryption policy (ENCRYPT_*, never DEFAULT). */
  encryption: i32 = ENCRYPT_AUTO;
  /** MS-SMB2 cipher ids offered, most preferred first. */
  ciphers: Array<u16> = [2, 1, 4, 3];
  /** Connections accepted from (hosts allow) / refused from (hosts deny); null = no list. */
  hostsAllow: HostRules | null = null;
  hostsDeny: HostRules | null = null;
  /** 0: anonymous as guests; 1: anonymous cannot enumerate shares; 2: no anonymous tree connects. */
  restrictAnonymous: i32 = 0;
  /** Most simultaneous connections from one client address; 0 = unlimited (`max ip connections`). */
  maxIpConnections: i32 = 0;
  /** Most opens one session may hold (`max open files`). */
  maxOpenFiles: i32 = 16384;
  /** Multichannel (`server multi channel support`): SMB2_GLOBAL_CAP_MULTI_CHANNEL and session binding. */
  multiChannel: bool = true;
  /** A connection with no opens and no traffic for this long is dropped; 0 = never (`deadtime`). */
  deadtimeMs: f64 = 0;
  /** A connection must have an authenticated session within this time (`handshake timeout`). */
  handshakeTimeoutMs: f64 = 60000;
  /** A frame must arrive completely within this time of its first byte (`frame timeout`). */
  frameTimeoutMs: f64 = 20000;
}

export let globalCfg = new GlobalCfg();
export let shares = new Array<ShareCfg>(0);

function parseBool(v: string): bool {
  return v == "1" || v == "yes" || v == "true";
}

function parseHex(v: string): u16 {
  let n: u32 = 0;
  for (let i = 0; i < v.length; i++) {
    const c = <u32>v.charCodeAt(i);
    let d: u32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else continue; // tolerate "0x"
    n = (n << 4) | d;
  }
  return <u16>n;
}

/** "7f000001,00000000000000000000000000000001": hex addresses, 8 or 32 digits each; null if malformed. */
function parseAddresses(v: string): Array<Uint8Array> | null {
  const out = new Array<Uint8Array>(0);
  if (v.length == 0) return out;
  const parts = v.split(",");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length != 8 && p.length != 32) return null;
    const a = new Uint8Array(p.length >> 1);
    for (let j = 0; j < p.length; j++) {
      const c = <u32>p.charCodeAt(j);
      let d: u32;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return null;
      a[j >> 1] = <u8>((j & 1) == 0 ? d << 4 : (<u32>a[j >> 1]) | d);
    }
    out.push(a);
  }
  return out;
}

/** "/*.EXE/secret?/" → ["*.EXE", "SECRET?"] (smb.conf's slash-separated pattern lists). */
function parsePatterns(v: string): Array<string> {
  const out = new Array<string>(0);
  const parts = v.split("/");
  for (let i = 0; i < parts.length; i++) if (parts[i].length > 0) out.push(parts[i].toUpperCase());
  return out;
}

/** "alice,bob" → ["ALICE", "BOB"] (names compare case-insensitively). */
function parseUsers(v: string): Array<string> {
  const out = new Array<string>(0);
  if (v.length == 0) return out;
  const parts = v.split(",");
  for (let i = 0; i < parts.length; i++) if (parts[i].length > 0) out.push(parts[i].toUpperCase());
  return out;
}

function parseInt32(v: string): i32 {
  let n: i32 = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Parses the normalised config text; returns an error message or "" on success. */
export function loadConfig(text: string): string {
  const g = new GlobalCfg();
  const list = new Array<ShareCfg>(0);
  let cur: ShareCfg | null = null;
  let inGlobal = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length == 0) continue;
    if (line == "[global]") { inGlobal = true; cur = null; continue; }
    if (line == "[share]") { inGlobal = false; cur = new ShareCfg(); list.push(cur); continue; }
    const eq = line.indexOf("=");
    if (eq < 0) return "config line " + (i + 1).toString() + " has no '='";
    const k = line.substring(0, eq);
    const v = line.substring(eq + 1);
    if (inGlobal) {
      if (k == "netbiosname") g.netbiosName = v;
      else if (k == "workgroup") g.workgroup = v;
      else if (k == "serverstring") g.serverString = v;
      else if (k == "signing") g.signing = v == "mandatory" ? SIGNING_MANDATORY : v == "disabled" ? SIGNING_DISABLED : SIGNING_AUTO;
      else if (k == "minprotocol") g.minProtocol = parseHex(v);
      else if (k == "maxprotocol") g.maxProtocol = parseHex(v);
      else if (k == "maptoguest") g.mapToGuest = parseBool(v);
      else if (k == "loglevel") g.logLevel = parseInt32(v);
      else if (k == "maxconnections") g.maxConnections = parseInt32(v);
      else if (k == "encryption") {
        g.encryption = parseEncryption(v);
        if (g.encryption == ENCRYPT_DEFAULT) g.encryption = ENCRYPT_AUTO;
      } else if (k == "hostsallow" || k == "hostsdeny") {
        const rules = v.length > 0 ? parseHostRules(v) : null;
        if (v.length > 0 && rules === null) return "bad " + k + " value " + v;
        if (k == "hostsallow") g.hostsAllow = rules;
        else g.hostsDeny = rules;
      } else if (k == "restrictanonymous") {
        g.restrictAnonymous = parseInt32(v);
      } else if (k == "maxipconnections") {
        g.maxIpConnections = parseInt32(v);
      } else if (k == "maxopenfiles") {
        g.maxOpenFiles = parseInt32(v);
      } else if (k == "multichannel") {
        g.multiChannel = v == "1";
      } else if (k == "deadtime") {
        g.deadtimeMs = <f64>parseInt32(v);
      } else if (k == "handshaketimeout") {
        g.handshakeTimeoutMs = <f64>parseInt32(v);
      } else if (k == "frametimeout") {
        g.frameTimeoutMs = <f64>parseInt32(v);
      } else if (k == "ciphers") {
        const list = new Array<u16>(0);
        const parts = v.split(",");
        for (let j = 0; j < parts.length; j++) {
          const id = parseInt32(parts[j]);
          if (id < 1 || id > 4) return "bad cipher id " + parts[j];
          list.push(<u16>id);
        }
        g.ciphers = list;
      }
      else if (k == "interfaces") {
        const a = parseAddresses(v);
        if (a === null) return "bad interfaces value " + v;
        g.interfaces = a;
      }
      else return "unknown global key " + k;
    } else if (cur !== null) {
      const s = cur;
      if (k == "name") { s.name = v; s.key = v.toUpperCase(); }
      else if (k == "comment") s.comment = v;
      else if (k == "readonly") s.readOnly = parseBool(v);
      else if (k == "guestok") s.guestOk = parseBool(v);
      else if (k == "browseable") s.browseable = parseBool(v);
      else if (k == "index") s.index = <u32>parseInt32(v);
      else if (k == "encryption") s.encryption = parseEncryption(v);
      else if (k == "validusers") s.validUsers = parseUsers(v);
      else if (k == "vetofiles") s.vetoFiles = parsePatterns(v);
      else if (k == "hidefiles") s.hideFiles = parsePatterns(v);
      else if (k == "hidedotfiles") s.hideDotFiles = parseBool(v);
      else if (k == "invalidusers") s.invalidUsers = parseUsers(v);
      else if (k == "readlist") s.readList = parseUsers(v);
      else if (k == "writelist") s.writeList = parseUsers(v);
      else if (k == "hostsallow" || k == "hostsdeny") {
        const rules = parseHostRules(v);
        if (rules === null) return "bad " + k + " value " + v;
        if (k == "hostsallow") s.hostsAllow = rules;
        else s.hostsDeny = rules;
      }
      else return "unknown share key " + k;
    } else {
      return "config line " + (i + 1).toString() + " outside a section";
    }
  }
  const ipc = new ShareCfg();
  ipc.name = "IPC$";
  ipc.key = "IPC$";
  ipc.comment = "IPC Service (" + g.serverString + ")";
  ipc.isIpc = true;
  ipc.guestOk = true;
  ipc.browseable = false;
  ipc.index = 0xffffffff;
  list.push(ipc);
  globalCfg = g;
  shares = list;
  return "";
}

/** Finds a share by name, case-insensitively. */
export function findShare(name: string): ShareCfg | null {
  const key = name.toUpperCase();
  for (let i = 0; i < shares.length; i++) {
    const s = unchecked(shares[i]);
    if (s.key == key) return s;
  }
  return null;
}
