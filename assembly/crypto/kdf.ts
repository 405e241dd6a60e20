// SP 800-108 KDF in counter mode with HMAC-SHA256 as PRF: SMB 3.x key derivation (MS-SMB2 3.1.4.2).
import { storeBE32, wipe } from "../util/bytes";
import { HMAC_SHA256_CTX_SIZE, hmacSha256Init, hmacSha256Update, hmacSha256Final } from "./hmac";

// Static scratch: HMAC context, the fixed-size fields (counter, separator, [L]2) and one PRF block.
const CTX = memory.data(HMAC_SHA256_CTX_SIZE, 8);
const FIELD = memory.data(8, 8);
const BLOCK = memory.data(32, 8);

/**
 * Derives outBits bits into out: K(i) = HMAC-SHA256(key, [i]_32 || Label || 0x00 || Context ||
 * [L]_32) for i = 1, 2, ..., with i and L = outBits big-endian, concatenated and truncated to
 * outBits / 8 bytes. MS-SMB2 uses r = 32 and L = 128 (AES-128 keys) or 256 (AES-256 keys).
 * label and context are used exactly as given (callers include MS-SMB2's trailing NULs).
 * outBits must be a positive multiple of 8; any other value writes nothing. Negative label or
 * context lengths count as 0. Scratch holding key material is wiped before returning.
 */
export function kdfCounterHmacSha256(
  key: usize, keyLen: i32,
  label: usize, labelLen: i32,
  context: usize, contextLen: i32,
  out: usize, outBits: i32,
): void {
  if (outBits <= 0 || (outBits & 7) != 0) return;
  const outLen = outBits >> 3;
  let done = 0;
  for (let i: u32 = 1; done < outLen; i++) {
    hmacSha256Init(CTX, key, keyLen);
    storeBE32(FIELD, i);
    hmacSha256Update(CTX, FIELD, 4);
    hmacSha256Update(CTX, label, labelLen);
    store<u8>(FIELD, 0);
    hmacSha256Update(CTX, FIELD, 1);
    hmacSha256Update(CTX, context, contextLen);
    storeBE32(FIELD, <u32>outBits);
    hmacSha256Update(CTX, FIELD, 4);
    hmacSha256Final(CTX, BLOCK);
    const take = min(32, outLen - done);
    memory.copy(out + <usize>done, BLOCK, <usize>take);
    done += take;
  }
  wipe(BLOCK, 32);
  wipe(CTX, HMAC_SHA256_CTX_SIZE);
}
