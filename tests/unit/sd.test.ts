// Unit tests for the security descriptor codec and access checks: assembly/fs/sid.ts (MS-DTYP
// 2.4.2), sd.ts (2.4.6 self-relative SECURITY_DESCRIPTOR, 2.4.5 ACL, 2.4.4 ACEs), ntacl.ts
// (Samba's security.NTACL xattr), token.ts and acl_check.ts (2.5.3.2 AccessCheck). Vectors: the
// encodings and access-check results of Samba 4.17.12's Python bindings (samba.ndr.ndr_pack,
// security.descriptor.from_sddl of MS-DTYP 2.5.1.4 SDDL examples and of the DACLs the smbtorture
// smb2.acls tests set, xattr.NTACL, samba.security.access_check).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hex, loadTestModule, unhex } from "../helpers/wasm.ts";

const m = loadTestModule("sd");
const E = m.exports;
const u32 = (x: number): number => x >>> 0;

const STATUS_ACCESS_DENIED = 0xc0000022;
const STATUS_PRIVILEGE_NOT_HELD = 0xc0000061;
const STATUS_INVALID_ACL = 0xc0000077;
const STATUS_INVALID_SID = 0xc0000078;
const STATUS_INVALID_SECURITY_DESCR = 0xc0000079;

function str(s: string): [number, number] {
  const b = new TextEncoder().encode(s);
  return [m.put(b), b.length];
}

function sidBytes(s: string): Uint8Array {
  const [p, n] = str(s);
  const out = m.alloc(68);
  const len = E.sid_parse(p, n, out);
  const r = len > 0 ? m.get(out, len) : new Uint8Array(0);
  m.free(p);
  m.free(out);
  return r;
}

function sidString(b: Uint8Array): string {
  const p = m.put(b);
  const out = m.alloc(256);
  const n = E.sid_to_string(p, out, 256);
  const s = new TextDecoder().decode(m.get(out, n));
  m.free(p);
  m.free(out);
  return s;
}

/** Parses a descriptor; returns [status, view as 5 numbers relative to the input]. */
function parse(sd: Uint8Array): { status: number; control: number; owner: number; group: number; sacl: number; dacl: number } {
  const p = m.put(sd.length > 0 ? sd : new Uint8Array(1));
  const v = m.alloc(20);
  const status = u32(E.sd_parse(p, sd.length, v));
  const b = Buffer.from(m.get(v, 20));
  const rel = (x: number) => (x === 0 ? -1 : x - p);
  const r = { status, control: b.readUInt16LE(0), owner: rel(b.readUInt32LE(4)), group: rel(b.readUInt32LE(8)), sacl: rel(b.readUInt32LE(12)), dacl: rel(b.readUInt32LE(16)) };
  m.free(p);
  m.free(v);
  return r;
}

function rewrite(sd: Uint8Array): Uint8Array {
  const p = m.put(sd);
  const out = m.alloc(sd.length + 64);
  const n = E.sd_rewrite(p, sd.length, out, sd.length + 64);
  const r = m.get(out, n);
  m.free(p);
  m.free(out);
  return r;
}

function token(sids: string[], primary = 1, privileges = 0): number {
  const h = E.token_new();
  for (const s of sids) {
    const p = m.put(sidBytes(s));
    assert.ok(E.token_add(h, p) >= 0);
    m.free(p);
  }
  E.token_set(h, primary, privileges);
  return h;
}

function withSd<T>(sd: Uint8Array, f: (p: number, n: number) => T): T {
  const p = m.put(sd);
  try {
    return f(p, sd.length);
  } finally {
    m.free(p);
  }
}

// Samba 4.17 encodings (samba.ndr.ndr_pack of dom_sid, security_descriptor from SDDL, xattr_NTACL)
const SIDS: Record<string, string> = {
  "S-1-1-0": "010100000000000100000000",
  "S-1-5-18": "010100000000000512000000",
  "S-1-5-32-544": "01020000000000052000000020020000",
  "S-1-5-21-1004336348-1177238915-682003330-512": "010500000000000515000000dcf4dc3b833d2b46828ba62800020000",
  "S-1-5-21-397955417-626881126-188441444-3101812": "0105000000000005150000005951b81766725d2564633b0b74542f00",
  "S-1-0-0": "010100000000000000000000",
  "S-1-16-12288": "010100000000001000300000",
  "S-1-3-4": "010100000000000304000000",
  "S-1-5-21-4294967295-4294967295-4294967295-4294967295": "010500000000000515000000ffffffffffffffffffffffffffffffff",
};
const SDDL: Array<[string, string]> = [
  ["O:AOG:DAD:(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(A;;RPWPCCDCLCRCWOWDSDSW;;;DA)(OA;;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;AO)(OA;;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;AO)(OA;;CCDC;6da8a4ff-0e52-11d0-a286-00aa003049e2;;AO)(OA;;CCDC;bf967aa8-0de6-11d0-a285-00aa003049e2;;PO)(A;;RPLCRC;;;AU)S:(AU;SAFA;WDWOSDWPCCDCSW;;;WD)",
    "010014801400000024000000400000005c00000001020000000000052000000024020000010500000000000515000000" +
    "0100000002000000030000000002000004001c000100000002c014002b000d0001010000000000010000000004000401" +
    "07000000000014003f000f00010100000000000512000000000024003f000f0001050000000000051500000001000000" +
    "02000000030000000002000005002c000300000001000000ba7a96bfe60dd011a28500aa003049e20102000000000005" +
    "200000002402000005002c0003000000010000009c7a96bfe60dd011a28500aa003049e2010200000000000520000000" +
    "2402000005002c000300000001000000ffa4a86d520ed011a28600aa003049e201020000000000052000000024020000" +
    "05002c000300000001000000a87a96bfe60dd011a28500aa003049e20102000000000005200000002602000000001400" +
    "1400020001010000000000050b000000"],
  ["O:BAG:SYD:PAI(D;OICI;0x1f01ff;;;BG)(A;OICI;0x1f01ff;;;BA)(A;OICIIO;GA;;;CO)(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1200a9;;;BU)",
    "010004941400000024000000000000003000000001020000000000052000000020020000010100000000000512000000" +
    "040078000500000001031800ff011f000102000000000005200000002202000000031800ff011f000102000000000005" +
    "2000000020020000000b14000000001001010000000000030000000000031400ff011f00010100000000000512000000" +
    "00031800a900120001020000000000052000000021020000"],
  ["O:S-1-5-21-1-2-3-1000G:DUD:(A;;0x001f01ff;;;S-1-5-21-1-2-3-1000)(A;;0x001f01ff;;;SY)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "01050000000000051500000001000000020000000300000001020000040040000200000000002400ff011f0001050000" +
    "0000000515000000010000000200000003000000e803000000001400ff011f00010100000000000512000000"],
  ["O:WDG:BUD:",
    "010004801400000020000000000000003000000001010000000000010000000001020000000000052000000021020000" +
    "0400080000000000"],
  ["O:WDG:BUD:AI(A;ID;0x1200a9;;;WD)S:(AU;FA;0x10000;;;WD)",
    "010014841400000020000000300000004c00000001010000000000010000000001020000000000052000000021020000" +
    "04001c0001000000028014000000010001010000000000010000000004001c000100000000101400a900120001010000" +
    "0000000100000000"],
];
const NULL_DACL = "0100048014000000000000000000000000000000010500000000000515000000010000000200000003000000e8030000";
const NTACL: Array<Record<string, string>> = [
  {
    sd:
      "010004941400000024000000000000003000000001020000000000052000000020020000010100000000000512000000" +
      "040078000500000001031800ff011f000102000000000005200000002202000000031800ff011f000102000000000005" +
      "2000000020020000000b14000000001001010000000000030000000000031400ff011f00010100000000000512000000" +
      "00031800a900120001020000000000052000000021020000",
    v1:
      "0100010000000200010004941c0000002c00000000000000380000000102000000000005200000002002000001010000" +
      "0000000512000000040078000500000001031800ff011f000102000000000005200000002202000000031800ff011f00" +
      "01020000000000052000000020020000000b14000000001001010000000000030000000000031400ff011f0001010000" +
      "000000051200000000031800a900120001020000000000052000000021020000",
    v2:
      "02000200000002000400020007070707070707070707070707070707010004943000000040000000000000004c000000" +
      "01020000000000052000000020020000010100000000000512000000040078000500000001031800ff011f0001020000" +
      "00000005200000002202000000031800ff011f0001020000000000052000000020020000000b14000000001001010000" +
      "000000030000000000031400ff011f0001010000000000051200000000031800a9001200010200000000000520000000" +
      "21020000",
    v3:
      "03000300000002000400020001002f5d898c9f4feb2ec16dfb4a6c4cda813ccfe927f170784ac3a26242ee7755900000" +
      "000000000000000000000000000000000000000000000000000000000000000001000494640000007400000000000000" +
      "8000000001020000000000052000000020020000010100000000000512000000040078000500000001031800ff011f00" +
      "0102000000000005200000002202000000031800ff011f0001020000000000052000000020020000000b140000000010" +
      "01010000000000030000000000031400ff011f0001010000000000051200000000031800a90012000102000000000005" +
      "2000000021020000",
    v4:
      "04000400000002000400020001002f5d898c9f4feb2ec16dfb4a6c4cda813ccfe927f170784ac3a26242ee7755900000" +
      "0000000000000000000000000000000000000000000000000000000000007761736d2d736d622d736572766572000000" +
      "563412eeffc0d90100000000000000000000000000000000000000000000000000000000000000000000000000000000" +
      "00000000000000000000000000000000000000000000000001000494bc000000cc00000000000000d800000001020000" +
      "000000052000000020020000010100000000000512000000040078000500000001031800ff011f000102000000000005" +
      "200000002202000000031800ff011f0001020000000000052000000020020000000b1400000000100101000000000003" +
      "0000000000031400ff011f0001010000000000051200000000031800a900120001020000000000052000000021020000",
    hash:
      "2f5d898c9f4feb2ec16dfb4a6c4cda813ccfe927f170784ac3a26242ee775590",
  },
  {
    sd:
      "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
      "01050000000000051500000001000000020000000300000001020000040040000200000000002400ff011f0001050000" +
      "0000000515000000010000000200000003000000e803000000001400ff011f00010100000000000512000000",
    v1:
      "0100010000000200010004801c0000003800000000000000540000000105000000000005150000000100000002000000" +
      "03000000e803000001050000000000051500000001000000020000000300000001020000040040000200000000002400" +
      "ff011f00010500000000000515000000010000000200000003000000e803000000001400ff011f000101000000000005" +
      "12000000",
    v2:
      "0200020000000200040002000707070707070707070707070707070701000480300000004c0000000000000068000000" +
      "010500000000000515000000010000000200000003000000e80300000105000000000005150000000100000002000000" +
      "0300000001020000040040000200000000002400ff011f00010500000000000515000000010000000200000003000000" +
      "e803000000001400ff011f00010100000000000512000000",
    v3:
      "030003000000020004000200010044a50e50dc61d214f9f2dfeb561fddb14468a6d8cd23a6317dba2cb98ffbce600000" +
      "000000000000000000000000000000000000000000000000000000000000000001000480640000008000000000000000" +
      "9c000000010500000000000515000000010000000200000003000000e803000001050000000000051500000001000000" +
      "020000000300000001020000040040000200000000002400ff011f000105000000000005150000000100000002000000" +
      "03000000e803000000001400ff011f00010100000000000512000000",
    v4:
      "040004000000020004000200010044a50e50dc61d214f9f2dfeb561fddb14468a6d8cd23a6317dba2cb98ffbce600000" +
      "0000000000000000000000000000000000000000000000000000000000007761736d2d736d622d736572766572000000" +
      "563412eeffc0d90100000000000000000000000000000000000000000000000000000000000000000000000000000000" +
      "00000000000000000000000000000000000000000000000001000480bc000000d800000000000000f400000001050000" +
      "0000000515000000010000000200000003000000e8030000010500000000000515000000010000000200000003000000" +
      "01020000040040000200000000002400ff011f00010500000000000515000000010000000200000003000000e8030000" +
      "00001400ff011f00010100000000000512000000",
    hash:
      "44a50e50dc61d214f9f2dfeb561fddb14468a6d8cd23a6317dba2cb98ffbce60",
  },
  {
    sd:
      "010004801400000020000000000000003000000001010000000000010000000001020000000000052000000021020000" +
      "0400080000000000",
    v1:
      "0100010000000200010004801c0000002800000000000000380000000101000000000001000000000102000000000005" +
      "20000000210200000400080000000000",
    v2:
      "0200020000000200040002000707070707070707070707070707070701000480300000003c000000000000004c000000" +
      "010100000000000100000000010200000000000520000000210200000400080000000000",
    v3:
      "03000300000002000400020001006226dd176ce08dcf118c1512cc4a99581252d4ae3555c535a6eef4698620db2b0000" +
      "000000000000000000000000000000000000000000000000000000000000000001000480640000007000000000000000" +
      "80000000010100000000000100000000010200000000000520000000210200000400080000000000",
    v4:
      "04000400000002000400020001006226dd176ce08dcf118c1512cc4a99581252d4ae3555c535a6eef4698620db2b0000" +
      "0000000000000000000000000000000000000000000000000000000000007761736d2d736d622d736572766572000000" +
      "563412eeffc0d90100000000000000000000000000000000000000000000000000000000000000000000000000000000" +
      "00000000000000000000000000000000000000000000000001000480bc000000c800000000000000d800000001010000" +
      "0000000100000000010200000000000520000000210200000400080000000000",
    hash:
      "6226dd176ce08dcf118c1512cc4a99581252d4ae3555c535a6eef4698620db2b",
  },
];
// samba.security.access_check (se_access_check) results: granted mask, or an NTSTATUS (>= 0xc0000000)
const ACCESS_SDS: Array<[string, string]> = [
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(A;;0x120089;;;S-1-5-21-1-2-3-1000)(A;;0x2;;;OW)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "010500000000000515000000010000000200000003000000010200000400400002000000000024008900120001050000" +
    "0000000515000000010000000200000003000000e80300000000140002000000010100000000000304000000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(D;;0x1;;;OW)(A;;0x120089;;;S-1-5-21-1-2-3-1000)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "010500000000000515000000010000000200000003000000010200000400400002000000010014000100000001010000" +
    "00000003040000000000240089001200010500000000000515000000010000000200000003000000e8030000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(A;;0x120089;;;S-1-5-21-1-2-3-1000)(A;;0x2;;;OW)(D;;0x3;;;OW)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "010500000000000515000000010000000200000003000000010200000400540003000000000024008900120001050000" +
    "0000000515000000010000000200000003000000e8030000000014000200000001010000000000030400000001001400" +
    "03000000010100000000000304000000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(A;;0x12008b;;;S-1-5-21-1-2-3-1000)(D;;0x2;;;S-1-5-21-1-2-3-1000)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "010500000000000515000000010000000200000003000000010200000400500002000000000024008b00120001050000" +
    "0000000515000000010000000200000003000000e8030000010024000200000001050000000000051500000001000000" +
    "0200000003000000e8030000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(A;;0x1;;;S-1-5-21-1-2-3-1000)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "0105000000000005150000000100000002000000030000000102000004002c0001000000000024000100000001050000" +
    "0000000515000000010000000200000003000000e8030000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:(A;;0x2;;;S-1-5-21-1-2-3-1000)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "0105000000000005150000000100000002000000030000000102000004002c0001000000000024000200000001050000" +
    "0000000515000000010000000200000003000000e8030000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513D:",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e8030000" +
    "010500000000000515000000010000000200000003000000010200000400080000000000"],
  ["O:S-1-5-21-1-2-3-1000G:S-1-5-21-1-2-3-513",
    "0100008014000000300000000000000000000000010500000000000515000000010000000200000003000000e8030000" +
    "01050000000000051500000001000000020000000300000001020000"],
  ["O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(D;;0x10000;;;WD)(A;;0x1f01ff;;;WD)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e9030000" +
    "010500000000000515000000010000000200000003000000010200000400300002000000010014000000010001010000" +
    "000000010000000000001400ff011f00010100000000000100000000"],
  ["O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;;0x1f01ff;;;AU)(D;;0x1f01ff;;;S-1-5-21-1-2-3-1000)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e9030000" +
    "01050000000000051500000001000000020000000300000001020000040040000200000000001400ff011f0001010000" +
    "000000050b00000001002400ff011f00010500000000000515000000010000000200000003000000e8030000"],
  ["O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;IO;0x1f01ff;;;WD)(A;;0x1;;;S-1-5-21-1-2-3-513)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e9030000" +
    "01050000000000051500000001000000020000000300000001020000040040000200000000081400ff011f0001010000" +
    "0000000100000000000024000100000001050000000000051500000001000000020000000300000001020000"],
  ["O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;;0x10000;;;S-1-5-7)(A;;0x20000;;;AN)",
    "010004801400000030000000000000004c000000010500000000000515000000010000000200000003000000e9030000" +
    "010500000000000515000000010000000200000003000000010200000400300002000000000014000000010001010000" +
    "00000005070000000000140000000200010100000000000507000000"],
];
const ACCESS_DESIRED = [0x2000000, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0x10000, 0x120089, 0x1f01ff, 0x2000002, 0x3, 0x0];
const ACCESS_TOKENS = ["user", "other", "anon"];
const ACCESS_RESULTS = [
  0x12008b, 0x1, 0x2, 0x20000, 0xc0000022, 0xc0000022, 0xc0000022, 0x120089, 0xc0000022, 0x12008b, 0x3, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x120088, 0xc0000022, 0xc0000022, 0x20000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x12008b, 0x1, 0x2, 0x20000, 0xc0000022, 0xc0000022, 0xc0000022, 0x120089, 0xc0000022, 0x12008b, 0x3, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x16008b, 0x1, 0x2, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0x120089, 0xc0000022, 0x16008b, 0x3, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x60001, 0x1, 0xc0000022, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x60002, 0xc0000022, 0x2, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x60002, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x60000, 0xc0000022, 0xc0000022, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x1e01ff, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0xc0000022, 0x120089, 0xc0000022, 0x1e01ff, 0x3, 0x0,
  0x1e01ff, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0xc0000022, 0x120089, 0xc0000022, 0x1e01ff, 0x3, 0x0,
  0x1e01ff, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0xc0000022, 0x120089, 0xc0000022, 0x1e01ff, 0x3, 0x0,
  0x1f01ff, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0x10000, 0x120089, 0x1f01ff, 0x1f01ff, 0x3, 0x0,
  0x1f01ff, 0x1, 0x2, 0x20000, 0x40000, 0x80000, 0x10000, 0x120089, 0x1f01ff, 0x1f01ff, 0x3, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x1, 0x1, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x60001, 0x1, 0xc0000022, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x0, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x60000, 0xc0000022, 0xc0000022, 0x20000, 0x40000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
  0x30000, 0xc0000022, 0xc0000022, 0x20000, 0xc0000022, 0xc0000022, 0x10000, 0xc0000022, 0xc0000022, 0xc0000022, 0xc0000022, 0x0,
];

test("SIDs: string form and binary form match Samba (MS-DTYP 2.4.2)", () => {
  for (const [s, h] of Object.entries(SIDS)) {
    const b = sidBytes(s);
    assert.is(hex(b), h, s);
    assert.is(sidString(b), s);
    const p = m.put(b);
    assert.is(E.sid_length(p, b.length), b.length);
    assert.is(E.sid_length(p, b.length - 1), -1, "truncated");
    m.free(p);
  }
  assert.is(sidBytes("S-1-5-32-544-1-2-3-4-5-6-7-8-9-10-11-12-13-14").length, 0, "16 sub-authorities");
  assert.is(sidBytes("S-1-5-4294967296").length, 0, "sub-authority too large");
  assert.is(sidBytes("X-1-5").length, 0);
  const bad = unhex("0201000000000005" + "00000000"); // revision 2
  const p = m.put(bad);
  assert.is(E.sid_length(p, bad.length), -1);
  m.free(p);
});

test("descriptors from MS-DTYP 2.5.1.4 SDDL parse and re-encode byte for byte as Samba does", () => {
  for (const [sddl, h] of SDDL) {
    const sd = unhex(h);
    const v = parse(sd);
    assert.is(v.status, 0, sddl);
    assert.is(hex(rewrite(sd)), h, sddl);
  }
  // the first has object ACEs (OA) and a SACL audit ACE
  const v = parse(unhex(SDDL[0][1]));
  assert.ok(v.sacl > 0 && v.dacl > 0 && v.owner === 20);
  assert.is(v.control & 0x14, 0x14, "SACL and DACL present");
  const n = parse(unhex(NULL_DACL));
  assert.is(n.status, 0);
  assert.is(n.control & 4, 4, "DACL present");
  assert.is(n.dacl, -1, "NULL DACL");
});

test("malformed descriptors are refused with the status Windows uses, never a trap", () => {
  const good = unhex(SDDL[2][1]);
  const mut = (f: (b: Buffer) => void): Uint8Array => {
    const b = Buffer.from(good);
    f(b);
    return new Uint8Array(b);
  };
  assert.is(parse(good.subarray(0, 19)).status, STATUS_INVALID_SECURITY_DESCR, "short header");
  assert.is(parse(mut((b) => b.writeUInt8(2, 0))).status, STATUS_INVALID_SECURITY_DESCR, "revision");
  assert.is(parse(mut((b) => b.writeUInt16LE(b.readUInt16LE(2) & 0x7fff, 2))).status, STATUS_INVALID_SECURITY_DESCR, "not self-relative");
  assert.is(parse(mut((b) => b.writeUInt32LE(good.length, 4))).status, STATUS_INVALID_SECURITY_DESCR, "owner offset past the end");
  assert.is(parse(mut((b) => b.writeUInt32LE(4, 4))).status, STATUS_INVALID_SECURITY_DESCR, "owner offset inside the header");
  assert.is(parse(mut((b) => b.writeUInt8(16, b.readUInt32LE(4) + 1))).status, STATUS_INVALID_SID, "16 sub-authorities");
  const dacl = Buffer.from(good).readUInt32LE(16);
  assert.is(parse(mut((b) => b.writeUInt8(1, dacl))).status, STATUS_INVALID_ACL, "ACL revision 1");
  assert.is(parse(mut((b) => b.writeUInt16LE(0xffff, dacl + 2))).status, STATUS_INVALID_ACL, "AclSize past the end");
  assert.is(parse(mut((b) => b.writeUInt16LE(9, dacl + 4))).status, STATUS_INVALID_ACL, "too many ACEs");
  assert.is(parse(mut((b) => b.writeUInt16LE(2, dacl + 8 + 2))).status, STATUS_INVALID_ACL, "ACE size 2");
  assert.is(parse(mut((b) => b.writeUInt8(9, dacl + 8 + 9))).status, STATUS_INVALID_ACL, "ACE SID overruns its ACE");
  assert.is(parse(mut((b) => b.writeUInt16LE(b.readUInt16LE(2) & ~4, 2))).status, 0, "DACL offset ignored when not present");
  // random corruption of every descriptor: a status, and valid ones re-encode to something valid
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (const [, h] of SDDL) {
    const base = unhex(h);
    for (let i = 0; i < 400; i++) {
      const b = Buffer.from(base);
      const k = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < k; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.3 ? Math.floor(rnd() * b.length) : b.length;
      const sd = new Uint8Array(b.subarray(0, cut));
      const v = parse(sd);
      if (v.status === 0) assert.is(parse(rewrite(sd)).status, 0);
      else assert.ok([STATUS_INVALID_SECURITY_DESCR, STATUS_INVALID_SID, STATUS_INVALID_ACL].includes(v.status), v.status.toString(16));
    }
  }
});

test("NTACL blobs: versions 1-4 written by Samba decode to the descriptor", () => {
  for (const e of NTACL) {
    for (const v of ["v1", "v2", "v3", "v4"]) {
      const blob = unhex(e[v]);
      const p = m.put(blob);
      const out = m.alloc(4096);
      const n = E.ntacl_decode(p, blob.length, out, 4096);
      assert.is(u32(E.last_status()), 0, v);
      assert.is(hex(m.get(out, n)), e.sd, v);
      // truncations are refused, not misread
      for (const cut of [0, 7, 11, 40, blob.length - e.sd.length / 2 + 10]) {
        if (cut >= blob.length) continue;
        const q = m.put(blob.subarray(0, cut).length > 0 ? blob.subarray(0, cut) : new Uint8Array(1));
        assert.is(E.ntacl_decode(q, cut, out, 4096), 0, `${v} cut at ${cut}`);
        m.free(q);
      }
      m.free(p);
      m.free(out);
    }
  }
});

test("NTACL version 4 as this server writes it equals Samba's encoding (hash_sd_sha256)", () => {
  for (const e of NTACL) {
    const sd = unhex(e.sd);
    const p = m.put(sd);
    const scratch = m.alloc(sd.length);
    const h = m.alloc(32);
    E.ntacl_hash(p, sd.length, scratch, h);
    assert.is(hex(m.get(h, 32)), e.hash);
    const size = E.ntacl_size(sd.length);
    const out = m.alloc(size);
    const n = E.ntacl_encode(out, p, sd.length, 0xee123456 | 0, 0x01d9c0ff, scratch);
    assert.is(n, size);
    assert.is(hex(m.get(out, n)), e.v4);
    for (const x of [p, scratch, h, out]) m.free(x);
  }
});

test("tokens: user, guest and anonymous SIDs; a stable machine domain and RIDs", () => {
  const [np, nn] = str("FILESRV");
  E.set_netbios(np, nn);
  const out = m.alloc(68);
  const d1 = sidString(m.get(out, E.machine_sid(out)));
  assert.match(d1, /^S-1-5-21-\d+-\d+-\d+$/);
  const [np2, nn2] = str("OTHER");
  E.set_netbios(np2, nn2);
  const d2 = sidString(m.get(out, E.machine_sid(out)));
  assert.is.not(d1, d2, "another machine name, another domain");
  E.set_netbios(np, nn);
  assert.is(sidString(m.get(out, E.machine_sid(out))), d1, "stable");
  const [a, an] = str("alice");
  const [A, An] = str("ALICE");
  const rid = u32(E.user_rid(a, an));
  assert.is(u32(E.user_rid(A, An)), rid, "names compare case-insensitively");
  assert.ok(rid >= 1000);
  const sidsOf = (h: number) => {
    const r: string[] = [];
    for (let i = 0; i < E.token_count(h); i++) r.push(sidString(m.get(out, E.token_sid(h, i, out))));
    return r;
  };
  const u = E.token_user(a, an);
  assert.equal(sidsOf(u), [`${d1}-${rid}`, `${d1}-513`, "S-1-1-0", "S-1-5-11", "S-1-5-2", "S-1-5-32-545"]);
  assert.is(E.token_primary(u), 1);
  assert.equal(sidsOf(E.token_guest()), [`${d1}-501`, `${d1}-514`, "S-1-1-0", "S-1-5-2", "S-1-5-32-546"]);
  const an0 = E.token_anonymous();
  assert.equal(sidsOf(an0), ["S-1-5-7", "S-1-1-0", "S-1-5-2"]);
  assert.is(E.token_primary(an0), 0);
  m.free(out);
});

test("generic mapping for files and directories (MS-SMB2 2.2.13.1.1)", () => {
  assert.is(u32(E.map_generic(0x80000000)), 0x120089);
  assert.is(u32(E.map_generic(0x40000000)), 0x120116);
  assert.is(u32(E.map_generic(0x20000000)), 0x1200a0);
  assert.is(u32(E.map_generic(0x10000000)), 0x1f01ff);
  assert.is(u32(E.map_generic(0x02000001)), 0x02000001, "MAXIMUM_ALLOWED kept");
});

test("AccessCheck agrees with Samba's se_access_check over a table of DACLs, tokens and rights", () => {
  const toks: Record<string, number> = {
    user: token(["S-1-5-21-1-2-3-1000", "S-1-5-21-1-2-3-513", "S-1-1-0", "S-1-5-11", "S-1-5-2", "S-1-5-32-545"]),
    other: token(["S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-513", "S-1-1-0", "S-1-5-11"]),
    anon: token(["S-1-5-7", "S-1-1-0", "S-1-5-2"], 0),
  };
  let i = 0;
  let checked = 0;
  for (const [sddl, h] of ACCESS_SDS) {
    const sd = unhex(h);
    for (const t of ACCESS_TOKENS) {
      for (const want of ACCESS_DESIRED) {
        const expect = ACCESS_RESULTS[i++];
        // Samba denies everything when SE_DACL_PRESENT is clear; MS-DTYP 2.5.3.2 (and Windows)
        // treat a missing DACL like a NULL one: checked in the next test instead.
        if (!sddl.includes("D:")) continue;
        const st = withSd(sd, (p, n) => u32(E.access_check(p, n, toks[t], want)));
        const what = `${sddl} ${t} 0x${want.toString(16)}`;
        if (expect >= 0xc0000000) {
          assert.is(st, expect, what);
        } else {
          assert.is(st, 0, what);
          assert.is(u32(E.last_granted()), expect, what);
        }
        checked++;
      }
    }
  }
  assert.is(checked, ACCESS_RESULTS.length - 36);
});

test("the smbtorture smb2.acls expectations: OWNER RIGHTS, trailing denies, MXAC-NOT-GRANTED", () => {
  const user = token(["S-1-5-21-1-2-3-1000", "S-1-5-21-1-2-3-513", "S-1-1-0"]);
  const max = (k: number) => withSd(unhex(ACCESS_SDS[k][1]), (p, n) => u32(E.max_access(p, n, user)));
  assert.is(max(0), 0x120089 | 0x2, "OWNER-RIGHTS: additive, no implicit WRITE_DAC");
  assert.is(max(1), 0x120089 & ~0x1, "OWNER-RIGHTS-DENY: leading deny wins");
  assert.is(max(2), 0x120089 | 0x2, "OWNER-RIGHTS-DENY1: trailing deny ignored");
  assert.is(max(3), 0x120089 | 0x2 | 0x40000, "DENY1: owner keeps WRITE_DAC");
  const st = withSd(unhex(ACCESS_SDS[4][1]), (p, n) => u32(E.access_check(p, n, user, 0x02000002)));
  assert.is(st, STATUS_ACCESS_DENIED, "MAXIMUM_ALLOWED | FILE_WRITE_DATA");
  // smb2.acls.OWNER: DACL owner:WRITE_DATA; each single bit 0..15 opens iff WRITE_DATA or READ_ATTRIBUTES
  const mf = max(5);
  for (let b = 0; b < 16; b++) {
    const bit = 1 << b;
    const s = u32(E.file_open_access(mf, 0, user, bit));
    assert.is(s === 0, bit === 2 || bit === 0x80, `bit 0x${bit.toString(16)}`);
    if (s === 0) assert.is(u32(E.last_granted()), bit);
  }
  // DELETE through FILE_DELETE_CHILD on the parent; MAXIMUM_ALLOWED includes it
  assert.is(E.needs_parent(mf, 0x10000), 1);
  assert.is(E.needs_parent(0x1f01ff, 0x10000), 0);
  assert.is(u32(E.file_open_access(mf, 0, user, 0x10000)), STATUS_ACCESS_DENIED);
  assert.is(u32(E.file_open_access(mf, 0x40, user, 0x10000)), 0);
  assert.is(u32(E.file_open_access(mf, 0x40, user, 0x02000000)), 0);
  // smb2.acls.GENERIC expected_mask: WRITE_DAC | READ_CONTROL | READ_ATTRIBUTES | DELETE, plus the ACE's bits
  assert.is(u32(E.last_granted()), 0x60000 | 0x80 | 0x10000 | 0x2);
  assert.is(u32(E.last_maximal()), 0x60000 | 0x80 | 0x10000 | 0x2);
  // ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege
  assert.is(u32(E.file_open_access(0x1f01ff, 0, user, 0x01000000)), STATUS_PRIVILEGE_NOT_HELD);
  const admin = token(["S-1-5-21-1-2-3-1000", "S-1-5-21-1-2-3-513"], 1, 1);
  assert.is(u32(E.file_open_access(0x1f01ff, 0, admin, 0x01000000)), 0);
  assert.is(u32(E.last_granted()), 0x01000000);
  // empty DACL: nobody but the owner's implicit rights; NULL / no DACL: everything
  assert.is(max(6), 0x60000);
  assert.is(max(7), 0x1f01ff);
  assert.is(withSd(unhex(NULL_DACL), (p, n) => u32(E.max_access(p, n, user))), 0x1f01ff);
});

test.run();
