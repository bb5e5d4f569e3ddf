/**
 * Shifts the venue timestamps inside market-data messages by a fixed offset and re-seals the checksum.
 * A looping replay (the embedded demo) uses it so every pass of a capture carries fresh, increasing
 * venue times instead of jumping back to the capture's start — strategies' time windows and the risk
 * manager's staleness guard then see a feed that behaves like a live one.
 *
 * @example
 * ```ts
 * const fresh = retimeMessage(bytes, offsetNs); // a copy; `bytes` is untouched
 * ```
 * @module
 */

import { HEADER_SIZE, HeaderOffset, MessageView, TlvType, messageChecksum } from "../protocol/mod.ts";

/** Offset of the venue timestamp (u64 ns) inside each market-data TLV value that has one. */
const VENUE_TIME_FIELD: Readonly<Record<number, number>> = {
  [TlvType.Trade]: 32,
  [TlvType.Quote]: 44,
  [TlvType.OrderBook]: 12,
  [TlvType.PoolSwap]: 112,
  [TlvType.PoolMint]: 120,
  [TlvType.PoolBurn]: 120,
  [TlvType.PoolSync]: 76,
};

const view = new MessageView();

/**
 * Returns a copy of the message with every non-zero venue timestamp moved by `offsetNs` (clamped at 0)
 * and a fresh checksum. The header timestamp is left alone (the builder stamps it).
 */
export function retimeMessage(bytes: Uint8Array, offsetNs: bigint): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.wrap(out);
  if (view.firstTlv()) {
    do {
      const field = VENUE_TIME_FIELD[view.tlvType];
      if (field === undefined || view.tlvLength < field + 8) continue;
      const at = view.tlvStart - out.byteOffset + field;
      const t = dv.getBigUint64(at, true);
      if (t === 0n) continue;
      const shifted = t + offsetNs;
      dv.setBigUint64(at, shifted < 0n ? 0n : shifted, true);
    } while (view.nextTlv());
  }
  dv.setUint32(HeaderOffset.checksum, messageChecksum(out, 0, HEADER_SIZE + dv.getUint32(HeaderOffset.payloadSize, true)), true);
  return out;
}
