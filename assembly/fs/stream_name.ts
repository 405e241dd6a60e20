// Stream names in SMB2 file names (MS-FSCC 2.1.5.3 stream names, 2.1.5.4 stream types):
// "file:stream", "file:stream:$DATA" and "file::$DATA" (the default data stream). Only the last
// component of a path may name a stream; the type must be $DATA (any case).
import * as S from "../smb2/status";

/** Longest stream name (UTF-16 code units), as NTFS. */
export const MAX_STREAM_CHARS: i32 = 255;
/**
 * Longest stream name in UTF-8 bytes: "user.DosStream." + name + ":$DATA" must fit in the
 * 255 bytes of an xattr name (host-common/streams.ts).
 */
export const MAX_STREAM_UTF8: i32 = 234;
/** The `stream` a name gets when it spells the default data stream ("file::$DATA"). */
export const DEFAULT_STREAM: string = ":";

/** The stream part of a name after its first ':': status, and the stream name. */
export class StreamPart {
  status: u32 = S.STATUS_SUCCESS;
  /** The stream name, DEFAULT_STREAM for "::$DATA". */
  stream: string = "";
}

/** "$DATA" in any case. */
function isDataType(t: string): bool {
  if (t.length != 5 || t.charCodeAt(0) != 0x24) return false;
  const want = "DATA";
  for (let i = 0; i < 4; i++) {
    let c = t.charCodeAt(i + 1);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c != want.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Checks a stream name: no NUL, '\', '/' or ':' (control characters and wildcards are valid in
 * stream names), no unpaired surrogate, at most MAX_STREAM_CHARS code units and MAX_STREAM_UTF8
 * bytes. Returns STATUS_SUCCESS or STATUS_OBJECT_NAME_INVALID.
 */
export function checkStreamName(name: string): u32 {
  if (name.length > MAX_STREAM_CHARS) return S.STATUS_OBJECT_NAME_INVALID;
  let utf8 = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c == 0 || c == 0x5c || c == 0x2f || c == 0x3a) return S.STATUS_OBJECT_NAME_INVALID;
    if (c >= 0xd800 && c <= 0xdbff) {
      if (k + 1 >= name.length) return S.STATUS_OBJECT_NAME_INVALID;
      const d = name.charCodeAt(k + 1);
      if (d < 0xdc00 || d > 0xdfff) return S.STATUS_OBJECT_NAME_INVALID;
      k++;
      utf8 += 4;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return S.STATUS_OBJECT_NAME_INVALID;
    } else {
      utf8 += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
  }
  return utf8 > MAX_STREAM_UTF8 ? S.STATUS_OBJECT_NAME_INVALID : S.STATUS_SUCCESS;
}

/**
 * Parses what follows the first ':' of a name component: "stream", "stream:$DATA" or
 * ":$DATA". An empty stream part ("file:"), an empty or other type ("stream:", "stream:$FOO"),
 * a third ':' and invalid characters give STATUS_OBJECT_NAME_INVALID.
 */
export function parseStreamPart(rest: string): StreamPart {
  const out = new StreamPart();
  const k = rest.indexOf(":");
  const name = k < 0 ? rest : rest.substring(0, k);
  if (k >= 0 && !isDataType(rest.substring(k + 1))) {
    out.status = S.STATUS_OBJECT_NAME_INVALID;
    return out;
  }
  if (name.length == 0) {
    // "file:" is invalid; "file::$DATA" is the file's default data stream
    if (k < 0) out.status = S.STATUS_OBJECT_NAME_INVALID;
    else out.stream = DEFAULT_STREAM;
    return out;
  }
  out.status = checkStreamName(name);
  if (out.status == S.STATUS_SUCCESS) out.stream = name;
  return out;
}
