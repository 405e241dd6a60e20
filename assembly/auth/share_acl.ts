// Who may use a share, and how (smb.conf `valid users`, `invalid users`, `read list`,
// `write list`, `hosts allow`/`hosts deny`, `guest ok`, `restrict anonymous`), decided at
// TREE_CONNECT (MS-SMB2 3.3.5.7 leaves the authorization to the server).
import { ShareCfg, globalCfg } from "../config";
import { Session } from "../smb2/session";
import { hostAllowed, parsePeer } from "./host_rules";

export const SHARE_DENIED: i32 = -1;
export const SHARE_READ_ONLY: i32 = 0;
export const SHARE_READ_WRITE: i32 = 1;

function listed(list: Array<string> | null, user: string): bool {
  if (list === null || user.length == 0) return false;
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]) == user) return true;
  return false;
}

/**
 * The access a session gets to a share, with the reason in why[0] when it is denied. Guest
 * and anonymous sessions match no user list, so `valid users` shuts them out.
 */
export function shareAccess(s: Session, share: ShareCfg, why: Array<string>): i32 {
  if (!hostAllowed(share.hostsAllow, share.hostsDeny, parsePeer(s.conn.peer))) {
    why.push("the client address is not allowed (hosts allow / hosts deny)");
    return SHARE_DENIED;
  }
  if (s.isAnonymous && globalCfg.restrictAnonymous >= 2 && !share.isIpc) {
    why.push("anonymous access is restricted (restrict anonymous = 2)");
    return SHARE_DENIED;
  }
  if ((s.isGuest || s.isAnonymous) && !share.guestOk) {
    why.push("guest access is off (guest ok = no)");
    return SHARE_DENIED;
  }
  const user = s.isGuest || s.isAnonymous ? "" : s.userKey;
  if (listed(share.invalidUsers, user)) {
    why.push("the user is in invalid users");
    return SHARE_DENIED;
  }
  if (share.validUsers !== null && !listed(share.validUsers, user)) {
    why.push("the user is not in valid users");
    return SHARE_DENIED;
  }
  if (listed(share.writeList, user)) return SHARE_READ_WRITE;
  if (listed(share.readList, user)) return SHARE_READ_ONLY;
  return share.readOnly ? SHARE_READ_ONLY : SHARE_READ_WRITE;
}

/** Whether a new connection from peer may be accepted ([global] hosts allow / hosts deny). */
export function connectionAllowed(peer: string): bool {
  return hostAllowed(globalCfg.hostsAllow, globalCfg.hostsDeny, parsePeer(peer));
}

/** restrict anonymous >= 1: anonymous sessions cannot open RPC pipes (no share enumeration). */
export function pipeAllowed(s: Session): bool {
  return !(s.isAnonymous && globalCfg.restrictAnonymous >= 1);
}
