// SMB2 path names → share-relative host paths (MS-FSCC 2.1.5 pathname rules, MS-SMB2 2.2.13
// Buffer). ".." components are resolved by name and may never climb above the share root;
// "." components, NUL and control characters and unpaired surrogates are refused here; the host
// additionally refuses any path whose resolution (symlinks) leaves the share.
import * as S from "../smb2/status";
import { parseStreamPart } from "./stream_name";

export const MAX_COMPONENT: i32 = 255;
export const MAX_PATH_CHARS: i32 = 4096;

/** Result of parsing a name: status, and the '/'-separated relative path ("" = share root). */
export class ParsedPath {
  status: u32 = S.STATUS_SUCCESS;
  path: string = "";
  /** The last component (for wildcard checks, hidden-file attributes). */
  leaf: string = "";
  /** The named stream ("" none, ":" for "::$DATA"), when streams were allowed (fs/stream_name.ts). */
  stream: string = "";
}

@inline function isInvalidChar(c: i32, allowWildcards: bool): bool {
  if (c < 0x20) return true;
  if (c == 0x2f /* / */ || c == 0x3a /* : */ || c == 0x7c /* | */) return true;
  if (!allowWildcards && (c == 0x2a || c == 0x3f || c == 0x3c || c == 0x3e || c == 0x22)) return true;
  return false;
}

/**
 * Parses an SMB2 file name (UTF-16LE at p, bytes long) relative to the share root.
 * One leading and one trailing backslash are tolerated. With allowStream, the last component
 * may name a stream ("name:stream[:$DATA]", "name::$DATA"; ":stream" alone: the share root's),
 * returned in `stream`; otherwise ':' is invalid.
 */
export function parseSmbPath(p: usize, bytes: u32, allowStream: bool = false): ParsedPath {
  const out = new ParsedPath();
  if ((bytes & 1) != 0) {
    out.status = S.STATUS_OBJECT_NAME_INVALID;
    return out;
  }
  let s = String.UTF16.decodeUnsafe(p, <usize>bytes);
  if (s.length > MAX_PATH_CHARS) {
    out.status = S.STATUS_NAME_TOO_LONG;
    return out;
  }
  if (s.length > 0 && s.charCodeAt(0) == 0x5c) s = s.substring(1);
  if (s.length > 0 && s.charCodeAt(s.length - 1) == 0x5c) s = s.substring(0, s.length - 1);
  if (s.length == 0) return out;
  const parts = s.split("\\");
  const kept = new Array<string>(0);
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    const colon = allowStream && i == parts.length - 1 ? part.indexOf(":") : -1;
    if (colon >= 0) {
      const sp = parseStreamPart(part.substring(colon + 1));
      part = part.substring(0, colon);
      // the file part is a plain name: never "." or "..", empty only for the share root's stream
      if (sp.status != S.STATUS_SUCCESS || part == "." || part == ".." || (part.length == 0 && parts.length != 1)) {
        out.status = S.STATUS_OBJECT_NAME_INVALID;
        return out;
      }
      out.stream = sp.stream;
      if (part.length == 0) break;
    }
    if (part == "..") {
      // resolved by name, as Windows and Samba do; never above the share root
      if (kept.length == 0) {
        out.status = S.STATUS_OBJECT_PATH_SYNTAX_BAD;
        return out;
      }
      kept.pop();
      continue;
    }
    if (part.length == 0 || part == ".") {
      out.status = S.STATUS_OBJECT_NAME_INVALID;
      return out;
    }
    if (part.length > MAX_COMPONENT) {
      out.status = S.STATUS_OBJECT_NAME_INVALID;
      return out;
    }
    for (let k = 0; k < part.length; k++) {
      const c = part.charCodeAt(k);
      if (isInvalidChar(c, false)) {
        out.status = S.STATUS_OBJECT_NAME_INVALID;
        return out;
      }
      if (c >= 0xd800 && c <= 0xdbff) {
        if (k + 1 >= part.length) { out.status = S.STATUS_OBJECT_NAME_INVALID; return out; }
        const d = part.charCodeAt(k + 1);
        if (d < 0xdc00 || d > 0xdfff) { out.status = S.STATUS_OBJECT_NAME_INVALID; return out; }
        k++;
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        out.status = S.STATUS_OBJECT_NAME_INVALID;
        return out;
      }
    }
    kept.push(part);
  }
  out.path = kept.join("/");
  out.leaf = kept.length > 0 ? kept[kept.length - 1] : "";
  return out;
}

/** The parent of a relative path ("" for top-level names). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.substring(0, i);
}

/** The last component of a relative path. */
export function leafName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.substring(i + 1);
}

/** A relative path as Windows shows it from the share root: "\dir\file" ("\" for the root). */
export function windowsPath(path: string): string {
  return "\\" + path.replaceAll("/", "\\");
}
