/**
 * Figures of an equity curve per quote currency: maximum drawdown (exact, and as a share of the peak),
 * Sharpe and Sortino ratios of the returns between consecutive interval points (return = change of net
 * P&L ÷ capital; per interval, and annualized × √(intervals per 365-day year)), and exposure (share of
 * intervals holding a position, largest gross notional).
 *
 * Floats use only + − × ÷ and √, which IEEE 754 rounds exactly the same on every engine, so the figures
 * are byte-identical on Node and Deno.
 *
 * @example
 * ```ts
 * const f = curveFigures(points, "USDT", capital, 1000, instrumentQuotes);
 * f.sharpe; // per-interval Sharpe or null when the returns do not vary
 * ```
 * @module
 */

import type { EquityPoint } from "./equity.ts";

/** Figures of one currency's curve. */
export interface CurveFigures {
  /** Largest fall of capital + net P&L from a previous peak (quote ×1e8). */
  maxDrawdown: bigint;
  /** That fall ÷ the peak. */
  maxDrawdownShare: number;
  /** Returns used (interval points only). */
  returns: number;
  /** Mean ÷ sample standard deviation of the interval returns; null with fewer than 2 returns or none varying. */
  sharpe: number | null;
  /** Mean ÷ downside deviation (√ mean of squared negative returns); null when no return is negative. */
  sortino: number | null;
  /** √(intervals per 365-day year): multiply the per-interval ratios by it to annualize. */
  annualization: number;
  /** Share of points with a non-zero position in this currency. */
  timeInMarket: number;
  /** Largest Σ |quantity × mark| over the points (quote ×1e8). */
  maxGrossExposure: bigint;
}

const YEAR_MS = 365 * 86_400_000;

/** Net P&L (×1e8) of a currency at a point. */
export function netAt(p: EquityPoint, currency: string): bigint {
  const c = p.currencies.get(currency);
  return c === undefined ? 0n : c.realized + c.unrealized - c.fees;
}

/**
 * The figures of `currency` over `points` (see module docs). `quoteOf` maps an instrument key to its
 * quote currency.
 */
export function curveFigures(
  points: readonly EquityPoint[], currency: string, capital: bigint, intervalMs: number, quoteOf: (key: string) => string,
): CurveFigures {
  const intervalNs = BigInt(intervalMs) * 1_000_000n;
  let peak: bigint | undefined;
  let maxDrawdown = 0n;
  let maxDrawdownShare = 0;
  let inMarket = 0;
  let maxGross = 0n;
  const returns: number[] = [];
  let prevNet: bigint | undefined;
  const cap = capital > 0n ? Number(capital) : 1;
  for (const p of points) {
    const net = netAt(p, currency);
    const equity = capital + net;
    if (peak === undefined || equity > peak) peak = equity;
    const dd = peak - equity;
    if (dd > maxDrawdown) {
      maxDrawdown = dd;
      maxDrawdownShare = peak > 0n ? Number(dd) / Number(peak) : 0;
    }
    let gross = 0n;
    let holding = false;
    for (const [key, q] of p.positions) {
      if (q === 0n || quoteOf(key) !== currency) continue;
      holding = true;
      const m = p.marks.get(key);
      if (m !== undefined) gross += ((q < 0n ? -q : q) * m) / 100_000_000n;
    }
    if (holding) inMarket++;
    if (gross > maxGross) maxGross = gross;
    if (p.tNs % intervalNs === 0n) {
      if (prevNet !== undefined) returns.push(Number(net - prevNet) / cap);
      prevNet = net;
    }
  }
  return {
    maxDrawdown, maxDrawdownShare, returns: returns.length, ...ratios(returns), annualization: Math.sqrt(YEAR_MS / intervalMs),
    timeInMarket: points.length === 0 ? 0 : inMarket / points.length, maxGrossExposure: maxGross,
  };
}

/** Sharpe and Sortino of a return series (see {@link CurveFigures}). */
export function ratios(returns: readonly number[]): { sharpe: number | null; sortino: number | null } {
  const n = returns.length;
  if (n < 2) return { sharpe: null, sortino: null };
  let sum = 0;
  for (const r of returns) sum += r;
  const mean = sum / n;
  let sq = 0;
  let down = 0;
  let negatives = 0;
  for (const r of returns) {
    sq += (r - mean) * (r - mean);
    if (r < 0) {
      down += r * r;
      negatives++;
    }
  }
  const sd = Math.sqrt(sq / (n - 1));
  const dd = Math.sqrt(down / n);
  return { sharpe: sd > 0 ? mean / sd : null, sortino: negatives > 0 && dd > 0 ? mean / dd : null };
}
