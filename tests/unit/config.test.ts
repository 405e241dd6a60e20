// Unit tests for host-common/config.ts (smb.conf parsing, defaults, warnings, serializeForCore).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError, addressBytes, defaultConfig, editDistance, isIpAddress, parseConfig, serializeForCore } from "../../host-common/config.ts";

const share = (body = "") => `[data]\npath = /srv/data\n${body}`;
const parse = (text: string) => parseConfig(text, "/etc/smb.conf");

/** Asserts that parsing throws a ConfigError whose message is exactly `message`. */
function fails(text: string, message: string) {
  try {
    parseConfig(text, "smb.conf");
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as Error).message, message);
    return;
  }
  assert.unreachable(`no error for ${JSON.stringify(text)}`);
}

test("defaultConfig: one guest-writable share on 127.0.0.1:4445", () => {
  const c = defaultConfig("/tmp/x");
  assert.equal(c.shares, [{ name: "share", path: "/tmp/x", comment: "Share", readOnly: false, guestOk: true, browseable: true, available: true, encryption: "default" }]);
  assert.equal(c.global, {
    serverString: "WASM SMB Server", netbiosName: "WASMSMB", workgroup: "WORKGROUP", serverSigning: "auto",
    minProtocol: 0x0202, maxProtocol: 0x0311, port: 4445, interfaces: ["127.0.0.1"], mapToGuest: "bad user",
    maxConnections: 0, logLevel: 0, encryption: "auto",
    encryptionAlgorithms: ["aes-128-gcm", "aes-128-ccm", "aes-256-gcm", "aes-256-ccm"], restrictAnonymous: 0,
    maxIpConnections: 0, maxOpenFiles: 16384, multiChannel: true, deadtime: 0, handshakeTimeout: 60, frameTimeout: 20,
  });
  assert.equal(c.warnings, []);
});

test("empty file: default globals, no shares; share defaults follow smb.conf", () => {
  const c = parse("");
  assert.equal(c.global, defaultConfig("x").global);
  assert.equal(c.shares, []);
  const s = parse(share()).shares[0];
  assert.equal(s, { name: "data", path: "/srv/data", comment: "", readOnly: true, guestOk: false, browseable: true, available: true, encryption: "default" });
});

test("every [global] key", () => {
  const c = parse(`[global]
server string = My Server
netbios name = fileserver1
workgroup = home
server signing = mandatory
server min protocol = SMB2_10
server max protocol = SMB3_02
tcp port = 10445
interfaces = 0.0.0.0, ::1 [fe80::1%eth0]
map to guest = never
max connections = 16
log level = 5
server smb encrypt = desired
server smb3 encryption algorithms = aes-256-gcm, aes-128-ccm
restrict anonymous = 2
allow hosts = 10.
max ip connections = 4
max open files = 100
server multi channel support = no
deadtime = 15
handshake timeout = 2.5
frame timeout = 10
`);
  assert.equal(c.global, {
    serverString: "My Server", netbiosName: "FILESERVER1", workgroup: "HOME", serverSigning: "mandatory",
    minProtocol: 0x0210, maxProtocol: 0x0302, port: 10445, interfaces: ["0.0.0.0", "::1", "fe80::1%eth0"],
    mapToGuest: "never", maxConnections: 16, logLevel: 5, encryption: "desired",
    encryptionAlgorithms: ["aes-256-gcm", "aes-128-ccm"], restrictAnonymous: 2,
    maxIpConnections: 4, maxOpenFiles: 100, multiChannel: false, deadtime: 15, handshakeTimeout: 2.5, frameTimeout: 10,
    hostsAllow: { match: [{ addr: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0), prefix: 104 }], except: [] },
  });
  assert.equal(c.warnings, []);
});

test("every share key and its synonyms", () => {
  const c = parse(`[Docs]
path = /srv/docs
comment = Documents
read only = no
guest ok = yes
browseable = no
available = no
smb encrypt = required
[b]
path = /b
writeable = yes
public = true
browsable = off
[c]
path = /c
writable = 1
[d]
path = /d
write ok = off
`);
  assert.equal(c.shares[0], { name: "Docs", path: "/srv/docs", comment: "Documents", readOnly: false, guestOk: true, browseable: false, available: false, encryption: "mandatory" });
  assert.equal([c.shares[1].readOnly, c.shares[1].guestOk, c.shares[1].browseable], [false, true, false]);
  assert.is(c.shares[2].readOnly, false);
  assert.is(c.shares[3].readOnly, true);
});

test("key names ignore case, spaces and underscores; booleans accept all spellings", () => {
  const c = parse(`[s]\npath=/s\nRead_Only = NO\nGUESTOK=On\n`);
  assert.is(c.shares[0].readOnly, false);
  assert.is(c.shares[0].guestOk, true);
  for (const [v, b] of [["yes", true], ["no", false], ["true", true], ["false", false], ["1", true], ["0", false], ["on", true], ["off", false], ["YES", true]] as const) {
    assert.is(parse(share(`guest ok = ${v}`)).shares[0].guestOk, b, v);
  }
});

test("signing aliases, protocol aliases and smb ports synonym", () => {
  const sig = (v: string) => parse(`server signing = ${v}`).global.serverSigning;
  assert.is(sig("required"), "mandatory");
  assert.is(sig("default"), "auto");
  assert.is(sig("if_required"), "auto");
  assert.is(sig("Disabled"), "disabled");
  assert.is(sig("auto"), "auto");
  const proto = (min: string, max: string) => {
    const g = parse(`server min protocol = ${min}\nserver max protocol = ${max}`).global;
    return [g.minProtocol, g.maxProtocol];
  };
  assert.equal(proto("SMB2", "SMB2"), [0x0202, 0x0210]);
  assert.equal(proto("smb3", "SMB3"), [0x0300, 0x0311]);
  assert.equal(proto("SMB2_02", "SMB3_11"), [0x0202, 0x0311]);
  assert.equal(proto("SMB3_00", "SMB3_00"), [0x0300, 0x0300]);
  assert.is(parse("smb ports = 1445 139").global.port, 1445);
  assert.is(parse("[global]\nmap to guest = Bad_User").global.mapToGuest, "bad user");
});

test("encryption: Samba and ksmbd spellings, global policy vs per-share, cipher lists", () => {
  const g = (v: string) => parse(`[global]\n${v}`).global;
  for (const [v, want] of [["disabled", "disabled"], ["off", "disabled"], ["no", "disabled"], ["auto", "auto"], ["default", "auto"],
    ["if_required", "auto"], ["desired", "desired"], ["mandatory", "mandatory"], ["required", "mandatory"], ["yes", "mandatory"]] as const) {
    assert.is(g(`server smb encrypt = ${v}`).encryption, want, v);
  }
  assert.is(g("smb3 encryption = mandatory").encryption, "mandatory"); // ksmbd.conf
  assert.is(g("smb encrypt = disabled").encryption, "disabled"); // Samba's older name
  // a per-share value does not change the session policy; a [global] one is also the shares' default
  const c = parse("[global]\nsmb encrypt = desired\n[a]\npath=/a\n[b]\npath=/b\nsmb encrypt = mandatory\n[c]\npath=/c\nsmb encrypt = off\n");
  assert.is(c.global.encryption, "desired");
  assert.equal(c.shares.map((s) => s.encryption), ["default", "mandatory", "disabled"]);
  assert.equal(g("server smb3 encryption algorithms = AES-128-CCM").encryptionAlgorithms, ["aes-128-ccm"]);
  assert.equal(g("server smb3 encryption algorithms = default").encryptionAlgorithms, ["aes-128-gcm", "aes-128-ccm", "aes-256-gcm", "aes-256-ccm"]);
  fails("server smb encrypt = sometimes", 'smb.conf:1: bad value "sometimes" for "server smb encrypt": expected disabled, auto (if_required), desired or mandatory (required)');
  fails("server smb3 encryption algorithms = aes-192-gcm", 'smb.conf:1: bad value "aes-192-gcm" for "server smb3 encryption algorithms": expected aes-128-gcm, aes-128-ccm, aes-256-gcm, aes-256-ccm or default');
  const text = serializeForCore(c);
  assert.ok(text.includes("\nencryption=desired\nciphers=2,1,4,3\n"), text);
  assert.ok(text.includes("\nname=b\ncomment=\nreadonly=1\nguestok=0\nbrowseable=1\nencryption=mandatory\nindex=1\n"), text);
});

test("access lists: user lists and host lists per share, [global] values as defaults, serialised for the core", () => {
  const c = parse(`[global]
hosts deny = 10.9.
[a]
path = /a
valid users = alice bob
invalid users = mallory
read list = bob
write list = alice
hosts allow = 10.1.0.0/16
[b]
path = /b
`);
  assert.equal(c.shares[0].validUsers, ["alice", "bob"]);
  assert.equal(c.shares[0].invalidUsers, ["mallory"]);
  assert.equal([c.shares[0].readList, c.shares[0].writeList], [["bob"], ["alice"]]);
  assert.is(c.shares[1].validUsers, undefined);
  const text = serializeForCore(c);
  assert.ok(text.includes("\nhostsdeny=00000000000000000000ffff0a090000/112\n"), text);
  assert.ok(text.includes("validusers=alice,bob\ninvalidusers=mallory\nreadlist=bob\nwritelist=alice\nhostsallow=00000000000000000000ffff0a010000/112\nhostsdeny=00000000000000000000ffff0a090000/112\nindex=0\n"), text);
  fails("[s]\npath=/s\nhosts allow = files.example", 'smb.conf:3: bad value "files.example" for "hosts allow": "files.example" is not an address, network (a.b.c.d/len, a.b.c.d/mask, a.b.c.) or ALL (host names are not resolved)');
  fails("handshake timeout = 0", 'smb.conf:1: bad value "0" for "handshake timeout": expected a number from 0.1 to 3600');
  fails("max open files = 0", 'smb.conf:1: bad value "0" for "max open files": expected a whole number from 1 to 2147483647');
  assert.ok(serializeForCore(parse("deadtime = 0.5\nhandshake timeout = 2.5")).includes("\ndeadtime=30000\nhandshaketimeout=2500\n"));
  fails("restrict anonymous = 3", 'smb.conf:1: bad value "3" for "restrict anonymous": expected a whole number from 0 to 2');
});

test("SMB1 min protocol is raised to SMB2_02 with a warning", () => {
  const c = parse("server min protocol = NT1");
  assert.is(c.global.minProtocol, 0x0202);
  assert.match(c.warnings[0], /^\/etc\/smb\.conf:1: SMB1 \(NT1\) is not supported/);
});

test("bad values throw ConfigError naming file, line and key", () => {
  fails(`[global]\n\n${"# c\n".repeat(9)}\n[s]\npath=/s\nread only = maybe\n`, 'smb.conf:15: bad value "maybe" for "read only": expected yes/no');
  fails("netbios name = ABCDEFGHIJKLMNOP", 'smb.conf:1: bad value "ABCDEFGHIJKLMNOP" for "netbios name": expected 1 to 15 letters, digits or punctuation other than \\ / : * ? " < > |');
  fails("workgroup = a/b", 'smb.conf:1: bad value "a/b" for "workgroup": expected 1 to 15 letters, digits or punctuation other than \\ / : * ? " < > |');
  fails("server signing = sometimes", 'smb.conf:1: bad value "sometimes" for "server signing": expected auto, mandatory or disabled');
  fails("server max protocol = NT1", 'smb.conf:1: bad value "NT1" for "server max protocol": expected SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11, SMB2 or SMB3');
  fails("server min protocol = SMB3\nserver max protocol = SMB2", 'smb.conf:2: "server min protocol" (0x0300) is above "server max protocol" (0x0210)');
  fails("server max protocol = SMB2_02\n\nserver min protocol = SMB3_11", 'smb.conf:3: "server min protocol" (0x0311) is above "server max protocol" (0x0202)');
  fails("tcp port = 0", 'smb.conf:1: bad value "0" for "tcp port": expected a whole number from 1 to 65535');
  fails("smb ports = 445 99999", 'smb.conf:1: bad value "445 99999" for "smb ports": expected a whole number from 1 to 65535');
  fails("tcp port = http", 'smb.conf:1: bad value "http" for "tcp port": expected a whole number from 1 to 65535');
  fails("interfaces = eth0", 'smb.conf:1: bad value "eth0" for "interfaces": expected IP addresses separated by spaces or commas (interface names are not supported)');
  fails("interfaces = 256.1.1.1", 'smb.conf:1: bad value "256.1.1.1" for "interfaces": expected IP addresses separated by spaces or commas (interface names are not supported)');
  fails("map to guest = bad password", 'smb.conf:1: bad value "bad password" for "map to guest": expected never or bad user');
  fails("max connections = -1", 'smb.conf:1: bad value "-1" for "max connections": expected a whole number from 0 to 2147483647');
  fails("log level = 11", 'smb.conf:1: bad value "11" for "log level": expected a whole number from 0 to 10');
  fails("[s]\npath = /s\nbrowsable = 2", 'smb.conf:3: bad value "2" for "browsable": expected yes/no');
  fails("[s]\npath = /s\navailable = y", 'smb.conf:3: bad value "y" for "available": expected yes/no');
});

test("ConfigError carries file, line and key", () => {
  try {
    parseConfig("[s]\npath=/s\nguest ok = perhaps", "x.conf");
    assert.unreachable();
  } catch (e) {
    const ce = e as ConfigError;
    assert.equal([ce.file, ce.line, ce.key], ["x.conf", 3, "guest ok"]);
  }
});

test("share section errors: no path, duplicate, ipc$, long or bad names, bad syntax", () => {
  fails("[global]\n[Data]\ncomment = x\n", 'smb.conf:2: share [Data] has no "path"');
  fails("[a]\npath=/a\n[A]\npath=/b", "smb.conf:3: duplicate share [A] (first defined on line 1)");
  fails("[IPC$]\npath=/x", "smb.conf:1: share name [IPC$] is reserved");
  fails(`[${"x".repeat(81)}]\npath=/x`, `smb.conf:1: share name "${"x".repeat(20)}…" is longer than 80 characters`);
  assert.is(parse(`[${"x".repeat(80)}]\npath=/x`).shares[0].name.length, 80);
  fails("[a/b]\npath=/x", 'smb.conf:1: share name "a/b" contains a character not allowed in share names');
  fails("[]\n", "smb.conf:1: empty section name");
  fails("[a\tb]\npath=/x", 'smb.conf:1: share name "a\tb" contains a character not allowed in share names');
  assert.is(parse("[s]\npath=/s\ncomment=a\tb").shares[0].comment, "a\tb");
  fails("[oops\n", 'smb.conf:1: bad section header "[oops": expected [name]');
  fails("just words", 'smb.conf:1: expected "key = value" or "[section]", got "just words"');
  fails(" = 3", 'smb.conf:1: missing key name before "="');
  fails("comment = a\rb", 'smb.conf:1: control character in value of "comment"');
});

test("unknown keys warn with the nearest known key", () => {
  const c = parse(`[global]
netbios nmae = X
totally unrelated = 1
[share]
path = /s
raed only = no
guestok = yes
`);
  assert.equal(c.warnings, [
    '/etc/smb.conf:2: unknown key "netbios nmae" in [global] — did you mean "netbios name"?',
    '/etc/smb.conf:3: unknown key "totally unrelated" in [global]',
    '/etc/smb.conf:6: unknown key "raed only" in [share] — did you mean "read only"?',
  ]);
  assert.is(c.shares[0].readOnly, true); // the misspelt key had no effect
  assert.is(c.shares[0].guestOk, true);
  assert.is(editDistance("raedonly", "readonly"), 1);
  assert.is(editDistance("kitten", "sitting"), 3);
});

test("misplaced and duplicate keys warn; [global] share keys are defaults for shares", () => {
  const c = parse(`[global]
guest ok = yes
path = /nowhere
[a]
path = /a
workgroup = X
[b]
path = /b
guest ok = no
read only = yes
writeable = yes
`);
  assert.equal(c.global.workgroup, "WORKGROUP");
  assert.equal([c.shares[0].guestOk, c.shares[1].guestOk, c.shares[1].readOnly], [true, false, false]);
  assert.equal(c.warnings, [
    '/etc/smb.conf:3: "path" belongs in a share section; ignored in [global]',
    '/etc/smb.conf:6: "workgroup" is a [global] key; ignored in [a]',
    '/etc/smb.conf:11: "writeable" overrides "read only" set on line 10 in [b]',
  ]);
});

test("comments, blank lines, continuation lines, CRLF, keys before any section, [GLOBAL] twice", () => {
  const c = parse(`# comment\r
; another = comment\r
workgroup = EARLY\r
\r
[ GLOBAL ]   # trailing comment\r
server string = one \\\r
   two \\\r
three\r
   interfaces = 10.0.0.1 \\
     10.0.0.2
# a continued comment \\
log level = 9
[s]
path = /s
comment = value # not a comment
[Global]
log level = 3
`);
  assert.is(c.global.workgroup, "EARLY");
  assert.is(c.global.serverString, "one two three");
  assert.equal(c.global.interfaces, ["10.0.0.1", "10.0.0.2"]);
  assert.is(c.global.logLevel, 3);
  assert.is(c.shares[0].comment, "value # not a comment");
  assert.equal(c.warnings, []);
  fails("comment = 1 \\\n2\n\nnetbios name = \\\n TOOLONGNETBIOSNAME", 'smb.conf:4: bad value "TOOLONGNETBIOSNAME" for "netbios name": expected 1 to 15 letters, digits or punctuation other than \\ / : * ? " < > |');
});

test("relative share paths resolve against the config file's directory", () => {
  assert.is(parseConfig("[s]\npath = data", "/etc/ksmbd/ksmbd.conf").shares[0].path, "/etc/ksmbd/data");
  assert.is(parseConfig("[s]\npath = ../srv", "/etc/ksmbd/ksmbd.conf").shares[0].path, "/etc/srv");
  assert.is(parseConfig("[s]\npath = data", "smb.conf").shares[0].path, "data");
  assert.is(parseConfig("[s]\npath = /abs", "conf/smb.conf").shares[0].path, "/abs");
});

test("log level with debug classes keeps the level and warns", () => {
  const c = parse("log level = 2 auth:5");
  assert.is(c.global.logLevel, 2);
  assert.is(c.warnings.length, 1);
});

test("isIpAddress", () => {
  for (const a of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "::", "::1", "fe80::1%eth0", "2001:db8::8:800:200c:417a", "::ffff:10.1.2.3", "1:2:3:4:5:6:7:8", "[::1]"]) {
    assert.ok(isIpAddress(a), a);
  }
  for (const a of ["", "1.2.3", "1.2.3.04", "1.2.3.256", "localhost", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "12345::", "eth0"]) {
    assert.not.ok(isIpAddress(a), a);
  }
});

test("serializeForCore: normalised key=value text, one section per available share", () => {
  const c = parse(`[global]
netbios name = srv
server signing = required
server max protocol = SMB3_02
map to guest = never
log level = 4
[Pub]
path = /p
comment = Public files
guest ok = yes
read only = no
[gone]
path = /g
available = no
[Hidden$]
path = /h
browseable = no
`);
  assert.is(serializeForCore(c), `[global]
netbiosname=SRV
workgroup=WORKGROUP
serverstring=WASM SMB Server
signing=mandatory
minprotocol=0x0202
maxprotocol=0x0302
maptoguest=0
loglevel=4
maxconnections=0
interfaces=7f000001
encryption=auto
ciphers=2,1,4,3
hostsallow=
hostsdeny=
restrictanonymous=0
maxipconnections=0
maxopenfiles=16384
multichannel=1
deadtime=0
handshaketimeout=60000
frametimeout=20000
[share]
name=Pub
comment=Public files
readonly=0
guestok=1
browseable=1
encryption=default
index=0
[share]
name=Hidden$
comment=
readonly=1
guestok=0
browseable=0
encryption=default
index=2
`);
  const two = parse("[global]\ninterfaces = 192.168.1.20, [fe80::1%eth0] ::ffff:10.0.0.1\n");
  assert.ok(serializeForCore(two).includes("\ninterfaces=c0a80114,fe800000000000000000000000000001,00000000000000000000ffff0a000001\n"), serializeForCore(two));
  const d = serializeForCore(defaultConfig("/x"));
  assert.ok(d.includes("maptoguest=1\n") && d.includes("name=share\ncomment=Share\nreadonly=0\nguestok=1\n"), d);
  assert.not.ok(d.includes("/x"));
  const bad = defaultConfig("/x");
  bad.shares[0].comment = "a\nb";
  assert.throws(() => serializeForCore(bad), /newline/);
});

test("addressBytes: IPv4 and IPv6 literals in network byte order", () => {
  const h = (a: string) => {
    const b = addressBytes(a);
    return b === null ? null : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  };
  assert.is(h("127.0.0.1"), "7f000001");
  assert.is(h("0.0.0.0"), "00000000");
  assert.is(h("255.255.255.255"), "ffffffff");
  assert.is(h("::"), "00000000000000000000000000000000");
  assert.is(h("::1"), "00000000000000000000000000000001");
  assert.is(h("[::1]"), "00000000000000000000000000000001");
  assert.is(h("2001:db8::8:800:200c:417a"), "20010db80000000000080800200c417a");
  assert.is(h("2001:db8:0:0:1:0:0:1"), "20010db8000000000001000000000001");
  assert.is(h("fe80::1%eth0"), "fe800000000000000000000000000001");
  assert.is(h("1::"), "00010000000000000000000000000000");
  assert.is(h("::ffff:192.0.2.128"), "00000000000000000000ffffc0000280");
  assert.is(h("64:ff9b::1.2.3.4"), "0064ff9b000000000000000001020304");
  assert.is(h("1:2:3:4:5:6:7:8"), "00010002000300040005000600070008");
  for (const bad of ["", "localhost", "1.2.3", "256.1.1.1", "1:2:3", ":::", "1::2::3", "eth0"]) assert.is(h(bad), null, bad);
});

test.run();
