/** Message makers for the bridge's socket-free tests. */

import { AssetType, HeaderOffset, messageChecksum, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "../../protocol/mod.ts";

const builder = new MessageBuilder(4096);
const BTC_USD = pairAssetId("BTC", "USD");

/** A valid market-data Trade of `source` with the given sequence and timestamp (a fresh copy). */
export function trade(source: number, sequence: bigint, timestamp: bigint = 1_700_000_000_000_000_000n + sequence): Uint8Array {
  const m = builder
    .begin(RelayDomain.MarketData, source)
    .addTrade(BTC_USD, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, sequence, 100n, 0n)
    .finish()
    .slice();
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  dv.setBigUint64(HeaderOffset.sequence, sequence, true);
  dv.setBigUint64(HeaderOffset.timestamp, timestamp, true);
  dv.setUint32(HeaderOffset.checksum, messageChecksum(m, 0, m.length), true);
  return m;
}

/** Sequence of a message. */
export function seqOf(m: Uint8Array, offset = 0): bigint {
  return new DataView(m.buffer, m.byteOffset, m.byteLength).getBigUint64(offset + HeaderOffset.sequence, true);
}

/** Concatenation of messages (a bridge payload). */
export function concatMessages(msgs: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(msgs.reduce((a, m) => a + m.length, 0));
  let p = 0;
  for (const m of msgs) {
    out.set(m, p);
    p += m.length;
  }
  return out;
}
