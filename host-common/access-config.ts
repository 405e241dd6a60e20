// smb.conf access-control values: `hosts allow` / `hosts deny` address lists (with EXCEPT) and
// the user lists of `valid users`, `invalid users`, `read list` and `write list`, checked here
// and normalised for the core (assembly/auth/share_acl.ts), which enforces them.
import { addressBytes, isIpAddress } from "./address.ts";

/** One host rule: a network (16-byte address, IPv4 as ::ffff:a.b.c.d, and prefix length). */
export interface HostNet {
  addr: Uint8Array;
  prefix: number;
}

/** A `hosts allow`/`hosts deny` list: networks that match, minus those after EXCEPT. */
export interface HostList {
  match: HostNet[];
  except: HostNet[];
}

const ALL: HostNet = { addr: new Uint8Array(16), prefix: 0 };

function mapped(v4: Uint8Array): Uint8Array {
  const a = new Uint8Array(16);
  a[10] = 0xff;
  a[11] = 0xff;
  a.set(v4, 12);
  return a;
}

function v4Prefix(mask: string): number | null {
  const b = addressBytes(mask);
  if (b === null || b.length !== 4) return null;
  const bits = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const n = 32 - Math.log2((~bits >>> 0) + 1);
  return Number.isInteger(n) ? n : null; // contiguous masks only
}

/**
 * One entry: `ALL`, `localhost`, an IPv4 or IPv6 address, `net/len`, `net/mask` (IPv4), or an
 * IPv4 prefix with a trailing dot (`192.168.1.`). Host names are not resolved: null.
 */
export function parseHostEntry(e: string): HostNet[] | null {
  const t = e.trim();
  const lower = t.toLowerCase();
  if (lower === "all") return [ALL];
  if (lower === "localhost") return [{ addr: mapped(Uint8Array.of(127, 0, 0, 0)), prefix: 104 }, { addr: addressBytes("::1") as Uint8Array, prefix: 128 }];
  if (/^\d{1,3}(\.\d{1,3}){0,2}\.$/.test(t)) {
    const parts = t.slice(0, -1).split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    const v4 = new Uint8Array(4);
    v4.set(parts);
    return [{ addr: mapped(v4), prefix: 96 + 8 * parts.length }];
  }
  const slash = t.indexOf("/");
  const host = slash >= 0 ? t.slice(0, slash) : t;
  if (!isIpAddress(host)) return null;
  const b = addressBytes(host) as Uint8Array;
  const v4 = b.length === 4;
  let prefix = v4 ? 32 : 128;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (/^\d{1,3}$/.test(p)) prefix = Number(p);
    else if (v4) {
      const m = v4Prefix(p);
      if (m === null) return null;
      prefix = m;
    } else return null;
    if (prefix > (v4 ? 32 : 128)) return null;
  }
  return [{ addr: v4 ? mapped(b) : b, prefix: v4 ? prefix + 96 : prefix }];
}

/** Parses a hosts list (entries separated by spaces or commas, optionally `... EXCEPT ...`). */
export function parseHostList(value: string): HostList {
  const words = value.split(/[\s,]+/).filter((w) => w !== "");
  const out: HostList = { match: [], except: [] };
  let dst = out.match;
  for (const w of words) {
    if (w.toUpperCase() === "EXCEPT") {
      if (dst === out.except) throw new Error("EXCEPT may appear only once");
      dst = out.except;
      continue;
    }
    const nets = parseHostEntry(w);
    if (nets === null) {
      throw new Error(`"${w}" is not an address, network (a.b.c.d/len, a.b.c.d/mask, a.b.c.) or ALL (host names are not resolved)`);
    }
    dst.push(...nets);
  }
  return out;
}

const hex = (a: Uint8Array) => Array.from(a, (x) => x.toString(16).padStart(2, "0")).join("");

/** Core form: `net/len;net/len|net/len` (32 hex digits per address; the EXCEPT part after `|`). */
export function serializeHostList(l: HostList | undefined): string {
  if (!l || l.match.length === 0) return "";
  const nets = (ns: HostNet[]) => ns.map((n) => `${hex(n.addr)}/${n.prefix}`).join(";");
  return l.except.length > 0 ? `${nets(l.match)}|${nets(l.except)}` : nets(l.match);
}

/**
 * A user list: names separated by commas or spaces (quotes allow spaces). Group entries
 * (@name, +name, &name) need groups, which this server does not have: they match nobody and
 * produce a warning.
 */
export function parseUserList(value: string, warn: (msg: string) => void): string[] {
  const names: string[] = [];
  const re = /"([^"]*)"|([^\s,]+)/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const name = m[1] ?? m[2];
    if (name === "") continue;
    if (/^[@+&]/.test(name)) {
      warn(`group "${name}" matches nobody (this server has no groups)`);
      continue;
    }
    if (/[,|\\\x00-\x1f]/.test(name)) throw new Error(`user name "${name}" contains a character not allowed in user names`);
    names.push(name);
  }
  return names;
}
