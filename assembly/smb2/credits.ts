// MS-SMB2 3.3.1.1 / 3.3.5.2.3 the command sequence window: which MessageIds a client may use,
// and how many credits a response grants.
import { bufAlloc, bufFree } from "../util/buffers";

/** Most credits a client may hold at once (Samba's default `smb2 max credits`). */
export const MAX_CREDITS: u64 = 8192;
const RING_BITS: u64 = 16384; // > MAX_CREDITS + largest CreditCharge
const RING_BYTES: usize = <usize>(RING_BITS / 8);

export class CreditWindow {
  /** Lowest MessageId not yet received (everything below is used). */
  low: u64 = 0;
  /** One past the highest MessageId granted. */
  high: u64 = 1;
  /** Bit i (mod RING_BITS) set: MessageId i in [low, high) was used out of order. */
  ring: usize = 0;

  init(): bool {
    this.ring = bufAlloc(RING_BYTES);
    if (this.ring == 0) return false;
    memory.fill(this.ring, 0, RING_BYTES);
    return true;
  }

  dispose(): void {
    bufFree(this.ring, RING_BYTES);
    this.ring = 0;
  }

  @inline private bit(id: u64): bool {
    const i = id % RING_BITS;
    return (load<u8>(this.ring + <usize>(i >> 3)) & (<u8>1 << <u8>(i & 7))) != 0;
  }

  @inline private setBit(id: u64, v: bool): void {
    const i = id % RING_BITS;
    const p = this.ring + <usize>(i >> 3);
    const m = <u8>1 << <u8>(i & 7);
    store<u8>(p, v ? load<u8>(p) | m : load<u8>(p) & ~m);
  }

  /**
   * Consumes MessageIds [id, id + charge). Returns false if any of them is outside the
   * window or already used (MS-SMB2 3.3.5.2.3: the server terminates the connection).
   */
  consume(id: u64, charge: u32): bool {
    const c = <u64>(charge == 0 ? 1 : charge);
    if (id < this.low || id + c > this.high || id + c < id) return false;
    for (let k: u64 = 0; k < c; k++) if (this.bit(id + k)) return false;
    for (let k: u64 = 0; k < c; k++) this.setBit(id + k, true);
    while (this.low < this.high && this.bit(this.low)) {
      this.setBit(this.low, false);
      this.low++;
    }
    return true;
  }

  /** Credits the client holds now (granted, not yet used). */
  outstanding(): u64 {
    let n = this.high - this.low;
    return n;
  }

  /**
   * Grants credits for one response: what the client asked for (at least 1 when it would
   * otherwise run dry, at least the charge it spent), bounded by MAX_CREDITS.
   */
  grant(requested: u16, charge: u16): u16 {
    let want = <u64>requested;
    const spent = <u64>(charge == 0 ? 1 : charge);
    if (want < spent && this.outstanding() < spent) want = spent;
    if (want == 0 && this.outstanding() == 0) want = 1;
    const have = this.outstanding();
    const room = have >= MAX_CREDITS ? 0 : MAX_CREDITS - have;
    if (want > room) want = room;
    this.high += want;
    return <u16>want;
  }
}

/**
 * MS-SMB2 3.3.5.2.5: a request that moves `payload` bytes must have been charged
 * ceil(payload / 64 KiB) credits (a CreditCharge of 0 counts as 1). 2.0.2 has no charge.
 */
export function chargeCovers(creditCharge: u16, multiCredit: bool, payload: u32): bool {
  if (!multiCredit) return payload <= 65536;
  const charge = creditCharge == 0 ? 1 : <u32>creditCharge;
  const need = payload == 0 ? 1 : (payload - 1) / 65536 + 1;
  return charge >= need;
}
