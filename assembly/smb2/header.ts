// MS-SMB2 2.2.1 SMB2 packet header: zero-copy accessors named after the spec's fields.
// Callers check that 64 bytes are present before using any accessor.

export const SMB2_HEADER_SIZE: u32 = 64;
export const SMB2_PROTOCOL_ID: u32 = 0x424d53fe; // 0xFE 'S' 'M' 'B' little-endian
export const SMB1_PROTOCOL_ID: u32 = 0x424d53ff;
export const SMB2_TRANSFORM_PROTOCOL_ID: u32 = 0x424d53fd;

// Commands (MS-SMB2 2.2.1.2)
export const SMB2_NEGOTIATE: u16 = 0x0000;
export const SMB2_SESSION_SETUP: u16 = 0x0001;
export const SMB2_LOGOFF: u16 = 0x0002;
export const SMB2_TREE_CONNECT: u16 = 0x0003;
export const SMB2_TREE_DISCONNECT: u16 = 0x0004;
export const SMB2_CREATE: u16 = 0x0005;
export const SMB2_CLOSE: u16 = 0x0006;
export const SMB2_FLUSH: u16 = 0x0007;
export const SMB2_READ: u16 = 0x0008;
export const SMB2_WRITE: u16 = 0x0009;
export const SMB2_LOCK: u16 = 0x000a;
export const SMB2_IOCTL: u16 = 0x000b;
export const SMB2_CANCEL: u16 = 0x000c;
export const SMB2_ECHO: u16 = 0x000d;
export const SMB2_QUERY_DIRECTORY: u16 = 0x000e;
export const SMB2_CHANGE_NOTIFY: u16 = 0x000f;
export const SMB2_QUERY_INFO: u16 = 0x0010;
export const SMB2_SET_INFO: u16 = 0x0011;
export const SMB2_OPLOCK_BREAK: u16 = 0x0012;
export const SMB2_COMMAND_COUNT: u16 = 0x0013;

// Flags (MS-SMB2 2.2.1.2)
export const SMB2_FLAGS_SERVER_TO_REDIR: u32 = 0x00000001;
export const SMB2_FLAGS_ASYNC_COMMAND: u32 = 0x00000002;
export const SMB2_FLAGS_RELATED_OPERATIONS: u32 = 0x00000004;
export const SMB2_FLAGS_SIGNED: u32 = 0x00000008;
export const SMB2_FLAGS_PRIORITY_MASK: u32 = 0x00000070;
export const SMB2_FLAGS_DFS_OPERATIONS: u32 = 0x10000000;
export const SMB2_FLAGS_REPLAY_OPERATION: u32 = 0x20000000;

@inline export function ProtocolId(h: usize): u32 { return load<u32>(h, 0); }
@inline export function StructureSize(h: usize): u16 { return load<u16>(h, 4); }
@inline export function CreditCharge(h: usize): u16 { return load<u16>(h, 6); }
/** ChannelSequence (3.x requests) shares the offset of Status. */
@inline export function Status(h: usize): u32 { return load<u32>(h, 8); }
@inline export function Command(h: usize): u16 { return load<u16>(h, 12); }
/** CreditRequest in requests, CreditResponse in responses. */
@inline export function Credit(h: usize): u16 { return load<u16>(h, 14); }
@inline export function Flags(h: usize): u32 { return load<u32>(h, 16); }
@inline export function NextCommand(h: usize): u32 { return load<u32>(h, 20); }
@inline export function MessageId(h: usize): u64 { return load<u64>(h, 24); }
@inline export function AsyncId(h: usize): u64 { return load<u64>(h, 32); }
@inline export function TreeId(h: usize): u32 { return load<u32>(h, 36); }
@inline export function SessionId(h: usize): u64 { return load<u64>(h, 40); }
/** Pointer to the 16-byte Signature field. */
@inline export function SignaturePtr(h: usize): usize { return h + 48; }

@inline export function setStatus(h: usize, v: u32): void { store<u32>(h, v, 8); }
@inline export function setCreditCharge(h: usize, v: u16): void { store<u16>(h, v, 6); }
@inline export function setCredit(h: usize, v: u16): void { store<u16>(h, v, 14); }
@inline export function setFlags(h: usize, v: u32): void { store<u32>(h, v, 16); }
@inline export function setNextCommand(h: usize, v: u32): void { store<u32>(h, v, 20); }
@inline export function setMessageId(h: usize, v: u64): void { store<u64>(h, v, 24); }
@inline export function setAsyncId(h: usize, v: u64): void { store<u64>(h, v, 32); }
@inline export function setTreeId(h: usize, v: u32): void { store<u32>(h, v, 36); }
@inline export function setSessionId(h: usize, v: u64): void { store<u64>(h, v, 40); }

/**
 * Writes a response header for request header `req` at `h`: copies Command, MessageId,
 * TreeId/AsyncId and SessionId, sets SERVER_TO_REDIR, zeroes the signature.
 */
export function writeResponseHeader(h: usize, req: usize, status: u32): void {
  store<u32>(h, SMB2_PROTOCOL_ID, 0);
  store<u16>(h, 64, 4);
  store<u16>(h, CreditCharge(req), 6);
  store<u32>(h, status, 8);
  store<u16>(h, Command(req), 12);
  store<u16>(h, 0, 14);
  const reqFlags = Flags(req);
  store<u32>(h, SMB2_FLAGS_SERVER_TO_REDIR | (reqFlags & (SMB2_FLAGS_ASYNC_COMMAND | SMB2_FLAGS_RELATED_OPERATIONS | SMB2_FLAGS_PRIORITY_MASK)), 16);
  store<u32>(h, 0, 20);
  store<u64>(h, MessageId(req), 24);
  store<u64>(h, load<u64>(req, 32), 32); // Reserved+TreeId, or AsyncId
  store<u64>(h, SessionId(req), 40);
  store<u64>(h, 0, 48);
  store<u64>(h, 0, 56);
}
