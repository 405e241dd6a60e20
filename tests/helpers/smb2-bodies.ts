// SMB2 request bodies built field by field (MS-SMB2 2.2.3-2.2.37), with overrides for the
// length/offset fields so tests can build malformed requests. Re-exported by smb2-raw.ts.
import { randomBytes } from "node:crypto";

const align8 = (n: number) => (n + 7) & ~7;

export interface NegotiateContext {
  type: number;
  data: Uint8Array;
}

/** SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1): SHA-512 and a salt. */
export function preauthContext(hashAlgorithms = [1], salt: Uint8Array = randomBytes(32)): NegotiateContext {
  const d = Buffer.alloc(4 + hashAlgorithms.length * 2 + salt.length);
  d.writeUInt16LE(hashAlgorithms.length, 0);
  d.writeUInt16LE(salt.length, 2);
  hashAlgorithms.forEach((a, i) => {
    d.writeUInt16LE(a, 4 + i * 2);
  });
  d.set(salt, 4 + hashAlgorithms.length * 2);
  return { type: 1, data: d };
}

const u16list = (type: number, ids: number[]): NegotiateContext => {
  const d = Buffer.alloc(2 + ids.length * 2);
  d.writeUInt16LE(ids.length, 0);
  ids.forEach((a, i) => {
    d.writeUInt16LE(a, 2 + i * 2);
  });
  return { type, data: d };
};
/** SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2): AES-128-GCM, AES-128-CCM by default. */
export const encryptionContext = (ciphers = [2, 1]) => u16list(2, ciphers);
/** SMB2_SIGNING_CAPABILITIES (2.2.3.1.7): AES-GMAC, AES-CMAC, HMAC-SHA256 by default. */
export const signingContext = (algorithms = [2, 1, 0]) => u16list(8, algorithms);
export const defaultContexts = (): NegotiateContext[] => [preauthContext(), encryptionContext(), signingContext()];

export interface NegotiateOptions {
  securityMode?: number;
  capabilities?: number;
  clientGuid?: Uint8Array;
  /** Negotiate contexts (sent when 0x0311 is offered; default preauth + encryption + signing). */
  contexts?: NegotiateContext[];
  /** Overrides for malformed requests. */
  dialectCount?: number;
  negotiateContextOffset?: number;
  negotiateContextCount?: number;
  structureSize?: number;
}

/** SMB2 NEGOTIATE request body (2.2.3) with its Dialects and NegotiateContextList. */
export function negotiateBody(dialects: number[], o: NegotiateOptions = {}): Buffer {
  const fixed = Buffer.alloc(36 + dialects.length * 2);
  fixed.writeUInt16LE(o.structureSize ?? 36, 0);
  fixed.writeUInt16LE(o.dialectCount ?? dialects.length, 2);
  fixed.writeUInt16LE(o.securityMode ?? 1, 4);
  fixed.writeUInt32LE(o.capabilities ?? 0x7f, 8);
  fixed.set(o.clientGuid ?? randomBytes(16), 12);
  dialects.forEach((d, i) => {
    fixed.writeUInt16LE(d, 36 + i * 2);
  });
  const contexts = dialects.includes(0x0311) ? (o.contexts ?? defaultContexts()) : [];
  const parts: Buffer[] = [fixed];
  let off = 64 + fixed.length;
  const ctxOffset = align8(off);
  for (const c of contexts) {
    const pad = align8(off) - off;
    const ctx = Buffer.alloc(pad + 8 + c.data.length);
    ctx.writeUInt16LE(c.type, pad);
    ctx.writeUInt16LE(c.data.length, pad + 2);
    ctx.set(c.data, pad + 8);
    parts.push(ctx);
    off += ctx.length;
  }
  fixed.writeUInt32LE(o.negotiateContextOffset ?? (contexts.length ? ctxOffset : 0), 28);
  fixed.writeUInt16LE(o.negotiateContextCount ?? contexts.length, 32);
  return Buffer.concat(parts);
}

/** SMB2 SESSION_SETUP request body (2.2.5); SecurityBufferOffset 88 unless overridden. */
export function sessionSetupBody(token: Uint8Array, o: { securityBufferOffset?: number; securityBufferLength?: number; flags?: number; securityMode?: number } = {}): Buffer {
  const b = Buffer.alloc(24 + token.length);
  b.writeUInt16LE(25, 0);
  b.writeUInt8(o.flags ?? 0, 2);
  b.writeUInt8(o.securityMode ?? 1, 3);
  b.writeUInt16LE(o.securityBufferOffset ?? 88, 12);
  b.writeUInt16LE(o.securityBufferLength ?? token.length, 14);
  b.set(token, 24);
  return b;
}

/** SMB2 TREE_CONNECT request body (2.2.9): Path in UTF-16LE at PathOffset 72. */
export function treeConnectBody(path: string, o: { pathOffset?: number; pathLength?: number } = {}): Buffer {
  const p = Buffer.from(path, "utf16le");
  const b = Buffer.alloc(8 + p.length);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(o.pathOffset ?? 72, 4);
  b.writeUInt16LE(o.pathLength ?? p.length, 6);
  b.set(p, 8);
  return b;
}

export interface CreateOptions {
  desiredAccess?: number;
  fileAttributes?: number;
  shareAccess?: number;
  /** FILE_OPEN 1, FILE_CREATE 2, FILE_OPEN_IF 3 (default), FILE_OVERWRITE_IF 5. */
  createDisposition?: number;
  createOptions?: number;
  nameOffset?: number;
  nameLength?: number;
}

/** SMB2 CREATE request body (2.2.13): Name in UTF-16LE at NameOffset 120, no create contexts. */
export function createBody(name: string, o: CreateOptions = {}): Buffer {
  const n = Buffer.from(name, "utf16le");
  const b = Buffer.alloc(56 + Math.max(n.length, 1));
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(2, 4); // ImpersonationLevel: Impersonation
  b.writeUInt32LE(o.desiredAccess ?? 0x0012019f, 24); // generic read/write file rights
  b.writeUInt32LE(o.fileAttributes ?? 0x80, 28);
  b.writeUInt32LE(o.shareAccess ?? 7, 32);
  b.writeUInt32LE(o.createDisposition ?? 3, 36);
  b.writeUInt32LE(o.createOptions ?? 0x40, 40); // FILE_NON_DIRECTORY_FILE
  b.writeUInt16LE(o.nameOffset ?? 120, 44);
  b.writeUInt16LE(o.nameLength ?? n.length, 46);
  b.set(n, 56);
  return b;
}

/** SMB2 CLOSE request body (2.2.15). */
export function closeBody(fileId: Uint8Array): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  b.set(fileId, 8);
  return b;
}

/** SMB2 ECHO request body (2.2.28). */
export function echoBody(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}

/** SMB2 WRITE request body (2.2.21): Buffer at DataOffset 112 unless overridden. */
export function writeBody(fileId: Uint8Array, offset: bigint, data: Uint8Array, o: { dataOffset?: number; length?: number } = {}): Buffer {
  const b = Buffer.alloc(48 + Math.max(data.length, 1));
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(o.dataOffset ?? 112, 2);
  b.writeUInt32LE(o.length ?? data.length, 4);
  b.writeBigUInt64LE(offset, 8);
  b.set(fileId, 16);
  b.set(data, 48);
  return b;
}

/** SMB2 READ request body (2.2.19). */
export function readBody(fileId: Uint8Array, offset: bigint, length: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt8(0x50, 2); // Padding: data at header + 80
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(offset, 8);
  b.set(fileId, 16);
  return b;
}

/** SMB2 QUERY_INFO request body (2.2.37), no input buffer. */
export function queryInfoBody(fileId: Uint8Array, infoType = 1, fileInfoClass = 5, outputBufferLength = 4096): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(fileInfoClass, 3);
  b.writeUInt32LE(outputBufferLength, 4);
  b.writeUInt16LE(104, 8);
  b.set(fileId, 24);
  return b;
}

/** SMB2 QUERY_DIRECTORY request body (2.2.33): FileName at FileNameOffset 96. */
export function queryDirectoryBody(fileId: Uint8Array, pattern = "*", fileInformationClass = 0x25): Buffer {
  const n = Buffer.from(pattern, "utf16le");
  const b = Buffer.alloc(32 + n.length);
  b.writeUInt16LE(33, 0);
  b.writeUInt8(fileInformationClass, 2);
  b.set(fileId, 8);
  b.writeUInt16LE(96, 24);
  b.writeUInt16LE(n.length, 26);
  b.writeUInt32LE(65536, 28);
  b.set(n, 32);
  return b;
}

/** FileId { Persistent, Volatile } = all ones: the related-open FileId of a compound (3.2.4.1.4). */
export const RELATED_FILE_ID = Buffer.alloc(16, 0xff);
