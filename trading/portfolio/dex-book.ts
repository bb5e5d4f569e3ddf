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
import type { DexRoute } from "../dex/route-table.ts";

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

  private add(token: string, delta: bigint): void {
    this.balances.set(token, (this.balances.get(token) ?? 0n) + delta);
  }
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
