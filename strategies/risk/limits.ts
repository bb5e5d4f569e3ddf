/**
 * Risk limits (YAML, validated with valibot), changeable at run time through
 * {@link RiskManager.updateLimits} with the same validation. Quantities are base units × 1e8, money is
 * quote currency × 1e8 (decimal text in the file).
 *
 * @example
 * ```yaml
 * maxPosition: "10"                 # default per instrument
 * positionLimits: { "BTC/USD@coinbase": "2" }
 * maxOrderNotional: "50000"
 * maxOpenOrders: 20
 * maxOrdersPerSecond: 10
 * dailyLossLimit: "5000"
 * maxDataAgeMs: 2000
 * maxOrderAgeMs: 2000               # optional: default maxDataAgeMs
 * maxFutureSkewMs: 1000
 * ```
 *
 * Time (see `risk-clock.ts`): market data's age is now − its own header stamp, an order's age is now −
 * its own header stamp; a stamp up to `maxFutureSkewMs` ahead of now counts as fresh (age 0), further
 * ahead the message is refused as clock skew (orders: rejected Stale, PROTOCOL has no clock-skew reason).
 * @module
 */

import * as v from "valibot";
import { NonNegativeFixed8, U16 } from "../config.ts";

const InstrumentText = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue"));

/** The limits themselves. */
export const RiskLimitsSchema = v.strictObject({
  /** Largest absolute position per instrument (base × 1e8) unless `positionLimits` names it. */
  maxPosition: v.optional(NonNegativeFixed8, "1000000"),
  /** Per-instrument position limits. */
  positionLimits: v.optional(v.record(InstrumentText, NonNegativeFixed8), {}),
  /** Largest notional of one order (quote × 1e8). */
  maxOrderNotional: v.optional(NonNegativeFixed8, "1000000"),
  /** Most orders open at once. */
  maxOpenOrders: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 100),
  /** Most orders accepted in any rolling second. */
  maxOrdersPerSecond: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), 50),
  /** Loss of the current UTC day (realized + unrealized − fees) at which trading switches to REDUCING. */
  dailyLossLimit: v.optional(NonNegativeFixed8, "100000"),
  /** Orders on an instrument whose last market data is older than this are rejected as stale (ms). */
  maxDataAgeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 5_000),
  /**
   * Orders whose own header stamp is older than this are rejected as stale (ms); absent: `maxDataAgeMs`.
   * An order built on a signal that sat in a queue (or by a strategy whose clock is behind) is refused.
   */
  maxOrderAgeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /**
   * How far (ms) a message's header stamp may be ahead of risk's clock and still count as in time.
   * Further ahead, the message does not move the clock: an order is rejected (Stale, "clock skew"),
   * market data is dropped, acks and fills are applied without their time — each counted.
   */
  maxFutureSkewMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3_600_000)), 1_000),
});

/** A validated set of limits. */
export type RiskLimits = v.InferOutput<typeof RiskLimitsSchema>;

/** The risk manager's config: limits plus service identity. */
export const RiskConfigSchema = v.strictObject({
  /** Header source of forwarded orders, rejections and cancels (execution/risk 40–59). */
  source: v.optional(U16, 40),
  /** Accept orders only from these sources (default: strategies 20–39). */
  orderSources: v.optional(v.array(U16)),
  /** Source of the execution engine whose acks and fills update open orders and positions (default 41). */
  executionSource: v.optional(U16, 41),
  /** PROTOCOL §8 pool cache (relative to the config file), for marks and freshness of DEX pool instruments. */
  poolCache: v.optional(v.string()),
  /**
   * Where risk's "now" comes from: `stamps` — the latest header stamp accepted (replays decide the same
   * way every run); `wall` — the local wall clock (live: a feed that stops ages by the clock).
   */
  clock: v.optional(v.picklist(["stamps", "wall"]), "stamps"),
  /** Initial trading state. */
  state: v.optional(v.picklist(["active", "reducing", "halted"]), "active"),
  limits: v.optional(RiskLimitsSchema, {}),
});

/** A validated risk config. */
export type RiskConfig = v.InferOutput<typeof RiskConfigSchema>;

/** Partial limits for a run-time update (each field validated as in the file). */
export const RiskLimitsPatchSchema = v.partial(RiskLimitsSchema);
