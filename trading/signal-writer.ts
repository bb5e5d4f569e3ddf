/**
 * Writing signal messages into a reused {@link MessageBuilder}: the header with a deterministic
 * timestamp (taken from the triggering input, never the clock) and the SignalIdentity TLV every signal
 * message starts with (PROTOCOL.md §4).
 *
 * @example
 * ```ts
 * beginSignal(builder, source, triggerTimestamp);
 * writeSignalIdentity(builder, strategyId, 80, signalId);
 * const at = builder.reserve(TlvType.MomentumSignal, 32); // then fields via builder.dv
 * sink.publish(builder.finish());
 * ```
 * @module
 */

import { SignalIdentityField, RelayDomain, TlvType, type MessageBuilder } from "../protocol/mod.ts";

/** Starts a Signal-domain message from `source` stamped with `timestamp` (ns). */
export function beginSignal(builder: MessageBuilder, source: number, timestamp: bigint): void {
  builder.begin(RelayDomain.Signal, source).setTimestamp(timestamp);
}

/** Appends SignalIdentity (20): strategyId u16 · confidence u8 · reserved · signalId u64. */
export function writeSignalIdentity(builder: MessageBuilder, strategyId: number, confidence: number, signalId: bigint): void {
  const at = builder.reserve(TlvType.SignalIdentity, 16);
  const dv = builder.dv;
  dv.setUint16(at + SignalIdentityField.strategyId, strategyId, true);
  dv.setUint8(at + SignalIdentityField.confidence, Math.max(0, Math.min(100, Math.round(confidence))));
  dv.setBigUint64(at + SignalIdentityField.signalId, signalId, true);
}

/** Clamps a bigint to i64 (USD amounts in signals). */
export function clampI64(x: bigint): bigint {
  const max = (1n << 63n) - 1n;
  return x > max ? max : x < -max - 1n ? -max - 1n : x;
}

/** Clamps a bigint to u64. */
export function clampU64(x: bigint): bigint {
  const max = (1n << 64n) - 1n;
  return x > max ? max : x < 0n ? 0n : x;
}

/** Clamps a number to i32. */
export function clampI32(x: number): number {
  return x > 2_147_483_647 ? 2_147_483_647 : x < -2_147_483_648 ? -2_147_483_648 : Math.trunc(x);
}
