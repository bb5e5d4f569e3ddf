/**
 * DEX execution settings shared by the planner, risk, the paper DEX venue and the portfolio (the
 * `dex` section of the execution service's options), and {@link DexPricing}: one stage's view of gas
 * prices and token USD prices over its own pool book, valued exactly as the arbitrage strategy values
 * them (gas = latest GasPrice of the chain × gas units × native-token USD price, rounded up).
 *
 * @example
 * ```yaml
 * dex:
 *   gasUnits: 300000
 *   flashLoan: { provider: aave-v3, providers: { aave-v3: 5, balancer: 0, none: 0 } }   # fee in bps
 *   venueChains: { "65000": 137 }
 *   chains: { "137": { nativeToken: "0x…" } }
 *   usd: { fixed: { "0x…": "1" }, pools: ["0x…"] }
 * ```
 * @module
 */

import * as v from "valibot";
import { Address, BigUint, NonNegativeFixed8, PositiveCount } from "../config.ts";
import { chainOfVenue, type GasBook } from "./gas-book.ts";
import type { PoolBook } from "./pool-book.ts";
import { UsdPrices } from "./usd-prices.ts";

const Count = PositiveCount;

/** Schema of the `dex` section. */
export const DexSettingsSchema = v.strictObject({
  /** PROTOCOL §8 pool cache (which tokens and fee each pool has). */
  poolCache: v.optional(v.string()),
  /** Display symbols of tokens (address → symbol). */
  tokens: v.optional(v.record(Address, v.string()), {}),
  /** Gas units one arbitrage transaction costs (per chain override in `chains`). */
  gasUnits: v.optional(Count, 300_000),
  /** Flash-loan fee per provider in basis points (Aave V3 5, Balancer 0), and the provider used. */
  flashLoan: v.optional(v.strictObject({
    provider: v.optional(v.string(), "none"),
    providers: v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))), { none: 0 }),
  }), { provider: "none", providers: { none: 0 } }),
  /** Chain of each DEX venue number (defaults: PROTOCOL §6 ranges). */
  venueChains: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/)), Count), {}),
  /** Per chain: the wrapped native token that values gas, a fallback gas price, gas units. */
  chains: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/)), v.strictObject({
    nativeToken: v.optional(Address),
    gasPriceWei: v.optional(BigUint),
    gasUnits: v.optional(Count),
  })), {}),
  /** Token USD prices: fixed (USD, decimal string), pricing pools (as the strategy's `usd`). */
  usd: v.optional(v.strictObject({
    fixed: v.optional(v.record(Address, NonNegativeFixed8), {}),
    pools: v.optional(v.array(Address), []),
  }), { fixed: {}, pools: [] }),
  /** Tolerance (bps) the paper venue allows between a route's output at planning and at execution before it reverts. */
  poolMoveToleranceBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 50),
  /** Largest USD notional (1e8) of one DEX order. */
  maxNotionalUsd: v.optional(NonNegativeFixed8, "1000000"),
  /** Largest USD (1e8) borrowed in one token across open DEX orders. */
  maxTokenExposureUsd: v.optional(NonNegativeFixed8, "2000000"),
  /** Oldest pool state (ms) a DEX order may be checked against. */
  maxPoolAgeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 60_000),
});

/** Validated DEX settings. */
export type DexSettings = v.InferOutput<typeof DexSettingsSchema>;

/** Settings with every default. */
export function defaultDexSettings(): DexSettings {
  return v.parse(DexSettingsSchema, {});
}

const WEI_PER_NATIVE = 10n ** 18n;

/** Gas and USD prices over one stage's pool book. */
export class DexPricing {
  /** The settings. */
  readonly settings: DexSettings;
  /** Latest gas price per chain. */
  readonly gas: GasBook;
  /** Token USD prices. */
  readonly usd: UsdPrices;
  private readonly book: PoolBook;

  /** @param settings validated settings @param book the stage's pool book @param gas the stage's gas prices */
  constructor(settings: DexSettings, book: PoolBook, gas: GasBook) {
    this.settings = settings;
    this.book = book;
    this.gas = gas;
    this.usd = new UsdPrices(book, { fixed: new Map(Object.entries(settings.usd.fixed)), pools: settings.usd.pools });
  }

  /** Wei per gas unit on `chain`: the latest GasPrice, else the configured fallback. */
  gasPriceWei(chain: number): bigint | undefined {
    return this.gas.priceWei(chain) ?? this.settings.chains[String(chain)]?.gasPriceWei;
  }

  /** Chain of a DEX venue (configured, else PROTOCOL §6), or undefined. */
  chainOf(venue: number): number | undefined {
    return this.settings.venueChains[String(venue)] ?? chainOfVenue(venue);
  }

  /** Gas units of one transaction on `chain`. */
  gasUnits(chain: number): bigint {
    return BigInt(this.settings.chains[String(chain)]?.gasUnits ?? this.settings.gasUnits);
  }

  /** The flash-loan fee of the configured provider, bps. */
  get flashFeeBps(): number {
    const f = this.settings.flashLoan;
    const bps = f.providers[f.provider];
    if (bps === undefined) throw new Error(`dex.flashLoan.provider "${f.provider}" has no fee in dex.flashLoan.providers`);
    return bps;
  }

  /** The wrapped native token's id in the book for `chain`, or -1. */
  nativeToken(chain: number): number {
    const a = this.settings.chains[String(chain)]?.nativeToken;
    return a === undefined ? -1 : this.book.tokenId(a);
  }

  /** USD × 1e8 per whole token (token id), or undefined. */
  tokenUsd(token: number): bigint | undefined {
    return token < 0 ? undefined : this.usd.price(token);
  }

  /** USD × 1e8 of `wei` of native gas on `chain`, rounded up (as the strategy); undefined without a native price. */
  gasUsd(chain: number, wei: bigint): bigint | undefined {
    const native = this.tokenUsd(this.nativeToken(chain));
    if (native === undefined) return undefined;
    const num = wei * native;
    return num / WEI_PER_NATIVE + (num % WEI_PER_NATIVE === 0n ? 0n : 1n);
  }

  /** USD × 1e8 of `raw` units of a token (floored toward −∞), or undefined without a price. */
  valueUsd(token: number, raw: bigint): bigint | undefined {
    const price = this.tokenUsd(token);
    const decimals = token < 0 ? -1 : this.book.tokens[token]!.decimals;
    if (price === undefined || decimals < 0) return undefined;
    return floorDiv(raw * price, 10n ** BigInt(decimals));
  }
}

/** a ÷ b rounded toward −∞ (b > 0). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Aave's premium on a flash loan: amount × bps / 10 000, rounded half up (PercentageMath.percentMul). */
export function flashLoanFee(amount: bigint, bps: number): bigint {
  return (amount * BigInt(bps) + 5_000n) / 10_000n;
}
