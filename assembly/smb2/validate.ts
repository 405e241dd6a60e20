// Request validation table (MS-SMB2 2.2.x): StructureSize and data-area bounds per command,
// checked before any handler runs (ksmbd's smb2_validate_msg idea, as a table).
import * as H from "./header";

// Flags of a table row
export const V_NEEDS_SESSION: u8 = 1;
export const V_NEEDS_TREE: u8 = 2;

/** Body StructureSize per command (the fixed part is StructureSize & ~1). */
export const STRUCTURE_SIZE: StaticArray<u16> = [
  36, 25, 4, 9, 4, 57, 24, 24, 49, 49, 48, 57, 4, 4, 33, 32, 41, 33, 24,
];

export const COMMAND_FLAGS: StaticArray<u8> = [
  0, // NEGOTIATE
  0, // SESSION_SETUP (looks its session up itself)
  V_NEEDS_SESSION, // LOGOFF
  V_NEEDS_SESSION, // TREE_CONNECT
  V_NEEDS_SESSION | V_NEEDS_TREE, // TREE_DISCONNECT
  V_NEEDS_SESSION | V_NEEDS_TREE, // CREATE
  V_NEEDS_SESSION | V_NEEDS_TREE, // CLOSE
  V_NEEDS_SESSION | V_NEEDS_TREE, // FLUSH
  V_NEEDS_SESSION | V_NEEDS_TREE, // READ
  V_NEEDS_SESSION | V_NEEDS_TREE, // WRITE
  V_NEEDS_SESSION | V_NEEDS_TREE, // LOCK
  V_NEEDS_SESSION | V_NEEDS_TREE, // IOCTL
  0, // CANCEL
  0, // ECHO
  V_NEEDS_SESSION | V_NEEDS_TREE, // QUERY_DIRECTORY
  V_NEEDS_SESSION | V_NEEDS_TREE, // CHANGE_NOTIFY
  V_NEEDS_SESSION | V_NEEDS_TREE, // QUERY_INFO
  V_NEEDS_SESSION | V_NEEDS_TREE, // SET_INFO
  V_NEEDS_SESSION | V_NEEDS_TREE, // OPLOCK_BREAK
];

/** Offset of the FileId in each command's body, 0 when the command carries none. */
export const FILEID_OFFSET: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 8, 8, 16, 16, 8, 8, 0, 0, 8, 8, 24, 16, 8];

// Data areas: command, offset field (body offset, width), length field (body offset, width).
// Offsets in SMB2 are relative to the start of the SMB2 header.
const AREA_CMD: StaticArray<u16> = [1, 3, 5, 5, 9, 8, 11, 11, 14, 16, 17];
const AREA_OFF: StaticArray<u8> = [12, 4, 44, 48, 2, 44, 24, 36, 24, 8, 8];
const AREA_OFF_W: StaticArray<u8> = [2, 2, 2, 4, 2, 2, 4, 4, 2, 2, 2];
const AREA_LEN: StaticArray<u8> = [14, 6, 46, 52, 4, 46, 28, 40, 26, 12, 4];
const AREA_LEN_W: StaticArray<u8> = [2, 2, 2, 4, 4, 2, 4, 4, 2, 4, 4];

@inline function field(p: usize, width: u8): u32 {
  return width == 2 ? <u32>load<u16>(p) : load<u32>(p);
}

/**
 * Checks the request body of a command whose header is at h and whose total length
 * (header + body, up to NextCommand) is cmdLen. Returns "" if valid, else a reason.
 */
export function validateRequest(h: usize, cmdLen: u32): string {
  const cmd = H.Command(h);
  if (cmd >= H.SMB2_COMMAND_COUNT) return "unknown command";
  const body = h + 64;
  const bodyLen = cmdLen - 64;
  const ss = load<u16>(body);
  const want = unchecked(STRUCTURE_SIZE[cmd]);
  if (ss != want && !(cmd == H.SMB2_OPLOCK_BREAK && ss == 36)) return "StructureSize " + ss.toString() + " is not " + want.toString();
  const fixed = <u32>(ss & ~1);
  if (bodyLen < fixed) return "body of " + bodyLen.toString() + " bytes is shorter than its fixed part " + fixed.toString();
  for (let i = 0; i < AREA_CMD.length; i++) {
    if (unchecked(AREA_CMD[i]) != cmd) continue;
    const off = field(body + unchecked(AREA_OFF[i]), unchecked(AREA_OFF_W[i]));
    const len = field(body + unchecked(AREA_LEN[i]), unchecked(AREA_LEN_W[i]));
    if (len == 0) continue;
    // WRITE's DataOffset may point at the fixed part's last (variable) byte: offset >= 64 + fixed
    if (off < 64 + fixed) return "data offset " + off.toString() + " lies inside the fixed part";
    if (<u64>off + <u64>len > <u64>cmdLen) return "data area " + off.toString() + "+" + len.toString() + " ends past the request (" + cmdLen.toString() + " bytes)";
  }
  return "";
}
