/**
 * Configuration of the paper execution engine (YAML, validated with valibot).
 *
 * @example
 * ```yaml
 * fees: { makerBps: 1, takerBps: 5 }
 * venueFees: { "100": { makerBps: 1, takerBps: 4 } }
 * slippageBps: 2
 * beyondDepthSlippageBps: 10
 * ```
 * @module
 */

import * as v from "valibot";
import { U16 } from "../config.ts";

const FeeRates = v.strictObject({
  makerBps: v.pipe(v.number(), v.integer(), v.minValue(-100), v.maxValue(1000)),
  takerBps: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
});

/** Schema of the paper engine config. */
export const PaperConfigSchema = v.strictObject({
  /** Header source of acks and fills (execution 40–59). */
  source: v.optional(U16, 41),
  /** Accept orders only from these sources (default: the risk manager, 40). */
  orderSources: v.optional(v.array(U16), [40]),
  /** Default fee rates. */
  fees: v.optional(FeeRates, { makerBps: 2, takerBps: 5 }),
  /** Fee rates per venue number. */
  venueFees: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/, "venues are decimal integers")), FeeRates), {}),
  /** Extra adverse slippage on every taker fill (bps). */
  slippageBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 0),
  /** A market order larger than the visible depth fills its remainder at the last visible price worsened by this (bps). */
  beyondDepthSlippageBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 10),
  /**
   * Simulated order latency (ms): a CEX order reaches the book this long after its decision (the order's
   * arrival) and fills against the book or quote as of that instant — the state after every market-data
   * message stamped up to it; its acks and fills carry that instant. 0 (the default): at once, against the
   * state of the order's arrival. Released by the first market-data message stamped after it.
   */
  latencyMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(3_600_000)), 0),
  /**
   * A quote older than this (ms, by its own venue time against the venue's now) is no liquidity: a taker
   * order that would fill against it alone is rejected (reason venue), as no resting order matches it.
   * 0 (the default): any last quote is used, however old.
   */
  maxQuoteAgeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  /** PROTOCOL §8 pool cache (relative to the config file), for DEX orders. */
  poolCache: v.optional(v.string()),
  /** Most resting limit orders. */
  maxRestingOrders: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 10_000),
});

/** A validated paper engine config. */
export type PaperConfig = v.InferOutput<typeof PaperConfigSchema>;
