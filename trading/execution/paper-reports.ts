/**
 * The messages the paper venue (paper-engine.ts) publishes about an order: OrderAck and Fill on the
 * execution domain, written into the venue's builder and stamped with the venue's instant.
 *
 * @module
 */

import { FillField, type InstrumentId, type MessageBuilder, OrderAckField, RelayDomain, TlvType } from "../../protocol/mod.ts";

/** Liquidity flag of a Fill: resting order filled later (maker) or an order that took liquidity (taker). */
export const Liquidity = { Maker: 1, Taker: 2 } as const;

/**
 * Writes one OrderAck message from `source` stamped `stamp` and returns its bytes (valid until the
 * builder's next message). `venueOrderId` is 0 for anything but an acceptance.
 */
export function writeOrderAck(
  b: MessageBuilder, source: number, stamp: bigint, orderId: bigint, venueOrderId: bigint, status: number, reason: number,
): Uint8Array {
  b.begin(RelayDomain.Execution, source).setTimestamp(stamp);
  const at = b.reserve(TlvType.OrderAck, 32);
  const dv = b.dv;
  dv.setBigUint64(at, orderId, true);
  dv.setBigUint64(at + OrderAckField.venueOrderId, venueOrderId, true);
  dv.setUint8(at + OrderAckField.status, status);
  dv.setUint8(at + OrderAckField.rejectReason, reason);
  dv.setBigUint64(at + OrderAckField.ackedAt, stamp, true);
  return b.finish();
}

/** Writes one Fill message from `source` stamped `stamp` and returns its bytes (valid until the builder's next message). */
export function writeFill(
  b: MessageBuilder, source: number, stamp: bigint, orderId: bigint, id: InstrumentId, side: number, liquidity: number, price: bigint,
  quantity: bigint, fee: bigint,
): Uint8Array {
  b.begin(RelayDomain.Execution, source).setTimestamp(stamp);
  const at = b.reserve(TlvType.Fill, 56);
  const dv = b.dv;
  dv.setBigUint64(at, orderId, true);
  dv.setBigUint64(at + FillField.assetId, id.assetId, true);
  dv.setUint16(at + FillField.venue, id.venue, true);
  dv.setUint8(at + FillField.assetType, id.assetType);
  dv.setUint8(at + FillField.side, side);
  dv.setUint8(at + FillField.liquidity, liquidity);
  dv.setBigInt64(at + FillField.price, price, true);
  dv.setBigInt64(at + FillField.quantity, quantity, true);
  dv.setBigInt64(at + FillField.fee, fee, true);
  dv.setBigUint64(at + FillField.filledAt, stamp, true);
  return b.finish();
}
