/**
 * Configuration of the momentum strategy (YAML, validated with valibot).
 *
 * @example
 * ```yaml
 * windows:
 *   - { seconds: 10, thresholdBps: 15 }
 *   - { seconds: 60, thresholdBps: 40 }
 * minTrades: 10
 * cooldownMs: 30000
 * instruments: ["BTC/USD@coinbase", "ETH/USD@coinbase"]
 * ```
 * @module
 */

import * as v from "valibot";
import { Fixed8, PositiveCount, U16 } from "../../config.ts";

const Window = v.strictObject({
  /** Window length in seconds (the MomentumSignal's windowSeconds). */
  seconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)),
  /** |momentum| in bps that triggers a signal. */
  thresholdBps: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
});

/** Schema of the momentum config. */
export const MomentumConfigSchema = v.strictObject({
  strategyId: v.optional(U16, 21),
  source: v.optional(U16, 21),
  /** Rolling windows, each with its own threshold (1–8). */
  windows: v.optional(v.pipe(v.array(Window), v.minLength(1), v.maxLength(8)), [{ seconds: 60, thresholdBps: 25 }]),
  /** Trades a window must hold before it can signal. */
  minTrades: v.optional(PositiveCount, 10),
  /** No new signal for an instrument and window within this time after one (ms). */
  cooldownMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 60_000),
  /** Trades kept per instrument (ring buffer, rounded up to a power of two); must cover the longest window. */
  capacity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(1 << 20)), 4096),
  /** Instruments tracked at most (memory is preallocated for all of them). */
  maxInstruments: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1 << 16)), 1024),
  /** Only these instruments (`BASE/QUOTE@venue`); all when absent. */
  instruments: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue")))),
  /**
   * A trade's own execution time more than this (ms) ahead of its message's header stamp (the adapter's
   * receive time) is a skewed venue clock: the trade is placed at the header stamp and counted
   * (`clockSkew`) — one future-stamped trade would otherwise pin its instrument's windows in the future.
   */
  maxFutureSkewMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3_600_000)), 1_000),
  /** Signals below this confidence (0–100) are not published. */
  minConfidence: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)), 0),
  /**
   * Accepted so that existing config files still load, but unused: orders are sized and bounded by the
   * execution planner (trading/execution/planner.ts: capital, capitalFraction, maxQuantity, maxSlippageBps).
   */
  orderNotional: v.optional(Fixed8, "1000"),
  /** Unused (see `orderNotional`). */
  maxOrderQuantity: v.optional(Fixed8, "1000000"),
  /** Unused (see `orderNotional`). */
  maxSlippageBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 50),
});

/** A validated momentum config. */
export type MomentumConfig = v.InferOutput<typeof MomentumConfigSchema>;
