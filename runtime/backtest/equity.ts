/**
 * The equity curve of a backtest: at the first message, at every `intervalMs` boundary of simulated time
 * (the state as of that instant: before the first message stamped at or after it) and after the last
 * message, the portfolio's realized and unrealized P&L and fees per quote currency, every position's
 * quantity and every instrument's mark — all exact (×1e8 bigints).
 *
 * @example
 * ```ts
 * const sampler = new EquitySampler(portfolio, plannerMarket, 1000);
 * sampler.passTo(stampNs); // before handling each message
 * sampler.finish(lastNs);
 * ```
 * @module
 */

import { instrumentSymbol, type InstrumentId } from "../../protocol/mod.ts";
import type { MarketState } from "../../trading/execution/market-state.ts";
import type { Portfolio } from "../../trading/portfolio/portfolio.ts";
import { instrumentKey } from "./recorder.ts";

/** P&L of one quote currency (×1e8). */
export interface CurrencyPnl {
  realized: bigint;
  unrealized: bigint;
  fees: bigint;
}

/** One point of the curve. */
export interface EquityPoint {
  /** Time (ns since the epoch). */
  tNs: bigint;
  /** By quote currency. */
  currencies: Map<string, CurrencyPnl>;
  /** Signed quantity (×1e8) by instrument key, for instruments ever traded. */
  positions: Map<string, bigint>;
  /** Mark (×1e8) by instrument key, for instruments with data. */
  marks: Map<string, bigint>;
}

/** Quote currency of an instrument (`?` when its id is not a pair). */
export function quoteCurrency(id: InstrumentId): string {
  const s = instrumentSymbol(id);
  return s === undefined ? "?" : s.slice(s.indexOf("/") + 1);
}

/** Most instruments whose marks are sampled. */
const MAX_MARKED = 16;

/** Samples the curve (see module docs). */
export class EquitySampler {
  /** The points so far. */
  readonly points: EquityPoint[] = [];
  private readonly portfolio: Portfolio;
  private readonly market: MarketState;
  private readonly intervalNs: bigint;
  private next: bigint | undefined;
  /** Per slot of the market's instrument table (slots never change instrument): its key and quote currency. */
  private readonly keys: string[] = [];
  private readonly currencies: string[] = [];

  /** @param portfolio positions and P&L @param market marks @param intervalMs spacing of points */
  constructor(portfolio: Portfolio, market: MarketState, intervalMs: number) {
    this.portfolio = portfolio;
    this.market = market;
    this.intervalNs = BigInt(intervalMs) * 1_000_000n;
  }

  /** Samples every boundary up to (and at) `stampNs` not yet sampled; the first call samples `stampNs` itself. */
  passTo(stampNs: bigint): void {
    if (this.next === undefined) {
      this.sample(stampNs);
      this.next = (stampNs / this.intervalNs + 1n) * this.intervalNs;
      return;
    }
    while (stampNs >= this.next) {
      this.sample(this.next);
      this.next += this.intervalNs;
    }
  }

  /** The final point: the state after the last message (stamped `lastNs`). */
  finish(lastNs: bigint): void {
    const prev = this.points[this.points.length - 1];
    if (prev !== undefined && prev.tNs === lastNs) this.points.pop();
    this.sample(lastNs);
  }

  /** The key and quote currency of the instrument at `slot` of the market's table, made once. */
  private named(slot: number, id: InstrumentId): void {
    if (this.keys[slot] !== undefined) return;
    this.keys[slot] = instrumentKey(id);
    this.currencies[slot] = quoteCurrency(id);
  }

  private sample(tNs: bigint): void {
    const currencies = new Map<string, CurrencyPnl>();
    const positions = new Map<string, bigint>();
    const t = this.market.instruments;
    for (const p of this.portfolio.positionsList()) {
      const slot = t.slotOf(p.instrument, false);
      if (slot >= 0) this.named(slot, p.instrument);
      const cur = slot >= 0 ? this.currencies[slot]! : quoteCurrency(p.instrument);
      let c = currencies.get(cur);
      if (c === undefined) currencies.set(cur, (c = { realized: 0n, unrealized: 0n, fees: 0n }));
      c.realized += p.realized;
      c.unrealized += p.unrealized;
      c.fees += p.fees;
      positions.set(slot >= 0 ? this.keys[slot]! : instrumentKey(p.instrument), p.quantity);
    }
    const marks = new Map<string, bigint>();
    for (let s = 0; s < t.size && s < MAX_MARKED; s++) {
      const id = t.instrument(s);
      const m = this.market.mark(id);
      if (m === undefined) continue;
      this.named(s, id);
      marks.set(this.keys[s]!, m);
    }
    this.points.push({ tNs, currencies, positions, marks });
  }
}
