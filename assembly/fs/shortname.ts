// 8.3 short names (MS-FSCC 2.1.5.2.1; FileAlternateNameInformation, the ShortName of directory
// listings, and opening a file by its short name). A name that is already valid 8.3 is its own
// short name (upper-cased); any other name gets a deterministic one: up to 4 legal characters
// of its base, "~", 3 base-36 digits of a hash of the whole upper-cased name, and up to 3
// characters of its extension — e.g. "Quarterly report.docx" → "QUAR~7K2.DOC". The hosts
// compute the same function (host-common/short-names.ts) to resolve short names; the unit
// test checks both agree.

/** Characters a DOS 8.3 name may hold besides letters and digits. */
const EXTRA = "!#$%&'()-@^_`{}~";

function legal(c: i32): bool {
  if (c >= 0x41 && c <= 0x5a) return true; // A-Z
  if (c >= 0x61 && c <= 0x7a) return true; // a-z
  if (c >= 0x30 && c <= 0x39) return true; // 0-9
  return EXTRA.indexOf(String.fromCharCode(c)) >= 0;
}

/** The name is a valid 8.3 name (base 1–8, extension 0–3 legal characters, one dot at most). */
export function isValid83(name: string): bool {
  if (name == "." || name == "..") return true;
  const dot = name.lastIndexOf(".");
  const base = dot < 0 ? name : name.substring(0, dot);
  const ext = dot < 0 ? "" : name.substring(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length == 0)) return false;
  for (let i = 0; i < base.length; i++) if (!legal(base.charCodeAt(i))) return false;
  for (let i = 0; i < ext.length; i++) if (!legal(ext.charCodeAt(i))) return false;
  return true;
}

/** Upper-cases one UTF-16 code unit on its own (ASCII only here: short names are ASCII). */
@inline function upper(c: i32): i32 {
  return c >= 0x61 && c <= 0x7a ? c - 32 : c;
}

/** FNV-1a (32-bit) over the UTF-16 code units of the name, each upper-cased by Windows' rule. */
function nameHash(name: string): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < name.length; i++) {
    const s = name.charAt(i).toUpperCase();
    const c = s.length == 1 ? <u32>s.charCodeAt(0) : <u32>name.charCodeAt(i);
    h = (h ^ (c & 0xff)) * 16777619;
    h = (h ^ (c >> 8)) * 16777619;
  }
  return h;
}

/** Up to max legal characters of s, upper-cased (others dropped). */
function legalPart(s: string, max: i32): string {
  let out = "";
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && legal(c) && c != 0x7e) out += String.fromCharCode(upper(c));
  }
  return out;
}

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The 8.3 name of a long name ("" for "" and the share root). */
export function shortName(name: string): string {
  if (name.length == 0) return "";
  if (isValid83(name)) return legalUpper(name);
  const dot = name.lastIndexOf(".");
  const hasExt = dot > 0 && dot < name.length - 1;
  let base = legalPart(hasExt ? name.substring(0, dot) : name, 4);
  if (base.length == 0) base = "_";
  const ext = hasExt ? legalPart(name.substring(dot + 1), 3) : "";
  let h = nameHash(name) % (36 * 36 * 36);
  let tag = "";
  for (let i = 0; i < 3; i++) {
    tag = DIGITS.charAt(<i32>(h % 36)) + tag;
    h /= 36;
  }
  return base + "~" + tag + (ext.length > 0 ? "." + ext : "");
}

function legalUpper(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) out += String.fromCharCode(upper(name.charCodeAt(i)));
  return out;
}

/** The ShortName a directory listing reports: empty when the name is valid 8.3 already. */
export function listingShortName(name: string): string {
  return isValid83(name) ? "" : shortName(name);
}
