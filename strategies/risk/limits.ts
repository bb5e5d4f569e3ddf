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
 * ```
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
  /** Initial trading state. */
  state: v.optional(v.picklist(["active", "reducing", "halted"]), "active"),
  limits: v.optional(RiskLimitsSchema, {}),
});

/** A validated risk config. */
export type RiskConfig = v.InferOutput<typeof RiskConfigSchema>;

/** Partial limits for a run-time update (each field validated as in the file). */
export const RiskLimitsPatchSchema = v.partial(RiskLimitsSchema);
