/**
 * How the paper venue (paper-engine.ts) fills a taker order on a CEX: the opposite-side levels it can
 * consume (the book, else the quote's top, unless the quote is too old), and the walk over them within the
 * order's worst acceptable price, with the rest beyond the visible depth for market-like orders.
 *
 * @module
 */

import { type BookLevel, type InstrumentId, Side } from "../../protocol/mod.ts";
import type { MarketState } from "./market-state.ts";

/** Basis points in one. */
export const BPS = 10_000n;

/** Whether `p` is no worse than the bound (none: anything goes) for a buy or a sell. */
export function within(p: bigint, bound: bigint | undefined, buy: boolean): boolean {
  return bound === undefined || (buy ? p <= bound : p >= bound);
}

/**
 * Opposite-side levels a taker order on `id` consumes, best first: the book, else the quote's top. A quote
 * older than `maxQuoteAgeNs` (> 0) at `stamp`, by its own venue time, is no liquidity.
 */
export function takerLevels(market: MarketState, id: InstrumentId, side: number, stamp: bigint, maxQuoteAgeNs: bigint): BookLevel[] {
  const book = market.book(id);
  const levels = book === undefined ? undefined : side === Side.Buy ? book.asks : book.bids;
  if (levels !== undefined && levels.length > 0) return levels;
  const q = market.quote(id);
  if (q === undefined || (maxQuoteAgeNs > 0n && q.quoteTimestamp > 0n && stamp - q.quoteTimestamp > maxQuoteAgeNs)) return [];
  if (side === Side.Buy) return q.askSize > 0n && q.askPrice > 0n ? [{ price: q.askPrice, size: q.askSize }] : [];
  return q.bidSize > 0n && q.bidPrice > 0n ? [{ price: q.bidPrice, size: q.bidSize }] : [];
}

/**
 * Walks `levels` for `quantity`, no worse than `bound`, pushing each part (price, size) to `chunks`; for a
 * `marketLike` order that consumed every level, the rest fills at the last price worsened by
 * `beyondDepthBps` when that is within the bound. Returns the quantity left unfilled.
 */
export function walkTakerLevels(
  levels: readonly BookLevel[], quantity: bigint, bound: bigint | undefined, buy: boolean, marketLike: boolean, beyondDepthBps: number,
  chunks: BookLevel[],
): bigint {
  let left = quantity;
  for (const l of levels) {
    if (left === 0n || !within(l.price, bound, buy)) break;
    const q = l.size < left ? l.size : left;
    if (q <= 0n) continue;
    chunks.push({ price: l.price, size: q });
    left -= q;
  }
  if (left > 0n && marketLike && chunks.length === levels.length) {
    const last = levels[levels.length - 1]!.price;
    const extra = BigInt(beyondDepthBps);
    const p = buy ? (last * (BPS + extra)) / BPS : (last * (BPS - extra)) / BPS;
    if (within(p, bound, buy)) {
      chunks.push({ price: p, size: left });
      left = 0n;
    }
  }
  return left;
}
