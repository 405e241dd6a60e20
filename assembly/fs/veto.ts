// smb.conf `veto files` (names that can be neither seen nor reached: never listed, never opened,
// created or renamed to, not even as a directory on the way), `hide files` and `hide dot files`
// (names reported with FILE_ATTRIBUTE_HIDDEN). Patterns use * and ?, case-insensitively.
import { ShareCfg } from "../config";
import { matchUpper } from "./wildcard";
import { FILE_ATTRIBUTE_HIDDEN, storedAttributes } from "./stat";

function matchesAny(patterns: Array<string> | null, name: string): bool {
  if (patterns === null || patterns.length == 0) return false;
  const up = name.toUpperCase();
  for (let i = 0; i < patterns.length; i++) if (matchUpper(unchecked(patterns[i]), up)) return true;
  return false;
}

/** The name (one component) is vetoed on the share. */
export function nameVetoed(share: ShareCfg, name: string): bool {
  return matchesAny(share.vetoFiles, name);
}

/** Some component of a share-relative '/'-separated path is vetoed. */
export function pathVetoed(share: ShareCfg, path: string): bool {
  const v = share.vetoFiles;
  if (v === null || v.length == 0 || path.length == 0) return false;
  const parts = path.split("/");
  for (let i = 0; i < parts.length; i++) if (matchesAny(v, unchecked(parts[i]))) return true;
  return false;
}

/**
 * The attributes a client sees for name (st: its stat record): HIDDEN added for `hide files`
 * matches, and for dot files while they have no stored attributes (a client that clears HIDDEN
 * on a dot file is obeyed, unlike in Samba).
 */
export function visibleAttributes(share: ShareCfg, name: string, attrs: u32, st: usize): u32 {
  const dot = name.length > 1 && name.charCodeAt(0) == 0x2e && name != "..";
  if (share.hideDotFiles && dot && storedAttributes(st) < 0) return attrs | FILE_ATTRIBUTE_HIDDEN;
  if (matchesAny(share.hideFiles, name)) return attrs | FILE_ATTRIBUTE_HIDDEN;
  return attrs;
}
