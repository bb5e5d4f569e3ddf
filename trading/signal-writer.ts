/**
 * Writing signal messages into a reused {@link MessageBuilder}: the header with a deterministic
 * timestamp (taken from the triggering input, never the clock) and the SignalIdentity TLV every signal
 * message starts with (PROTOCOL.md §4).
 *
 * @example
 * ```ts
 * beginSignalFrom(builder, source, view); // or beginSignal(builder, source, triggerTimestamp)
 * writeDerivedSignalIdentity(builder, strategyId, 80, ids, view, 0); // or writeSignalIdentity(…, signalId)
 * const at = builder.reserve(TlvType.MomentumSignal, 32); // then fields via builder.dv
 * sink.publish(builder.finish());
 * ```
 * @module
 */

import { HeaderOffset, SignalIdentityField, RelayDomain, setSafeInt64, TlvType, type MessageBuilder, type MessageView } from "../protocol/mod.ts";
import type { SignalIdSpace } from "./signal-id.ts";

/** Starts a Signal-domain message from `source` stamped with `timestamp` (ns). */
export function beginSignal(builder: MessageBuilder, source: number, timestamp: bigint): void {
  // 0: no clock read for the stamp overwritten next.
  builder.begin(RelayDomain.Signal, source, 0).setTimestamp(timestamp);
}

/**
 * {@link beginSignal} stamped with the timestamp of the message `trigger` (copied in place, no bigint:
 * signal paths run rarely, in V8's interpreter, where each bigint is a runtime call that allocates).
 *
 * @example
 * ```ts
 * beginSignalFrom(builder, source, view);
 * ```
 */
export function beginSignalFrom(builder: MessageBuilder, source: number, trigger: MessageView): void {
  builder.begin(RelayDomain.Signal, source, 0);
  const from = trigger.dv;
  const at = trigger.start + HeaderOffset.timestamp;
  builder.dv.setUint32(HeaderOffset.timestamp, from.getUint32(at, true), true);
  builder.dv.setUint32(HeaderOffset.timestamp + 4, from.getUint32(at + 4, true), true);
}

const TWO64 = 18_446_744_073_709_551_616;

/**
 * Appends SignalIdentity (20) but its signalId: strategyId u16 · confidence u8 (rounded, clamped to
 * 0..100) · reserved · signalId u64 left zero. Returns the offset of the signalId field in the builder.
 */
function reserveSignalIdentity(builder: MessageBuilder, strategyId: number, confidence: number): number {
  const at = builder.reserve(TlvType.SignalIdentity, 16);
  const dv = builder.dv;
  dv.setUint16(at + SignalIdentityField.strategyId, strategyId, true);
  dv.setUint8(at + SignalIdentityField.confidence, Math.max(0, Math.min(100, Math.round(confidence))));
  return at + SignalIdentityField.signalId;
}

/**
 * Appends SignalIdentity (20): strategyId u16 · confidence u8 · reserved · signalId u64.
 *
 * @example
 * ```ts
 * writeSignalIdentity(builder, 21, 80, 7n);
 * ```
 */
export function writeSignalIdentity(builder: MessageBuilder, strategyId: number, confidence: number, signalId: bigint): void {
  builder.dv.setBigUint64(reserveSignalIdentity(builder, strategyId, confidence), signalId, true);
}

/**
 * {@link writeSignalIdentity} with the id `ids` derives for the message `trigger` and `ordinal`
 * ({@link SignalIdSpace.deriveInto}: the same id as `ids.derive(strategyId, trigger.source,
 * trigger.sequence, ordinal)`, written without a bigint).
 *
 * @example
 * ```ts
 * writeDerivedSignalIdentity(builder, 21, 80, ids, view, ordinal++);
 * ```
 */
export function writeDerivedSignalIdentity(builder: MessageBuilder, strategyId: number, confidence: number, ids: SignalIdSpace, trigger: MessageView, ordinal: number): void {
  ids.deriveInto(builder.dv, reserveSignalIdentity(builder, strategyId, confidence), strategyId, trigger, ordinal);
}

/**
 * {@link writeSignalIdentity} for a signal id held as a number (a counter, a clock reading): the same
 * bytes as `writeSignalIdentity(builder, strategyId, confidence, BigInt(signalId))`, without building
 * the bigint. Every safe integer is exact, and so is any larger integer a number holds (e.g.
 * `Number(clock())` past 2^53). Throws a `RangeError` (before writing anything) when `signalId` is not
 * an integer in 0..2^64 − 1.
 *
 * @example
 * ```ts
 * writeSignalIdentityNumber(builder, 99, 100, ++handled);
 * ```
 */
export function writeSignalIdentityNumber(builder: MessageBuilder, strategyId: number, confidence: number, signalId: number): void {
  if (!(Number.isInteger(signalId) && signalId >= 0 && signalId < TWO64)) {
    throw new RangeError(`SignalIdentity signalId ${signalId} of strategy ${strategyId} must be an integer in 0..2^64 - 1 (a u64)`);
  }
  setSafeInt64(builder.dv, reserveSignalIdentity(builder, strategyId, confidence), signalId);
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
