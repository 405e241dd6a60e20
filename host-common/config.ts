// Parses the smb.conf / ksmbd.conf INI syntax into a typed Config: the key tables (names, synonyms,
// scopes), the value parsers and the parseConfig / defaultConfig entry points. The INI reader is in
// ini.ts, address helpers in address.ts, and serializeForCore (the text for the core) in config-serialize.ts.
import { dirname, isAbsolute, join } from "node:path";
import { type HostList, parseHostList, parseUserList } from "./access-config.ts";
import { parseAddressList } from "./address.ts";
import { ConfigError, hasControlChar, readIni, type Section, type Setting } from "./ini.ts";

export { addressBytes, isIpAddress, parseAddressList } from "./address.ts";
export { serializeForCore } from "./config-serialize.ts";
export { ConfigError, hasControlChar } from "./ini.ts";

/** An SMB2/3 dialect revision number (MS-SMB2 2.2.3). */
export type Dialect = 0x0202 | 0x0210 | 0x0300 | 0x0302 | 0x0311;

/** SMB3 encryption policy (smb.conf `server smb encrypt`, ksmbd.conf `smb3 encryption`). */
export type Encryption = "disabled" | "auto" | "desired" | "mandatory";

/** SMB3 ciphers by their smb.conf names, with their MS-SMB2 2.2.3.1.2 ids. */
export const CIPHERS: Record<string, number> = { "aes-128-ccm": 1, "aes-128-gcm": 2, "aes-256-ccm": 3, "aes-256-gcm": 4 };
const DEFAULT_CIPHERS = ["aes-128-gcm", "aes-128-ccm", "aes-256-gcm", "aes-256-ccm"];

/** Server-wide settings ([global] section). */
export interface GlobalConfig {
  serverString: string;
  netbiosName: string;
  workgroup: string;
  serverSigning: "auto" | "mandatory" | "disabled";
  minProtocol: Dialect;
  maxProtocol: Dialect;
  port: number;
  interfaces: string[];
  mapToGuest: "never" | "bad user";
  /** Most simultaneous client connections; 0 = unlimited (ksmbd's `max connections`). */
  maxConnections: number;
  logLevel: number;
  /** Session-level encryption: auto = when the client asks; desired/mandatory = every session that can. */
  encryption: Encryption;
  /** Ciphers offered, most preferred first (`server smb3 encryption algorithms`). */
  encryptionAlgorithms: string[];
  /** Connections from these addresses only / never (`hosts allow` / `hosts deny` in [global]). */
  hostsAllow?: HostList;
  hostsDeny?: HostList;
  /** 0 = anonymous sessions work as guests may; 1 = they cannot list shares; 2 = no tree connects. */
  restrictAnonymous: number;
  /** Most simultaneous connections from one client address; 0 = unlimited (ksmbd's `max ip connections`). */
  maxIpConnections: number;
  /** Most files one session may have open (`max open files`). */
  maxOpenFiles: number;
  /** Multichannel: SMB2_GLOBAL_CAP_MULTI_CHANNEL and session binding (`server multi channel support`). */
  multiChannel: boolean;
  /** Minutes after which a connection with no open files and no traffic is dropped; 0 = never. */
  deadtime: number;
  /** Seconds a new connection has to authenticate (`handshake timeout`). */
  handshakeTimeout: number;
  /** Seconds a frame may take to arrive once its first byte came (`frame timeout`). */
  frameTimeout: number;
}

/** One disk share (any section other than [global]). */
export interface ShareConfig {
  name: string;
  path: string;
  comment: string;
  readOnly: boolean;
  guestOk: boolean;
  browseable: boolean;
  available: boolean;
  /** Share-level encryption (`smb encrypt`); "default" follows the [global] value. */
  encryption: Encryption | "default";
  /** Only these users may connect (undefined = everyone); `invalid users` never may. */
  validUsers?: string[];
  invalidUsers?: string[];
  /** Users who get read-only / read-write access whatever `read only` says (write list wins). */
  readList?: string[];
  writeList?: string[];
  hostsAllow?: HostList;
  hostsDeny?: HostList;
  /** `veto files` / `hide files`: slash-separated * ? patterns (e.g. "/*.tmp/.DS_Store/"). */
  vetoFiles?: string[];
  hideFiles?: string[];
  /** Dot files are reported HIDDEN (default yes, as Samba). */
  hideDotFiles?: boolean;
}

/** A parsed configuration; `warnings` holds non-fatal problems (unknown keys, ignored keys). */
export interface Config {
  global: GlobalConfig;
  shares: ShareConfig[];
  warnings: string[];
}

const DIALECTS: Record<string, Dialect> = {
  smb2_02: 0x0202, smb2_10: 0x0210, smb3_00: 0x0300, smb3_02: 0x0302, smb3_11: 0x0311,
};
const SMB1_NAMES = ["core", "coreplus", "lanman1", "lanman2", "nt1"];

/** Global settings used when nothing else is given. */
function defaultGlobal(): GlobalConfig {
  return {
    serverString: "WASM SMB Server", netbiosName: "WASMSMB", workgroup: "WORKGROUP",
    serverSigning: "auto", minProtocol: 0x0202, maxProtocol: 0x0311, port: 4445,
    interfaces: ["127.0.0.1"], mapToGuest: "bad user",
    maxConnections: 0, logLevel: 0, encryption: "auto", encryptionAlgorithms: [...DEFAULT_CIPHERS],
    restrictAnonymous: 0, maxIpConnections: 0, maxOpenFiles: 16384, multiChannel: true, deadtime: 0, handshakeTimeout: 60, frameTimeout: 20,
  };
}

/** The configuration without a config file: one guest-writable share "share" at sharePath on 127.0.0.1:4445. */
export function defaultConfig(sharePath: string): Config {
  const share: ShareConfig = {
    name: "share", path: sharePath, comment: "Share", readOnly: false, guestOk: true,
    browseable: true, available: true, encryption: "default",
  };
  return { global: defaultGlobal(), shares: [share], warnings: [] };
}

type Scope = "global" | "share";
interface KeyInfo { display: string; canonical: string; scope: Scope; inverted: boolean }

const GLOBAL_KEYS = ["server string", "netbios name", "workgroup", "server signing", "server min protocol",
  "server max protocol", "tcp port", "interfaces", "map to guest", "max connections", "log level",
  "server smb3 encryption algorithms", "restrict anonymous", "max ip connections", "max open files", "deadtime",
  "handshake timeout", "frame timeout", "server multi channel support"];
const SHARE_KEYS = ["path", "comment", "read only", "guest ok", "browseable", "available", "server smb encrypt",
  "valid users", "invalid users", "read list", "write list", "hosts allow", "hosts deny", "veto files", "hide files",
  "hide dot files"];
/** synonym → [canonical key, value is inverted] */
const SYNONYMS: Record<string, [string, boolean]> = {
  "smb ports": ["tcp port", false], writeable: ["read only", true], writable: ["read only", true],
  "write ok": ["read only", true], public: ["guest ok", false], browsable: ["browseable", false],
  "smb encrypt": ["server smb encrypt", false], "smb3 encryption": ["server smb encrypt", false],
  "allow hosts": ["hosts allow", false], "deny hosts": ["hosts deny", false],
};

/** Key names compare case-insensitively, ignoring spaces and underscores. */
function normKey(k: string): string {
  return k.toLowerCase().replace(/[\s_]+/g, "");
}

const KEYS = new Map<string, KeyInfo>();
for (const k of GLOBAL_KEYS) KEYS.set(normKey(k), { display: k, canonical: k, scope: "global", inverted: false });
for (const k of SHARE_KEYS) KEYS.set(normKey(k), { display: k, canonical: k, scope: "share", inverted: false });
for (const [k, [canonical, inverted]] of Object.entries(SYNONYMS)) {
  const scope = (KEYS.get(normKey(canonical)) as KeyInfo).scope;
  KEYS.set(normKey(k), { display: k, canonical, scope, inverted });
}

/** Optimal-string-alignment edit distance (a transposition counts as one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  }
  return d[a.length][b.length];
}

/** The known key nearest to `key` (preferring keys of `scope`), or undefined if none is close. */
function suggestKey(key: string, scope: Scope): string | undefined {
  const n = normKey(key);
  const limit = n.length <= 4 ? 1 : n.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [norm, info] of KEYS) {
    const score = editDistance(n, norm) + (info.scope === scope ? 0 : 0.5);
    if (score < bestScore && score <= limit) [best, bestScore] = [info.display, score];
  }
  return best;
}

/** Parses smb.conf / ksmbd.conf text; throws ConfigError on a bad value, collects warnings for unknown keys. */
export function parseConfig(text: string, fileName: string): Config {
  const warnings: string[] = [];
  const { globalSec, shares } = readIni(text, fileName, (cur, isGlobal, key, value, line) => {
    const info = KEYS.get(normKey(key));
    const where = isGlobal ? "[global]" : `[${cur.name}]`;
    if (!info) {
      const hint = suggestKey(key, isGlobal ? "global" : "share");
      warnings.push(`${fileName}:${line}: unknown key "${key}" in ${where}${hint ? ` — did you mean "${hint}"?` : ""}`);
      return;
    }
    if (info.scope === "global" && !isGlobal) {
      warnings.push(`${fileName}:${line}: "${key}" is a [global] key; ignored in ${where}`);
      return;
    }
    if (info.canonical === "path" && isGlobal) {
      warnings.push(`${fileName}:${line}: "path" belongs in a share section; ignored in [global]`);
      return;
    }
    const prev = cur.settings.get(info.canonical);
    if (prev) warnings.push(`${fileName}:${line}: "${key}" overrides "${prev.key}" set on line ${prev.line} in ${where}`);
    cur.settings.set(info.canonical, { value, line, key, inverted: info.inverted });
  });
  const global = buildGlobal(globalSec.settings, fileName, warnings);
  const built = shares.map((s) => buildShare(s, globalSec.settings, fileName, warnings));
  return { global, shares: built, warnings };
}

/** Parses a boolean value (yes/no/true/false/1/0/on/off), applying a synonym's inversion. */
function parseBool(s: Setting, file: string): boolean {
  const v = s.value.toLowerCase();
  let b: boolean;
  if (["yes", "true", "1", "on"].includes(v)) b = true;
  else if (["no", "false", "0", "off"].includes(v)) b = false;
  else throw badValue(s, file, "expected yes/no");
  return s.inverted ? !b : b;
}

function badValue(s: Setting, file: string, expected: string): ConfigError {
  return new ConfigError(file, s.line, `bad value "${s.value}" for "${s.key}": ${expected}`, s.key);
}

/** A decimal number (fractions allowed) from min to max. */
function parseDecimal(s: Setting, file: string, min: number, max: number): number {
  const n = /^\d+(\.\d+)?$/.test(s.value) ? Number(s.value) : Number.NaN;
  if (!(n >= min && n <= max)) throw badValue(s, file, `expected a number from ${min} to ${max}`);
  return n;
}

function parseInt10(s: Setting, file: string, text: string, min: number, max: number): number {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw badValue(s, file, `expected a whole number from ${min} to ${max}`);
  return n;
}


/** NetBIOS names: 1..15 printable ASCII characters, none of \ / : * ? " < > | ; upper-cased. */
function parseNetbios(s: Setting, file: string): string {
  if (!/^[\x21-\x7e]{1,15}$/.test(s.value) || /[\\/:*?"<>|]/.test(s.value)) {
    throw badValue(s, file, "expected 1 to 15 letters, digits or punctuation other than \\ / : * ? \" < > |");
  }
  return s.value.toUpperCase();
}

function parseProtocol(s: Setting, file: string, which: "min" | "max", warnings: string[]): Dialect {
  const v = s.value.toLowerCase();
  if (v === "smb2") return which === "min" ? 0x0202 : 0x0210;
  if (v === "smb3") return which === "min" ? 0x0300 : 0x0311;
  const d = DIALECTS[v];
  if (d !== undefined) return d;
  if (which === "min" && SMB1_NAMES.includes(v)) {
    warnings.push(`${file}:${s.line}: SMB1 (${s.value}) is not supported; "${s.key}" treated as SMB2_02`);
    return 0x0202;
  }
  throw badValue(s, file, "expected SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11, SMB2 or SMB3");
}

function buildGlobal(set: Map<string, Setting>, file: string, warnings: string[]): GlobalConfig {
  const g = defaultGlobal();
  const get = (k: string) => set.get(k);
  const on = (k: string, apply: (s: Setting) => void) => {
    const s = get(k);
    if (s) apply(s);
  };
  on("server string", (s) => { g.serverString = s.value; });
  on("netbios name", (s) => { g.netbiosName = parseNetbios(s, file); });
  on("workgroup", (s) => { g.workgroup = parseNetbios(s, file); });
  on("server signing", (s) => {
    const v = s.value.toLowerCase();
    if (v === "auto" || v === "default" || v === "if_required") g.serverSigning = "auto";
    else if (v === "mandatory" || v === "required") g.serverSigning = "mandatory";
    else if (v === "disabled") g.serverSigning = "disabled";
    else throw badValue(s, file, "expected auto, mandatory or disabled");
  });
  const min = get("server min protocol");
  const max = get("server max protocol");
  if (min) g.minProtocol = parseProtocol(min, file, "min", warnings);
  if (max) g.maxProtocol = parseProtocol(max, file, "max", warnings);
  if (g.minProtocol > g.maxProtocol) {
    const at = (min?.line ?? 0) > (max?.line ?? 0) ? (min as Setting) : (max as Setting);
    throw new ConfigError(file, at.line,
      `"server min protocol" (0x${g.minProtocol.toString(16).padStart(4, "0")}) is above "server max protocol" (0x${g.maxProtocol.toString(16).padStart(4, "0")})`,
      at.key);
  }
  on("tcp port", (s) => {
    const ports = s.value.split(/[\s,]+/).filter((p) => p !== "");
    if (ports.length === 0) throw badValue(s, file, "expected a port number from 1 to 65535");
    const nums = ports.map((p) => parseInt10(s, file, p, 1, 65535));
    g.port = nums[0];
  });
  on("interfaces", (s) => {
    const list = parseAddressList(s.value);
    if (!list) throw badValue(s, file, "expected IP addresses separated by spaces or commas (interface names are not supported)");
    g.interfaces = list;
  });
  on("map to guest", (s) => {
    const v = s.value.toLowerCase().replace(/[\s_]+/g, " ");
    if (v === "never" || v === "bad user") g.mapToGuest = v;
    else throw badValue(s, file, "expected never or bad user");
  });
  on("max connections", (s) => { g.maxConnections = parseInt10(s, file, s.value, 0, 0x7fffffff); });
  on("server smb encrypt", (s) => {
    const v = parseEncryption(s, file);
    g.encryption = v === "default" ? "auto" : v;
  });
  on("server smb3 encryption algorithms", (s) => {
    const names = s.value.toLowerCase().split(/[\s,]+/).filter((n) => n !== "");
    const list = names.includes("default") ? [...DEFAULT_CIPHERS] : [];
    for (const n of names) {
      if (n === "default") continue;
      if (!(n in CIPHERS)) throw badValue(s, file, "expected aes-128-gcm, aes-128-ccm, aes-256-gcm, aes-256-ccm or default");
      if (!list.includes(n)) list.push(n);
    }
    if (list.length === 0) throw badValue(s, file, "expected at least one cipher");
    g.encryptionAlgorithms = list;
  });
  on("hosts allow", (s) => { g.hostsAllow = hostList(s, file); });
  on("hosts deny", (s) => { g.hostsDeny = hostList(s, file); });
  on("restrict anonymous", (s) => { g.restrictAnonymous = parseInt10(s, file, s.value, 0, 2); });
  on("max ip connections", (s) => { g.maxIpConnections = parseInt10(s, file, s.value, 0, 0x7fffffff); });
  on("max open files", (s) => { g.maxOpenFiles = parseInt10(s, file, s.value, 1, 0x7fffffff); });
  on("deadtime", (s) => { g.deadtime = parseDecimal(s, file, 0, 100000); });
  on("server multi channel support", (s) => { g.multiChannel = parseBool(s, file); });
  on("handshake timeout", (s) => { g.handshakeTimeout = parseDecimal(s, file, 0.1, 3600); });
  on("frame timeout", (s) => { g.frameTimeout = parseDecimal(s, file, 0.1, 3600); });
  on("log level", (s) => {
    const [level, ...classes] = s.value.split(/\s+/);
    g.logLevel = parseInt10(s, file, level, 0, 10);
    if (classes.length > 0) warnings.push(`${file}:${s.line}: debug classes in "${s.key}" are not supported; ignored`);
  });
  return g;
}

/** The object without its undefined properties (optional settings that were not given). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function hostList(s: Setting, file: string): HostList {
  try {
    return parseHostList(s.value);
  } catch (e) {
    throw badValue(s, file, (e as Error).message);
  }
}

/** smb.conf encryption values (Samba's and ksmbd's spellings) → the policy. */
function parseEncryption(s: Setting, file: string): Encryption | "default" {
  const v = s.value.toLowerCase();
  if (v === "default") return "default";
  if (["disabled", "off", "no", "false"].includes(v)) return "disabled";
  if (["auto", "if_required", "enabled"].includes(v)) return "auto";
  if (v === "desired") return "desired";
  if (["mandatory", "required", "forced", "yes", "true", "on"].includes(v)) return "mandatory";
  throw badValue(s, file, "expected disabled, auto (if_required), desired or mandatory (required)");
}

/** Resolves a share's settings over the [global] share defaults. */
function buildShare(sec: Section, defaults: Map<string, Setting>, file: string, warnings: string[]): ShareConfig {
  const get = (k: string) => sec.settings.get(k) ?? defaults.get(k);
  const users = (k: string): string[] | undefined => {
    const s = get(k);
    if (!s) return undefined;
    try {
      return parseUserList(s.value, (m) => warnings.push(`${file}:${s.line}: "${s.key}" of [${sec.name}]: ${m}`));
    } catch (e) {
      throw badValue(s, file, (e as Error).message);
    }
  };
  const patterns = (k: string): string[] | undefined => {
    const s = get(k);
    if (!s) return undefined;
    const list = s.value.split("/").map((p) => p.trim()).filter((p) => p !== "");
    if (list.some((p) => hasControlChar(p))) throw badValue(s, file, "expected /pattern/pattern/ with * and ?");
    return list;
  };
  const hosts = (k: string): HostList | undefined => {
    const s = get(k);
    return s ? hostList(s, file) : undefined;
  };
  const bool = (k: string, dflt: boolean) => {
    const s = get(k);
    return s ? parseBool(s, file) : dflt;
  };
  const p = sec.settings.get("path");
  if (!p || p.value === "") throw new ConfigError(file, p?.line ?? sec.line, `share [${sec.name}] has no "path"`, "path");
  const path = isAbsolute(p.value) ? p.value : join(dirname(file), p.value);
  // In [global] the value sets the session policy, which shares follow unless they override it.
  const enc = sec.settings.get("server smb encrypt");
  return {
    name: sec.name, path, comment: get("comment")?.value ?? "",
    readOnly: bool("read only", true), guestOk: bool("guest ok", false),
    browseable: bool("browseable", true), available: bool("available", true),
    encryption: enc ? parseEncryption(enc, file) : "default",
    ...defined({
      validUsers: users("valid users"), invalidUsers: users("invalid users"),
      readList: users("read list"), writeList: users("write list"),
      hostsAllow: hosts("hosts allow"), hostsDeny: hosts("hosts deny"),
      vetoFiles: patterns("veto files"), hideFiles: patterns("hide files"),
      hideDotFiles: get("hide dot files") ? bool("hide dot files", true) : undefined,
    }),
  };
}
