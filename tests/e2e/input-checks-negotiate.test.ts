// End-to-end input checks of SMB 3.1.1 NEGOTIATE contexts (MS-SMB2 2.2.3.1, 3.3.5.4) not covered
// by bad-input-commands.test.ts: the preauth integrity context's HashAlgorithmCount/SaltLength
// against its DataLength and the hash algorithm against the one the server implements (review
// M16), cipher/signing counts against DataLength (P7), and the specific status of each failure
// (P6). Each case on its own connection; a bystander, smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import {
  Smb2Client, Command, Status, header, negotiateBody, preauthContext, encryptionContext, signingContext, hexStatus,
  type NegotiateContext,
} from "../helpers/smb2-raw.ts";
import { startBadInputServer, underAttack, expectStatus, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { St } from "../helpers/input-checks.ts";

let srv: RunningServer;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

/** Sends a NEGOTIATE (MessageId 0) on a fresh connection; checks its status; returns the response. */
async function negotiateExpect(dialects: number[], contexts: NegotiateContext[] | undefined, status: number, what: string) {
  const c = await Smb2Client.connect(srv.port);
  c.sendFrame(Buffer.concat([header({ command: Command.NEGOTIATE, messageId: 0 }), negotiateBody(dialects, { contexts })]));
  const m = await expectStatus(c, status, what);
  c.end();
  return m;
}

/** A context with its data patched (u16 at byte `at` of the data set to v). */
function patched(ctx: NegotiateContext, at: number, v: number): NegotiateContext {
  const d = Buffer.from(ctx.data);
  d.writeUInt16LE(v, at);
  return { type: ctx.type, data: d };
}

attack("preauth context naming only hash algorithms the server lacks → STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP (M16, P6)", async () => {
  for (const algs of [[2], [0], [0xffff, 3]]) {
    await negotiateExpect([0x0311], [preauthContext(algs), encryptionContext()], St.SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP, `HashAlgorithms ${algs}`);
  }
});

attack("preauth context whose HashAlgorithmCount or SaltLength runs past its DataLength → STATUS_INVALID_PARAMETER (M16)", async () => {
  const p = preauthContext([1]); // count 1, salt 32: DataLength 38
  await negotiateExpect([0x0311], [patched(p, 2, 33)], Status.INVALID_PARAMETER, "SaltLength 33 in 38 bytes");
  await negotiateExpect([0x0311], [patched(p, 2, 0xffff)], Status.INVALID_PARAMETER, "SaltLength 0xffff");
  await negotiateExpect([0x0311], [patched(p, 0, 2)], Status.INVALID_PARAMETER, "HashAlgorithmCount 2 with room for 1 + salt");
  await negotiateExpect([0x0311], [patched(p, 0, 0xffff)], Status.INVALID_PARAMETER, "HashAlgorithmCount 0xffff");
  await negotiateExpect([0x0311], [{ type: 1, data: Buffer.from([1, 0]) }], Status.INVALID_PARAMETER, "preauth context of 2 bytes");
});

attack("the server's preauth context is SHA-512 with a 32-byte salt, whatever the client offers (M16)", async () => {
  const m = await negotiateExpect([0x0311], [preauthContext([2, 1, 0x77], Buffer.alloc(5, 9)), encryptionContext()], Status.SUCCESS, "SHA-512 among unknown algorithms");
  assert.is(m.body.readUInt16LE(4), 0x0311, "DialectRevision");
  const off = m.body.readUInt32LE(60) - 64;
  assert.ok(m.body.readUInt16LE(6) >= 1, "NegotiateContextCount");
  assert.is(m.body.readUInt16LE(off), 1, "first context: SMB2_PREAUTH_INTEGRITY_CAPABILITIES");
  assert.is(m.body.readUInt16LE(off + 2), 38, "DataLength");
  assert.is(m.body.readUInt16LE(off + 8), 1, "HashAlgorithmCount");
  assert.is(m.body.readUInt16LE(off + 10), 32, "SaltLength");
  assert.is(m.body.readUInt16LE(off + 12), 1, "SHA-512");
});

attack("encryption / signing contexts whose CipherCount / SigningAlgorithmCount runs past DataLength → STATUS_INVALID_PARAMETER (P7)", async () => {
  await negotiateExpect([0x0311], [preauthContext(), patched(encryptionContext([2, 1]), 0, 3)], Status.INVALID_PARAMETER, "CipherCount 3 of 2");
  await negotiateExpect([0x0311], [preauthContext(), patched(encryptionContext([2]), 0, 0x8000)], Status.INVALID_PARAMETER, "CipherCount 0x8000");
  await negotiateExpect([0x0311], [preauthContext(), patched(signingContext([2, 1, 0]), 0, 4)], Status.INVALID_PARAMETER, "SigningAlgorithmCount 4 of 3");
  await negotiateExpect([0x0311], [preauthContext(), { type: 2, data: Buffer.from([1]) }], Status.INVALID_PARAMETER, "encryption context of 1 byte");
});

attack("no common dialect → STATUS_NOT_SUPPORTED, the cause itself (P6)", async () => {
  const m = await negotiateExpect([0x0200, 0x0222, 0x0400], [], Status.NOT_SUPPORTED, "dialects 0x0200, 0x0222, 0x0400");
  assert.is(hexStatus(m.status), hexStatus(Status.NOT_SUPPORTED));
});

test.run();
