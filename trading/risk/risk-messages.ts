/**
 * The messages the risk manager writes: an OrderAck rejecting an order, a Cancel of an open order, and
 * the forward of a TLV under its own source. Each is built in `b` and returned as a view of its buffer.
 *
 * @module
 */

import { CancelField, OrderAckField, OrderStatus, RelayDomain, TlvType, type MessageBuilder, type MessageView } from "../../protocol/mod.ts";

/** An OrderAck (status rejected, `reason`) for `orderId`, stamped `now`. */
export function writeRejection(b: MessageBuilder, source: number, orderId: bigint, reason: number, now: bigint): Uint8Array {
  b.begin(RelayDomain.Execution, source).setTimestamp(now);
  const at = b.reserve(TlvType.OrderAck, 32);
  const dv = b.dv;
  dv.setBigUint64(at + OrderAckField.orderId, orderId, true);
  dv.setUint8(at + OrderAckField.status, OrderStatus.Rejected);
  dv.setUint8(at + OrderAckField.rejectReason, reason);
  dv.setBigUint64(at + OrderAckField.ackedAt, now, true);
  return b.finish();
}

/** A Cancel of `orderId` with `reason`, stamped `now`. */
export function writeCancel(b: MessageBuilder, source: number, orderId: bigint, reason: number, now: bigint): Uint8Array {
  b.begin(RelayDomain.Execution, source).setTimestamp(now);
  const at = b.reserve(TlvType.Cancel, 24);
  const dv = b.dv;
  dv.setBigUint64(at + CancelField.orderId, orderId, true);
  dv.setUint8(at + CancelField.reason, reason);
  dv.setBigUint64(at + CancelField.requestedAt, now, true);
  return b.finish();
}

/** The TLV under `view`'s cursor (its first `length` bytes) re-published under `source`, with the message's stamp. */
export function writeForward(b: MessageBuilder, source: number, view: MessageView, length: number): Uint8Array {
  b.begin(RelayDomain.Execution, source).setTimestamp(view.timestamp);
  const at = b.reserve(view.tlvType, length);
  b.bytes.set(view.u8.subarray(view.tlvStart, view.tlvStart + length), at);
  return b.finish();
}
