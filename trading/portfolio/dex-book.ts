/**
 * Token balances and USD P&L of DEX fills, beside the portfolio's CEX positions. Each executed DEX
 * route (its {@link DexExecution}, recorded by the paper DEX venue) is booked once, exactly, in raw
 * token units: the borrowed token gains amountOut − amountIn − flash premium; the chain's native coin
 * (booked against its wrapped token) loses the gas, reverted or not. USD figures are the venue's:
 * token result (floored), gas (rounded up), flash premium.
 *
 * @example
 * ```ts
 * const book = new DexBook();
 * book.book(route, nativeTokenAddress);
 * book.summary(); // balances by token, USD totals
 * ```
 * @module
 */

import { formatDecimal } from "../../protocol/mod.ts";
import type { DexRoute, DexRouteTable } from "../dex/route-table.ts";
import type { DexBookSnapshotValues, Jsonified } from "./portfolio-snapshot.ts";

/** One booked DEX fill, for display. */
export interface DexFillRecord {
  orderId: bigint;
  signalId: bigint;
  pools: string[];
  tokenIn: string;
  amountIn: bigint;
  amountOut: bigint;
  reverted: boolean;
  revertReason?: string;
  gasWei: bigint;
  gasUsd: bigint;
  flashFee: bigint;
  flashFeeUsd: bigint;
  tokenPnlUsd: bigint;
  netPnlUsd: bigint;
  executedAt: bigint;
}

/** USD totals (× 1e8). */
export interface DexTotals {
  /** Token results of successful routes. */
  tokenPnlUsd: bigint;
  gasUsd: bigint;
  flashFeeUsd: bigint;
  /** tokenPnlUsd − gasUsd (the flash premium is already inside the token result). */
  netUsd: bigint;
  fills: number;
  succeeded: number;
  reverted: number;
}

/** DEX balances and P&L (see module docs). */
export class DexBook {
  /** Raw balance change per token address (lowercase). */
  readonly balances = new Map<string, bigint>();
  /** Totals. */
  readonly totals: DexTotals = { tokenPnlUsd: 0n, gasUsd: 0n, flashFeeUsd: 0n, netUsd: 0n, fills: 0, succeeded: 0, reverted: 0 };
  /** Latest fills, newest last. */
  readonly recent: DexFillRecord[] = [];
  private readonly booked = new Set<bigint>();
  private readonly keep: number;

  /** @param keep how many recent fills to keep */
  constructor(keep = 50) {
    this.keep = keep;
  }

  /** Books an executed route once; `nativeToken` is the wrapped native token gas is booked against. Returns false when already booked or not executed. */
  book(route: DexRoute, nativeToken: string | undefined): boolean {
    const e = route.execution;
    if (e === undefined || this.booked.has(route.orderId)) return false;
    this.booked.add(route.orderId);
    if (this.booked.size > 100_000) this.booked.delete(this.booked.values().next().value!);
    const t = this.totals;
    t.fills++;
    if (e.reverted) t.reverted++;
    else {
      t.succeeded++;
      this.add(route.tokenIn, e.amountOut - route.amountIn - e.flashFee);
    }
    if (nativeToken !== undefined && e.gasWei > 0n) this.add(nativeToken, -e.gasWei);
    t.tokenPnlUsd += e.tokenPnlUsd;
    t.gasUsd += e.gasUsd;
    t.flashFeeUsd += e.flashFeeUsd;
    t.netUsd += e.netPnlUsd;
    this.recent.push({
      orderId: route.orderId, signalId: route.signalId, pools: route.pools, tokenIn: route.tokenIn, amountIn: route.amountIn, amountOut: e.amountOut,
      reverted: e.reverted, revertReason: e.revertReason, gasWei: e.gasWei, gasUsd: e.gasUsd, flashFee: e.flashFee, flashFeeUsd: e.flashFeeUsd,
      tokenPnlUsd: e.tokenPnlUsd, netPnlUsd: e.netPnlUsd, executedAt: e.executedAt,
    });
    if (this.recent.length > this.keep) this.recent.shift();
    return true;
  }

  /** Whether the fill of `orderId` was booked. */
  isBooked(orderId: bigint): boolean {
    return this.booked.has(orderId);
  }

  /**
   * The book as snapshot values: balances, totals, recent and booked fills, plus the routes of `routes`
   * not booked yet (orders in flight) and the count of fills that came without a route.
   */
  toValues(routes: DexRouteTable, withoutRoute: number): DexBookSnapshotValues {
    return {
      balances: [...this.balances], totals: { ...this.totals }, recent: this.recent.map((f) => ({ ...f, pools: [...f.pools] })),
      booked: [...this.booked], routes: [...routes.values()].filter((r) => !this.booked.has(r.orderId)).map(cloneRoute), withoutRoute,
    };
  }

  /** Replaces the book's state with validated snapshot values (the routes are the caller's to restore). */
  restoreValues(s: DexBookSnapshotValues): void {
    this.balances.clear();
    for (const [token, raw] of s.balances) this.balances.set(token, raw);
    Object.assign(this.totals, s.totals);
    this.recent.length = 0;
    for (const f of s.recent) this.recent.push({ ...f, pools: [...f.pools], revertReason: f.revertReason });
    this.booked.clear();
    for (const id of s.booked) this.booked.add(id);
  }

  private add(token: string, delta: bigint): void {
    this.balances.set(token, (this.balances.get(token) ?? 0n) + delta);
  }
}

/** A deep copy of a route (its execution too). */
export function cloneRoute(r: DexRoute): DexRoute {
  const c: DexRoute = { ...r, pools: [...r.pools], venues: [...r.venues], plannedRates: [...r.plannedRates] };
  if (r.execution !== undefined) c.execution = { ...r.execution };
  else delete c.execution;
  return c;
}

/** Snapshot values with every bigint as decimal text and no undefined fields (JSON-safe, stable). */
export function jsonifyBigints<T>(x: T): Jsonified<T> {
  if (typeof x === "bigint") return String(x) as Jsonified<T>;
  if (Array.isArray(x)) return x.map(jsonifyBigints) as Jsonified<T>;
  if (typeof x === "object" && x !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) if (val !== undefined) o[k] = jsonifyBigints(val);
    return o as Jsonified<T>;
  }
  return x as Jsonified<T>;
}

/** How a token is shown: its symbol (else its short address) and decimals (−1 unknown). */
export interface TokenLabel {
  symbol: string;
  decimals: number;
}

/** The book as JSON-ready data: exact decimal strings with their units. */
export function dexBookJson(book: DexBook, label: (address: string) => TokenLabel): unknown {
  const usd = (x: bigint): string => formatDecimal(x, 8);
  const amount = (address: string, raw: bigint): string => {
    const l = label(address);
    return l.decimals < 0 ? `${raw} raw ${l.symbol}` : `${formatDecimal(raw, l.decimals)} ${l.symbol}`;
  };
  const t = book.totals;
  return {
    totals: {
      tokenPnlUsd: `${usd(t.tokenPnlUsd)} USD`, gasUsd: `${usd(t.gasUsd)} USD`, flashFeeUsd: `${usd(t.flashFeeUsd)} USD`, netUsd: `${usd(t.netUsd)} USD`,
      fills: t.fills, succeeded: t.succeeded, reverted: t.reverted,
    },
    balances: [...book.balances].map(([token, raw]) => ({ token, symbol: label(token).symbol, raw: raw.toString(), amount: amount(token, raw) })),
    recentFills: book.recent.map((f) => ({
      orderId: f.orderId.toString(), signalId: f.signalId.toString(), pools: f.pools, status: f.reverted ? `reverted (${f.revertReason})` : "filled",
      amountIn: amount(f.tokenIn, f.amountIn), amountOut: amount(f.tokenIn, f.amountOut), flashFee: amount(f.tokenIn, f.flashFee),
      gas: `${f.gasWei} wei`, gasUsd: `${usd(f.gasUsd)} USD`, flashFeeUsd: `${usd(f.flashFeeUsd)} USD`, tokenPnlUsd: `${usd(f.tokenPnlUsd)} USD`,
      netPnlUsd: `${usd(f.netPnlUsd)} USD`, executedAt: f.executedAt.toString(),
    })),
  };
}
