// Shared checks for the SMB3 encryption end-to-end tests: smbclient run through a recording
// proxy, and what the proxy saw on the wire (MS-SMB2 2.2.41: after SESSION_SETUP every frame is
// a well-formed TRANSFORM_HEADER, the negotiated cipher is the expected one, nonces never repeat).
import * as assert from "uvu/assert";
import { run, clientConf } from "./smbclient.ts";
import { FrameProxy, plainMessages } from "./tcp-proxy.ts";
import { Command, parseMessages } from "./smb2-raw.ts";
import { negotiateContexts, SMB2_GLOBAL_CAP_ENCRYPTION } from "./smb3-client.ts";
import { TRANSFORM_PROTOCOL_ID, nonceLength } from "./smb3-crypto.ts";

export interface ClientRun {
  code: number | null;
  out: string;
  proxy: FrameProxy;
}

/** smbclient -U user%password [extra] //127.0.0.1/share -c cmds, through a fresh FrameProxy to port. */
export async function smbclientVia(port: number, share: string, cmds: string, extra: string[], o: { user: string; password: string; cwd: string }): Promise<ClientRun> {
  const proxy = await FrameProxy.start(port);
  const r = await run("smbclient", ["-p", String(proxy.port), "-s", clientConf, "-U", `${o.user}%${o.password}`, ...extra, `//127.0.0.1/${share}`, "-c", cmds], o.cwd, 60000);
  await proxy.stop();
  return { ...r, proxy };
}

/**
 * Checks each proxied connection: the negotiated cipher (3.1.1 context, or the 3.0
 * SMB2_GLOBAL_CAP_ENCRYPTION capability), then after the successful SESSION_SETUP only
 * TRANSFORM_HEADER frames both ways; the server's with Flags 1, the right OriginalMessageSize
 * and SessionId, zero unused nonce bytes and no nonce twice. Returns the encrypted frame counts.
 */
export function checkWire(p: FrameProxy, cipher: number, dialect311: boolean): { c2s: number; s2c: number } {
  let c2s = 0;
  let s2c = 0;
  const conns = [...new Set(p.frames.map((f) => f.conn))];
  assert.ok(conns.length > 0, "the client connected through the proxy");
  for (const conn of conns) {
    const frames = p.frames.filter((f) => f.conn === conn);
    const neg = frames.find((f) => f.dir === "s2c" && plainMessages(f.bytes).some((m) => m.command === Command.NEGOTIATE));
    assert.ok(neg, "NEGOTIATE response seen");
    const nm = parseMessages((neg as { bytes: Buffer }).bytes)[0];
    if (dialect311) {
      assert.is(nm.body.readUInt16LE(4), 0x0311, "dialect 3.1.1");
      const ctx = negotiateContexts(nm).find((c) => c.type === 2);
      assert.is(ctx?.data.readUInt16LE(2), cipher, "the encryption context names the cipher");
    } else {
      assert.ok((nm.body.readUInt32LE(24) & SMB2_GLOBAL_CAP_ENCRYPTION) !== 0, "SMB2_GLOBAL_CAP_ENCRYPTION");
    }
    const setupAt = frames.findIndex((f) => f.dir === "s2c" && plainMessages(f.bytes).some((m) => m.command === Command.SESSION_SETUP && m.status === 0));
    assert.ok(setupAt > 0, "SESSION_SETUP succeeded");
    const sid = parseMessages(frames[setupAt].bytes)[0].sessionId;
    const nonces = new Set<string>();
    for (const f of frames.slice(setupAt + 1)) {
      assert.is(f.protocolId, TRANSFORM_PROTOCOL_ID, `${f.dir} frame after SESSION_SETUP is encrypted (${f.bytes.subarray(0, 16).toString("hex")})`);
      if (f.dir === "c2s") {
        c2s++;
        continue;
      }
      s2c++;
      assert.is(f.bytes.readUInt32LE(36), f.bytes.length - 52, "OriginalMessageSize");
      assert.is(f.bytes.readUInt16LE(42), 1, "Flags = Encrypted");
      assert.is(f.bytes.readBigUInt64LE(44), sid, "SessionId");
      const n = f.bytes.subarray(20, 36);
      const nl = nonceLength(cipher);
      assert.ok(n.subarray(nl).equals(Buffer.alloc(16 - nl)), "unused nonce bytes are zero");
      assert.not.ok(nonces.has(n.toString("hex")), "a nonce is never reused");
      nonces.add(n.toString("hex"));
    }
  }
  return { c2s, s2c };
}
