/**
 * USD prices of tokens, exact `bigint` fixed point (USD × 10^8 per whole token), from three sources in
 * order of preference:
 *
 * 1. fixed prices from config (stable coins: `"0xa0b8…": "1"`),
 * 2. a CEX quote mid (`"0xc02a…": "ETH/USD@coinbase"`), updated from Quote TLVs,
 * 3. a pricing pool from config pairing the token with a token priced by 1 or 2 (a stable-coin pool):
 *    the pool's marginal price times the other token's price, derived lazily on request.
 *
 * @example
 * ```ts
 * const usd = new UsdPrices(book, { fixed: new Map([[USDC, 100_000_000n]]), pools: [USDC_WETH_POOL] });
 * usd.value(wethId, 10n ** 18n); // USD ×1e8 of 1 WETH, from the pool's reserves
 * ```
 * @module
 */

import { QuoteField, TlvType, parseInstrument, type MessageView } from "../../protocol/mod.ts";
import type { PoolBook } from "./pool-book.ts";
import { PoolKind, type PoolState } from "./pool-state.ts";

/** Where prices come from. Keys are lowercase token addresses. */
export interface UsdPriceSources {
  /** Fixed USD × 1e8 per whole token. */
  fixed?: ReadonlyMap<string, bigint>;
  /** Pools whose marginal price derives one token's price from the other's. */
  pools?: readonly string[];
  /** Token → CEX instrument text (`ETH/USD@coinbase`) whose quote mid is its USD price. */
  quotes?: ReadonlyMap<string, string>;
}

const TEN = 10n;
const POW10: bigint[] = Array.from({ length: 78 }, (_, i) => TEN ** BigInt(i));
const Q192 = 1n << 192n;

interface QuoteSource {
  token: number;
  lo: number;
  hi: number;
  venue: number;
}

/** Token prices in USD × 1e8 per whole token. */
export class UsdPrices {
  private readonly book: PoolBook;
  private readonly fixed = new Map<number, bigint>();
  private readonly quoted = new Map<number, bigint>();
  private readonly quoteSources: QuoteSource[] = [];
  private readonly pricingPools: PoolState[] = [];
  private readonly poolAddresses: string[];
  private derived = new Map<number, { price: bigint; version: number; pool: number }>();

  /** @param book the pool book (tokens and pricing pools) @param sources configured sources */
  constructor(book: PoolBook, sources: UsdPriceSources = {}) {
    this.book = book;
    for (const [addr, price] of sources.fixed ?? []) this.fixed.set(book.tokenId(addr), price);
    for (const [addr, text] of sources.quotes ?? []) {
      const id = parseInstrument(text);
      this.quoteSources.push({
        token: book.tokenId(addr),
        lo: Number(id.assetId & 0xffffffffn),
        hi: Number(id.assetId >> 32n),
        venue: id.venue,
      });
    }
    this.poolAddresses = [...(sources.pools ?? [])];
  }

  /** Updates quote-derived prices from the Quote TLV under the view's cursor. */
  onQuote(view: MessageView): void {
    if (this.quoteSources.length === 0 || view.tlvType !== TlvType.Quote) return;
    const lo = view.u32(QuoteField.assetId);
    const hi = view.u32(QuoteField.assetId + 4);
    const venue = view.u16(QuoteField.venue);
    for (const q of this.quoteSources) {
      if (q.lo !== lo || q.hi !== hi || q.venue !== venue) continue;
      const bid = view.i64(QuoteField.bidPrice);
      const ask = view.i64(QuoteField.askPrice);
      if (bid > 0n && ask > 0n) this.quoted.set(q.token, (bid + ask) / 2n);
    }
  }

  /** USD × 1e8 per whole token, or `undefined` when no source prices it. */
  price(token: number): bigint | undefined {
    const f = this.fixed.get(token);
    if (f !== undefined) return f;
    const q = this.quoted.get(token);
    if (q !== undefined) return q;
    return this.fromPools(token);
  }

  /** USD × 1e8 of `raw` units of `token` (floor), or `undefined` when unpriced. */
  value(token: number, raw: bigint): bigint | undefined {
    const p = this.price(token);
    if (p === undefined) return undefined;
    const decimals = this.book.tokens[token]?.decimals ?? -1;
    if (decimals < 0) return undefined;
    return (raw * p) / (POW10[decimals] ?? TEN ** BigInt(decimals));
  }

  private base(token: number): bigint | undefined {
    return this.fixed.get(token) ?? this.quoted.get(token);
  }

  private fromPools(token: number): bigint | undefined {
    if (this.pricingPools.length < this.poolAddresses.length) {
      for (const a of this.poolAddresses.splice(0)) {
        const p = this.book.byAddress(a);
        if (p !== undefined) this.pricingPools.push(p);
        else this.poolAddresses.push(a); // not seen yet (learnt pool): retry later
      }
    }
    for (const pool of this.pricingPools) {
      if (!pool.hasState || (pool.token0 !== token && pool.token1 !== token)) continue;
      const cached = this.derived.get(token);
      if (cached !== undefined && cached.pool === pool.index && cached.version === pool.version) return cached.price;
      const other = pool.token0 === token ? pool.token1 : pool.token0;
      const otherPrice = this.base(other);
      if (otherPrice === undefined) continue;
      const price = derivePrice(pool, token === pool.token0, otherPrice);
      if (price === undefined) continue;
      this.derived.set(token, { price, version: pool.version, pool: pool.index });
      return price;
    }
    return undefined;
  }
}

/** Price of one side of `pool` from the other side's USD price, at the pool's marginal (mid) price. */
export function derivePrice(pool: PoolState, ofToken0: boolean, otherPrice: bigint): bigint | undefined {
  pool.materialize();
  const d0 = TEN ** BigInt(pool.decimals0);
  const d1 = TEN ** BigInt(pool.decimals1);
  if (pool.kind === PoolKind.V2) {
    const { reserve0: r0, reserve1: r1 } = pool;
    if (r0 === 0n || r1 === 0n) return undefined;
    // price0 = price1 · (r1/10^d1) / (r0/10^d0)
    return ofToken0 ? (otherPrice * r1 * d0) / (r0 * d1) : (otherPrice * r0 * d1) / (r1 * d0);
  }
  const s2 = pool.sqrtPriceX96 * pool.sqrtPriceX96;
  if (s2 === 0n) return undefined;
  // token1 per token0 (raw) = s2 / 2^192
  return ofToken0 ? (otherPrice * s2 * d0) / (Q192 * d1) : (otherPrice * Q192 * d1) / (s2 * d0);
}
