// MS-SMB2 3.3.5.4 / 3.3.5.5: the SHA-512 preauth integrity hash of 3.1.1, chained over the
// NEGOTIATE and SESSION_SETUP messages of a connection, a session or a binding.
import { sha512Init, sha512Update, sha512Final, SHA512_CTX_SIZE } from "../crypto/sha512";

/** hash = SHA-512(hash || message) (MS-SMB2 3.3.5.4 preauth integrity). */
export function preauthUpdate(hash: usize, msg: usize, len: u32): void {
  const preauthCtx = memory.data(SHA512_CTX_SIZE);
  sha512Init(preauthCtx);
  sha512Update(preauthCtx, hash, 64);
  sha512Update(preauthCtx, msg, <i32>len);
  sha512Final(preauthCtx, hash);
}
