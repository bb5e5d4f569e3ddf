/**
 * A simulated limit-order-book market for one symbol, in integer ticks and lots: a few price levels
 * change each step, and sometimes a taker order trades against the best opposite level. Venue
 * simulators turn its events into each venue's wire format.
 *
 * @example
 * ```ts
 * const m = new MarketModel({ symbol: "BTC-USD", priceDecimals: 2, sizeDecimals: 8, midTicks: 10_594_420 }, rng);
 * for (const ev of m.step()) console.log(ev); // level changes and trades
 * ```
 * @module
 */

import type { Rng } from "../../core/prng.ts";

/** Static description of a simulated symbol. */
export interface SymbolSpec {
  /** The venue's symbol. */
  readonly symbol: string;
  /** Base asset. */
  readonly base: string;
  /** Quote asset. */
  readonly quote: string;
  /** Decimals of the price tick (2 → 0.01). */
  readonly priceDecimals: number;
  /** Decimals of the size lot (8 → 0.00000001). */
  readonly sizeDecimals: number;
  /** Starting mid price in ticks. */
  readonly midTicks: number;
  /** Typical level size in lots. */
  readonly typicalLots: number;
}

/** Optional price dynamics of a simulated market (default: a stationary book around its mid). */
export interface MarketDynamics {
  /**
   * Size of a price move in basis points: with it set, the whole book moves by about this much on a
   * quarter of the steps, in the direction of a trend that flips now and then — a market with momentum
   * (the embedded demo's captures). 0 or absent: no moves, the book stays around `midTicks`.
   */
  readonly volatilityBps?: number;
}

/** One change of the simulated market. */
export type MarketEvent =
  | { kind: "level"; bid: boolean; ticks: number; lots: number }
  | { kind: "trade"; takerBuys: boolean; ticks: number; lots: number; tradeId: number };

/** Formats an integer count of 10^-decimals units as fixed decimal text ("10594420", 2 → "105944.20"). */
export function formatFixed(units: number, decimals: number): string {
  const neg = units < 0;
  let s = String(Math.abs(units));
  if (decimals > 0) {
    s = s.padStart(decimals + 1, "0");
    s = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  }
  return neg ? `-${s}` : s;
}

/** The order book and trade tape of one simulated symbol. */
export class MarketModel {
  /** What is simulated. */
  readonly spec: SymbolSpec;
  /** Bid levels: ticks → lots. */
  readonly bids = new Map<number, number>();
  /** Ask levels: ticks → lots. */
  readonly asks = new Map<number, number>();
  /** Id of the last trade (consecutive from 1). */
  lastTradeId = 0;
  /** The last trade, if any. */
  lastTrade: Extract<MarketEvent, { kind: "trade" }> | undefined;
  private readonly rng: Rng;
  private readonly moveTicks: number;
  private trend = 1;

  /** @param spec symbol description @param rng randomness (seeded) @param dynamics price moves (default none) */
  constructor(spec: SymbolSpec, rng: Rng, dynamics: MarketDynamics = {}) {
    this.spec = spec;
    this.rng = rng;
    this.moveTicks = Math.round((spec.midTicks * (dynamics.volatilityBps ?? 0)) / 10_000);
    for (let i = 1; i <= 30; i++) {
      this.bids.set(spec.midTicks - i, this.randomLots());
      this.asks.set(spec.midTicks + i, this.randomLots());
    }
  }

  private randomLots(): number {
    const t = this.spec.typicalLots;
    return Math.max(1, Math.round(t * (0.05 + 2 * this.rng.next() * this.rng.next())));
  }

  /** Best bid in ticks. */
  bestBid(): number {
    let best = -Infinity;
    for (const p of this.bids.keys()) if (p > best) best = p;
    return best;
  }

  /** Best ask in ticks. */
  bestAsk(): number {
    let best = Infinity;
    for (const p of this.asks.keys()) if (p < best) best = p;
    return best;
  }

  /** The best `n` levels of a side, best first, as [ticks, lots]. */
  levels(bid: boolean, n = Infinity): [number, number][] {
    const side = bid ? this.bids : this.asks;
    const all = [...side.entries()].sort((a, b) => (bid ? b[0] - a[0] : a[0] - b[0]));
    return Number.isFinite(n) ? all.slice(0, n) : all;
  }

  /** A trending random move of the whole book (only with `volatilityBps`). */
  private move(out: MarketEvent[]): void {
    const rng = this.rng;
    if (rng.chance(0.03)) this.trend = -this.trend;
    if (!rng.chance(0.25)) return;
    const shift = Math.round(this.trend * this.moveTicks * (0.25 + rng.next()));
    if (shift === 0) return;
    for (const bid of [true, false]) {
      const side = bid ? this.bids : this.asks;
      const old = [...side.entries()];
      side.clear();
      for (const [ticks, lots] of old) side.set(ticks + shift, lots);
      for (const [ticks] of old) if (!side.has(ticks)) out.push({ kind: "level", bid, ticks, lots: 0 });
      for (const [ticks, lots] of side) out.push({ kind: "level", bid, ticks, lots });
    }
  }

  private refill(bid: boolean, out: MarketEvent[]): void {
    const side = bid ? this.bids : this.asks;
    while (side.size < 10) {
      const other = bid ? this.bestAsk() : this.bestBid();
      let worst = bid ? this.spec.midTicks : this.spec.midTicks;
      if (side.size > 0) worst = bid ? Math.min(...side.keys()) : Math.max(...side.keys());
      else if (Number.isFinite(other)) worst = bid ? other : other;
      const ticks = bid ? worst - 1 : worst + 1;
      const lots = this.randomLots();
      side.set(ticks, lots);
      out.push({ kind: "level", bid, ticks, lots });
    }
  }

  /** Advances the market one step and returns what changed, in order. */
  step(): MarketEvent[] {
    const out: MarketEvent[] = [];
    const rng = this.rng;
    if (this.moveTicks > 0) this.move(out);
    this.refill(true, out);
    this.refill(false, out);
    if (rng.chance(0.35)) {
      const takerBuys = rng.chance(0.5);
      const side = takerBuys ? this.asks : this.bids;
      const ticks = takerBuys ? this.bestAsk() : this.bestBid();
      const have = side.get(ticks);
      if (have !== undefined) {
        const lots = Math.max(1, Math.min(have, Math.round(have * rng.next() * 0.6) + 1));
        const tradeId = ++this.lastTradeId;
        const trade = { kind: "trade" as const, takerBuys, ticks, lots, tradeId };
        this.lastTrade = trade;
        out.push(trade);
        const left = have - lots;
        if (left > 0) side.set(ticks, left);
        else side.delete(ticks);
        out.push({ kind: "level", bid: !takerBuys, ticks, lots: Math.max(0, left) });
      }
    }
    const changes = rng.int(1, 3);
    for (let i = 0; i < changes; i++) {
      const bid = rng.chance(0.5);
      const side = bid ? this.bids : this.asks;
      const bb = this.bestBid();
      const ba = this.bestAsk();
      let ticks: number;
      if (ba - bb > 1 && rng.chance(0.3)) {
        ticks = bid ? bb + 1 : ba - 1; // improve the best price inside the spread
      } else {
        ticks = bid ? bb - rng.int(0, 12) : ba + rng.int(0, 12);
      }
      if (side.has(ticks) && side.size > 12 && rng.chance(0.3)) {
        side.delete(ticks);
        out.push({ kind: "level", bid, ticks, lots: 0 });
      } else {
        const lots = this.randomLots();
        side.set(ticks, lots);
        out.push({ kind: "level", bid, ticks, lots });
      }
    }
    return out;
  }
}
