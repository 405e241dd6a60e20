// Test exports for assembly/auth/host_rules.ts: parse rules and a peer name, decide.
export * from "./_common";
import { parseHostRules, parsePeer, hostAllowed, HostRules } from "../../assembly/auth/host_rules";

function str(p: usize, n: i32): string {
  return String.UTF8.decodeUnsafe(p, <usize>n);
}

/** allow/deny: rule text ("-" = no list); returns 1 allowed, 0 refused, -1 a list is malformed. */
export function decide(allowP: usize, allowN: i32, denyP: usize, denyN: i32, peerP: usize, peerN: i32): i32 {
  const a = str(allowP, allowN);
  const d = str(denyP, denyN);
  let allow: HostRules | null = null;
  let deny: HostRules | null = null;
  if (a != "-") {
    allow = parseHostRules(a);
    if (allow === null) return -1;
  }
  if (d != "-") {
    deny = parseHostRules(d);
    if (deny === null) return -1;
  }
  return hostAllowed(allow, deny, parsePeer(str(peerP, peerN))) ? 1 : 0;
}

/** The peer address as 32 hex digits written to out (64 bytes); 0 if it does not parse. */
export function peer_hex(p: usize, n: i32, out: usize): i32 {
  const a = parsePeer(str(p, n));
  if (!a.valid) return 0;
  const s = a.hi.toString(16).padStart(16, "0") + a.lo.toString(16).padStart(16, "0");
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, out);
  return 1;
}
