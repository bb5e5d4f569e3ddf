/**
 * Configuration of the flash-arbitrage strategy (YAML, validated with valibot). Every field has a
 * default except the pools, which come from a PROTOCOL §8 pool cache file (`poolCache`, relative to the
 * config file) and/or inline `pools` in the same shape.
 *
 * @example
 * ```yaml
 * poolCache: pools.json
 * minNetProfitUsd: "5"
 * slippageToleranceBps: 50
 * gasUnits: 300000
 * chains:
 *   "1": { nativeToken: "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", gasPriceWei: "30000000000" }
 * usd:
 *   fixed: { "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": "1" }
 *   pools: ["0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc"]
 * ```
 * @module
 */

import * as v from "valibot";
import { Address, BigUint, Bps, Fixed8, NonNegativeFixed8, PositiveCount, U16 } from "../../config.ts";

const ChainConfig = v.strictObject({
  /** Wrapped native token whose USD price values gas (e.g. WETH, WMATIC). */
  nativeToken: v.optional(Address),
  /** Fixed USD price of the native token (used when `nativeToken` has no price). */
  nativeUsd: v.optional(NonNegativeFixed8),
  /** Gas price (wei) until the first GasPrice message of the chain arrives. */
  gasPriceWei: v.optional(BigUint),
  /** Gas units of one arbitrage on this chain (overrides `gasUnits`). */
  gasUnits: v.optional(PositiveCount),
});

const InstrumentText = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+@[A-Za-z0-9]+$/, "must be BASE/QUOTE@venue"));

/** Schema of the flash-arbitrage config. */
export const ArbitrageConfigSchema = v.strictObject({
  /** SignalIdentity strategyId. */
  strategyId: v.optional(U16, 20),
  /** Header source of signal messages (strategies 20–39). */
  source: v.optional(U16, 20),
  /** PROTOCOL §8 pool cache file, relative to the config file. */
  poolCache: v.optional(v.string()),
  /** Inline pool metadata, §8 shape. */
  pools: v.optional(v.record(v.string(), v.unknown()), {}),
  /** Fee (pips) of V2 pools learnt from swaps. */
  defaultV2Fee: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999)), 3000),
  /** Learn V2 pools missing from the cache from their swaps. */
  learnV2Pools: v.optional(v.boolean(), true),
  /** Minimum net profit (USD, after gas) for a signal. */
  minNetProfitUsd: v.optional(Fixed8, "1"),
  /** Slippage tolerance applied to minAmountOut. */
  slippageToleranceBps: v.optional(Bps, 50),
  /** Signal validity after the triggering update, ms. */
  validityMs: v.optional(PositiveCount, 12_000),
  /** Gas units of one two-hop flash arbitrage. */
  gasUnits: v.optional(PositiveCount, 300_000),
  /** Most refinement steps on each side of the V2 closed form (exact integer optimum search). */
  refineWindow: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4096)), 32),
  /** Size buckets per doubling of amountIn for "the same opportunity" (re-signal only when it changes). */
  sizeBucketsPerDoubling: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 4),
  /** Per-chain gas pricing, keyed by chain id. */
  chains: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/, "chain ids are decimal integers")), ChainConfig), {}),
  /** Chain of venues outside the standard ranges (e.g. simulated 65000 → 1). */
  venueChains: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/, "venues are decimal integers")), v.pipe(v.number(), v.integer(), v.minValue(0))), {}),
  /** USD price sources. */
  usd: v.optional(v.strictObject({
    fixed: v.optional(v.record(v.string(), Fixed8), {}),
    pools: v.optional(v.array(Address), []),
    quotes: v.optional(v.record(v.string(), InstrumentText), {}),
  }), {}),
});

/** A validated flash-arbitrage config. */
export type ArbitrageConfig = v.InferOutput<typeof ArbitrageConfigSchema>;
