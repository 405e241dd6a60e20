// Unit tests for the descriptors of new objects (assembly/fs/sd_inherit.ts, MS-DTYP 2.5.3.4
// CreateSecurityDescriptor / ComputeACL / inheritance) and for querying and setting parts of a
// descriptor (assembly/fs/sd_edit.ts, MS-FSA 2.1.5.14 / 2.1.5.17). Expectations: the tables of
// smbtorture's smb2.acls.INHERITANCE and INHERITFLAGS, smb2.create.nulldacl and aclfile, and
// smb2.acls.SDFLAGSVSCHOWN (source4/torture/smb2/acls.c, create.c), which pass against Windows
// and Samba 4.17. Descriptors are built and decoded in TypeScript (tests/helpers/sd-codec.ts),
// independently of the core.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Ace, decodeSd, encodeSd, encodeSid, type Sd } from "../helpers/sd-codec.ts";
import { loadTestModule } from "../helpers/wasm.ts";

const m = loadTestModule("sd");
const E = m.exports;
const u32 = (x: number): number => x >>> 0;

const OI = 1, CI = 2, NP = 4, IO = 8, ID = 0x10;
const DP = 0x0004, SP = 0x0010, DC = 0x0100, DI = 0x0400, PD = 0x1000, SR = 0x8000;
const WD = 0x2, FA = 0x1f01ff, STD_ALL = 0x1f0000;
const OWNER = 1, GROUP = 2, DACL = 4, SACL = 8;
const U = "S-1-5-21-1-2-3-1000";
const G = "S-1-5-21-1-2-3-513";
const WORLD = "S-1-1-0";
const CO = "S-1-3-0";
const SYSTEM = "S-1-5-18";
const STATUS_INVALID_OWNER = 0xc000005a;
const STATUS_PRIVILEGE_NOT_HELD = 0xc0000061;

function token(sids: string[], primary = 1, privileges = 0): number {
  const h = E.token_new();
  for (const s of sids) {
    const p = m.put(encodeSid(s));
    E.token_add(h, p);
    m.free(p);
  }
  E.token_set(h, primary, privileges);
  return h;
}

const user = token([U, G, WORLD, "S-1-5-11", "S-1-5-2", "S-1-5-32-545"]);

function call(f: (out: number, cap: number) => number): Uint8Array | number {
  const out = m.alloc(8192);
  const n = f(out, 8192);
  const r = n > 0 ? m.get(out, n) : u32(E.last_status());
  m.free(out);
  return r;
}

function create(parent: Sd | null, creator: Sd | null, isDir: boolean, tok = user): Sd | number {
  const pb = parent ? encodeSd(parent) : new Uint8Array(0);
  const cb = creator ? encodeSd(creator) : new Uint8Array(0);
  const pp = m.put(pb.length ? pb : new Uint8Array(1));
  const cp = m.put(cb.length ? cb : new Uint8Array(1));
  const r = call((out, cap) => E.create_sd(pp, pb.length, cp, cb.length, tok, isDir ? 1 : 0, out, cap));
  m.free(pp);
  m.free(cp);
  return typeof r === "number" ? r : decodeSd(r);
}

function query(sd: Sd, info: number): Sd {
  const b = encodeSd(sd);
  const p = m.put(b);
  const r = call((out, cap) => E.query_sd(p, b.length, info, out, cap));
  m.free(p);
  return decodeSd(r as Uint8Array);
}

function merge(cur: Sd, nw: Sd, info: number, tok = user): Sd | number {
  const a = encodeSd(cur);
  const b = encodeSd(nw);
  const pa = m.put(a);
  const pb = m.put(b);
  const r = call((out, cap) => E.merge_sd(pa, a.length, pb, b.length, info, tok, out, cap));
  m.free(pa);
  m.free(pb);
  return typeof r === "number" ? r : decodeSd(r);
}

const defaultDacl: Ace[] = [{ type: 0, flags: 0, mask: FA, sid: U }, { type: 0, flags: 0, mask: FA, sid: SYSTEM }];

test("smb2.acls.INHERITANCE: CREATOR OWNER ACE flags on new files and directories", () => {
  // [parent flags, file ACE flags, dir ACE flags] from acls.c test_inheritance
  const table: Array<[number, number, number]> = [
    [0, 0, 0], [OI, 0, OI | IO], [CI, 0, CI], [OI | CI, 0, OI | CI], [NP, 0, 0], [NP | OI, 0, 0], [NP | CI, 0, 0],
    [NP | CI | OI, 0, 0], [IO, 0, 0], [IO | OI, 0, OI | IO], [IO | CI, 0, CI], [IO | CI | OI, 0, CI | OI],
    [IO | NP, 0, 0], [IO | NP | OI, 0, 0], [IO | NP | CI, 0, 0], [IO | NP | CI | OI, 0, 0],
  ];
  for (const [pf, ff, df] of table) {
    const parent: Sd = { control: DP, owner: U, group: G, dacl: [{ flags: pf, mask: WD, sid: CO }, { flags: 0, mask: FA | STD_ALL, sid: WORLD }] };
    const file = create(parent, null, false) as Sd;
    assert.is(file.owner, U);
    assert.is(file.group, G);
    if (pf & OI) assert.equal(file.dacl, [{ type: 0, flags: ff, mask: WD, sid: U }], `file, parent 0x${pf.toString(16)}`);
    else assert.equal(file.dacl, defaultDacl, `file default, parent 0x${pf.toString(16)}`);
    const dir = create(parent, null, true) as Sd;
    const what = `dir, parent 0x${pf.toString(16)}`;
    if (!(pf & CI) && (!(pf & OI) || pf & NP)) assert.equal(dir.dacl, defaultDacl, what);
    else if (pf & CI && pf & NP) assert.equal(dir.dacl, [{ type: 0, flags: df, mask: WD, sid: U }], what);
    else if (pf & CI) assert.equal(dir.dacl, [{ type: 0, flags: 0, mask: WD, sid: U }, { type: 0, flags: df | IO, mask: WD, sid: CO }], what);
    else assert.equal(dir.dacl, [{ type: 0, flags: df, mask: WD, sid: CO }], what);
    assert.is(dir.control & (DP | DI | PD), DP, what);
  }
});

test("smb2.acls.INHERITFLAGS: AUTO_INHERITED needs AUTO_INHERIT_REQ, children get INHERITED_ACE", () => {
  const orig: Sd = { control: DP, owner: U, group: G, dacl: [{ flags: 0, mask: FA, sid: WORLD }] };
  for (let i = 0; i < 16; i++) {
    const setType = (i & 1 ? DI : 0) | (i & 2 ? DC : 0) | (i & 4 ? PD : 0);
    const aceInh = i & 8 ? ID : 0;
    const auto = (setType & (DI | DC)) === (DI | DC);
    const dacl: Ace[] = [{ type: 0, flags: OI | CI | aceInh, mask: WD | 0x40000, sid: U }, { type: 0, flags: 0, mask: FA | STD_ALL, sid: WORLD }];
    const parent = merge(orig, { control: DP | setType, dacl }, DACL) as Sd;
    assert.is(parent.control, SR | DP | (i & 4 ? PD : 0) | (auto ? DI : 0), `parent type, pass ${i}`);
    assert.equal(parent.dacl, dacl, `parent DACL, pass ${i}`);
    assert.equal(query(parent, DACL), { control: parent.control, dacl }, `query, pass ${i}`);
    const child = create(parent, null, false) as Sd;
    assert.is(child.control, SR | DP | (auto ? DI : 0), `child type, pass ${i}`);
    assert.equal(child.dacl, [{ type: 0, flags: auto ? ID : 0, mask: WD | 0x40000, sid: U }], `child DACL, pass ${i}`);
    // SDFLAGSVSCHOWN: changing the owner (to Everyone and back) keeps the type flags
    const w = merge(child, { control: 0, owner: WORLD }, OWNER) as Sd;
    assert.is(w.owner, WORLD);
    const back = merge(w, { control: 0, owner: U }, OWNER) as Sd;
    assert.equal(back, child, `owner round trip, pass ${i}`);
  }
});

test("the synthesized descriptor of a file without one is what inheritance from its parent's gives", () => {
  for (const isDir of [false, true]) {
    const parent = call((out, cap) => E.default_sd(user, 1, out, cap)) as Uint8Array;
    const synth = decodeSd(call((out, cap) => E.default_sd(user, isDir ? 1 : 0, out, cap)) as Uint8Array);
    assert.equal(synth, { control: SR | DP, owner: U, group: G, dacl: [{ type: 0, flags: isDir ? OI | CI : 0, mask: FA, sid: WORLD }] });
    assert.equal(create(decodeSd(parent), null, isDir), synth, isDir ? "directory" : "file");
  }
});

test("creator descriptors: explicit DACL kept, owner checks, SACL privilege, NULL DACL, inherited DACL", () => {
  const parent: Sd = { control: DP, owner: U, group: G, dacl: [{ flags: OI | CI, mask: FA, sid: WORLD }] };
  // smb2.create.aclfile: the DACL given is the DACL stored, with the owner and group given
  const explicit: Ace[] = [{ type: 0, flags: 0, mask: FA, sid: WORLD }, { type: 0, flags: 0, mask: STD_ALL, sid: "S-1-5-11" }];
  assert.equal(create(parent, { control: DP, dacl: explicit }, false), { control: SR | DP, owner: U, group: G, dacl: explicit });
  const own: Sd = { control: DP, owner: WORLD, group: "S-1-5-32-545", dacl: [{ flags: 0, mask: 0x120089 | STD_ALL, sid: WORLD }] };
  assert.equal(create(parent, own, true), { ...own, control: SR | DP, dacl: [{ type: 0, flags: 0, mask: 0x1f0089, sid: WORLD }] });
  assert.is(create(parent, { control: 0, owner: "S-1-5-21-9-9-9-1000" }, false), STATUS_INVALID_OWNER);
  const restore = token([U, G, WORLD], 1, 4);
  assert.is((create(parent, { control: 0, owner: "S-1-5-21-9-9-9-1000" }, false, restore) as Sd).owner, "S-1-5-21-9-9-9-1000");
  assert.is(create(parent, { control: SP, sacl: [{ type: 2, flags: 0x80, mask: FA, sid: WORLD }] }, false), STATUS_PRIVILEGE_NOT_HELD);
  const sec = token([U, G, WORLD], 1, 1);
  assert.equal((create(parent, { control: SP, sacl: [{ type: 2, flags: 0x80, mask: FA, sid: WORLD }] }, false, sec) as Sd).sacl, [{ type: 2, flags: 0x80, mask: FA, sid: WORLD }]);
  // smb2.create.nulldacl: an empty descriptor (no DACL_PRESENT) gets the inherited DACL ...
  assert.equal((create(parent, { control: 0 }, false) as Sd).dacl, [{ type: 0, flags: 0, mask: FA, sid: WORLD }]);
  // ... a present NULL DACL stays NULL, an empty one stays empty
  const nul = create(parent, { control: DP }, false) as Sd;
  assert.is(nul.control & DP, DP);
  assert.is(nul.dacl, null);
  assert.equal((create(parent, { control: DP, dacl: [] }, false) as Sd).dacl, []);
  // generic rights: mapped on the effective copy, kept on the inheritable one
  const gen: Sd = { control: DP, owner: U, group: G, dacl: [{ flags: OI | CI, mask: 0x10000000, sid: WORLD }] };
  assert.equal((create(gen, null, true) as Sd).dacl, [{ type: 0, flags: 0, mask: FA, sid: WORLD }, { type: 0, flags: OI | CI | IO, mask: 0x10000000, sid: WORLD }]);
  assert.equal((create(gen, null, false) as Sd).dacl, [{ type: 0, flags: 0, mask: FA, sid: WORLD }]);
  // auto-inheritance merges explicit ACEs (first) with inherited ones unless the DACL is protected
  const auto: Sd = { control: DP | DI, owner: U, group: G, dacl: [{ flags: OI, mask: WD, sid: U }] };
  const mine: Ace[] = [{ type: 0, flags: 0, mask: 0x120089, sid: WORLD }];
  assert.equal(create(auto, { control: DP, dacl: mine }, false), { control: SR | DP | DI, owner: U, group: G, dacl: [...mine, { type: 0, flags: ID, mask: WD, sid: U }] });
  assert.equal(create(auto, { control: DP | PD, dacl: mine }, false), { control: SR | DP | PD, owner: U, group: G, dacl: mine });
});

test("queries return the parts asked for (smb2.acls get-sd, smb2.create.nulldacl)", () => {
  const sd: Sd = { control: DP | DI, owner: U, group: G, dacl: [{ type: 0, flags: 0, mask: WD, sid: U }] };
  assert.equal(query(sd, OWNER), { control: SR | DI, owner: U });
  assert.equal(query(sd, DACL | OWNER), { control: SR | DP | DI, owner: U, dacl: sd.dacl });
  assert.equal(query(sd, OWNER | GROUP | DACL), { ...sd, control: SR | DP | DI });
  assert.equal(query({ control: DP, owner: U, group: G, dacl: null }, OWNER | GROUP | DACL), { control: SR | DP, owner: U, group: G, dacl: null });
  assert.equal(query(sd, SACL), { control: SR | SP | DI, sacl: null }, "a missing SACL asked for is reported present and NULL");
  assert.equal(query(sd, 0), { control: SR | DI });
  // too small a buffer: the size needed is returned and nothing written
  const b = encodeSd(sd);
  const p = m.put(b);
  const out = m.alloc(16);
  assert.is(E.query_sd(p, b.length, OWNER | GROUP | DACL, out, 16), b.length);
  m.free(p);
  m.free(out);
});

test("SET_INFO merges: NULL DACL without DACL_PRESENT, generic mapping, owner rules", () => {
  const cur: Sd = { control: DP, owner: U, group: G, dacl: [{ type: 0, flags: 0, mask: FA, sid: WORLD }] };
  assert.equal(merge(cur, { control: 0 }, DACL), { control: SR | DP, owner: U, group: G, dacl: null }, "smb2.create.nulldacl: set empty sd");
  assert.equal((merge(cur, { control: DP, dacl: [] }, DACL) as Sd).dacl, []);
  // smb2.acls.CREATOR: GENERIC_READ | STD_ALL is stored as FILE_GENERIC_READ | STD_ALL; inherit-only ACEs keep generic bits
  const set: Ace[] = [{ type: 0, flags: 0, mask: 0x80000000 | STD_ALL, sid: U }, { type: 0, flags: OI | IO, mask: 0x10000000, sid: CO }];
  assert.equal((merge(cur, { control: DP, dacl: set }, DACL) as Sd).dacl, [{ type: 0, flags: 0, mask: 0x1f0089, sid: U }, set[1]]);
  assert.is(merge(cur, { control: 0, owner: "S-1-5-21-9-9-9-1000" }, OWNER), STATUS_INVALID_OWNER);
  assert.is(merge(cur, { control: 0 }, OWNER), STATUS_INVALID_OWNER, "owner part without an owner");
  const foreign: Sd = { ...cur, owner: "S-1-5-21-9-9-9-1000" };
  assert.is((merge(foreign, { control: 0, owner: "S-1-5-21-9-9-9-1000" }, OWNER) as Sd).owner, "S-1-5-21-9-9-9-1000", "unchanged owner");
  assert.equal(merge(cur, { control: 0, group: "S-1-5-32-545" }, GROUP), { ...cur, control: SR | DP, group: "S-1-5-32-545" });
  // parts not named stay; SACL only with its flag
  const withSacl = merge(cur, { control: SP, sacl: [{ type: 2, flags: 0x40, mask: WD, sid: WORLD }] }, SACL) as Sd;
  assert.equal(withSacl.sacl, [{ type: 2, flags: 0x40, mask: WD, sid: WORLD }]);
  assert.equal(withSacl.dacl, cur.dacl);
  assert.equal((merge(withSacl, { control: DP, dacl: [] }, DACL) as Sd).sacl, withSacl.sacl);
});

test("LABEL_SECURITY_INFORMATION: the mandatory label ACEs of the SACL, queried and set alone", () => {
  const LABEL = 0x10;
  const audit: Ace = { type: 2, flags: 0x80, mask: FA, sid: WORLD };
  const label: Ace = { type: 0x11, flags: 0, mask: 1, sid: "S-1-16-8192" };
  const sd: Sd = { control: DP | SP, owner: U, group: G, dacl: [{ type: 0, flags: 0, mask: FA, sid: WORLD }], sacl: [audit, label] };
  assert.equal(query(sd, LABEL), { control: SR | SP, sacl: [label] });
  const high: Ace = { type: 0x11, flags: 0, mask: 1, sid: "S-1-16-12288" };
  const set = merge(sd, { control: SP, sacl: [high, audit] }, LABEL) as Sd;
  assert.equal(set.sacl, [audit, high], "the audit ACE stays, the label is replaced (the new audit ACE ignored)");
  assert.equal(set.dacl, sd.dacl);
});

test.run();
