/**
 * Trades of a backtest as a NautilusTrader or Hummingbot user counts them: per strategy and instrument, a
 * position is **opened** by a fill from flat, and every fill that **reduces** it is one **close** — the
 * event that realizes P&L. A flip (a fill larger than the position) is a close of the whole position plus
 * the open of a new one. Each close has a P&L **net of fees**: the price P&L of the closed quantity
 * (exact, scale 1e16, the same average-cost arithmetic as the portfolio's `Position`), minus the share of
 * the entry fees carried by the closed quantity and the share of the closing fill's fee that belongs to
 * it (both pro rata by quantity; a close of the whole position takes all the entry fees left, so the
 * fees of a strategy are attributed exactly once). A close wins when that net P&L is > 0 and loses when
 * it is < 0; win rate = wins ÷ closes; average win / loss = Σ ÷ count; profit factor = Σ wins ÷ |Σ losses|.
 *
 * @example
 * ```ts
 * const ledger = new TradeLedger();
 * for (const f of fills) ledger.apply(`${f.strategyId}|${key}`, "USDT", f.side, f.price, f.quantity, f.fee);
 * ledger.stats("USDT").winRate;
 * ```
 * @module
 */

import { Side } from "../../protocol/mod.ts";

const E8 = 100_000_000n;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** The definition of a trade, as written into report.json (`definitions`). */
export const TRADE_DEFINITIONS = {
  trade: "per strategy and instrument: a position is opened by a fill from flat; every fill that reduces it is one close (a realized P&L event); a fill larger than the position (a flip) is a close of all of it plus the open of a new position",
  trades: "the number of closes",
  closePnl: "price P&L of the closed quantity (average cost) minus the entry fees carried by that quantity and the closing fill's fee share for it, both pro rata by quantity; scale 1e16 (exact)",
  win: "a close whose net P&L is > 0; a loss is < 0; breakEven = 0",
  winRate: "wins ÷ trades (0 when there are none)",
  averageWin: "Σ net P&L of winning closes ÷ wins (truncated at 1e-16), per quote currency",
  averageLoss: "Σ net P&L of losing closes ÷ losses (negative), per quote currency",
  profitFactor: "Σ net P&L of winning closes ÷ |Σ net P&L of losing closes|, per quote currency; null when there is no loss",
  roundTrips: "positions closed back to flat (or flipped)",
} as const;

/** One close (see module docs). */
export interface TradeClose {
  /** Ledger key (strategy and instrument). */
  key: string;
  currency: string;
  /** Quantity closed, base × 1e8. */
  quantity: bigint;
  /** Price P&L of the closed quantity, scale 1e16. */
  gross: bigint;
  /** Fees attributed to it (entry share + exit share), scale 1e16. */
  fees: bigint;
  /** gross − fees, scale 1e16. */
  net: bigint;
}

/** Figures of the closes of one quote currency. */
export interface TradeStats {
  trades: number;
  wins: number;
  losses: number;
  breakEven: number;
  positionsOpened: number;
  roundTrips: number;
  /** Σ net of winning closes and of losing closes (≤ 0), and Σ net of all, scale 1e16. */
  grossProfit: bigint;
  grossLoss: bigint;
  net: bigint;
}

interface Open {
  quantity: bigint;
  cost: bigint;
  /** Entry fees carried, quote × 1e16. */
  feeBasis: bigint;
}

function emptyStats(): TradeStats {
  return { trades: 0, wins: 0, losses: 0, breakEven: 0, positionsOpened: 0, roundTrips: 0, grossProfit: 0n, grossLoss: 0n, net: 0n };
}

/** Counts trades (see module docs). */
export class TradeLedger {
  /** Every close, in fill order. */
  readonly closes: TradeClose[] = [];
  private readonly open = new Map<string, Open>();
  private readonly byCurrency = new Map<string, TradeStats>();

  private statsOf(currency: string): TradeStats {
    let s = this.byCurrency.get(currency);
    if (s === undefined) this.byCurrency.set(currency, (s = emptyStats()));
    return s;
  }

  /** Applies one fill (price, quantity, fee ×1e8; quantity > 0) of position `key` quoted in `currency`. */
  apply(key: string, currency: string, side: number, price: bigint, quantity: bigint, fee: bigint): void {
    if (quantity <= 0n) return;
    const s = this.statsOf(currency);
    let p = this.open.get(key);
    if (p === undefined) this.open.set(key, (p = { quantity: 0n, cost: 0n, feeBasis: 0n }));
    const dq = side === Side.Buy ? quantity : -quantity;
    const fee16 = fee * E8;
    if (p.quantity === 0n || (p.quantity > 0n) === (dq > 0n)) {
      if (p.quantity === 0n) s.positionsOpened++;
      p.quantity += dq;
      p.cost += price * dq;
      p.feeBasis += fee16;
      return;
    }
    const open = abs(p.quantity);
    const closing = quantity < open ? quantity : open;
    const whole = closing === open;
    const removed = whole ? p.cost : (p.cost * closing) / open;
    const entryFees = whole ? p.feeBasis : (p.feeBasis * closing) / open;
    const exitFees = closing === quantity ? fee16 : (fee16 * closing) / quantity;
    const sign = p.quantity > 0n ? 1n : -1n;
    const gross = sign * price * closing - removed;
    const fees = entryFees + exitFees;
    const net = gross - fees;
    this.closes.push({ key, currency, quantity: closing, gross, fees, net });
    s.trades++;
    s.net += net;
    if (net > 0n) {
      s.wins++;
      s.grossProfit += net;
    } else if (net < 0n) {
      s.losses++;
      s.grossLoss += net;
    } else s.breakEven++;
    p.cost -= removed;
    p.feeBasis -= entryFees;
    p.quantity -= sign * closing;
    if (p.quantity === 0n) {
      s.roundTrips++;
      p.cost = 0n;
      p.feeBasis = 0n;
      const rest = quantity - closing;
      if (rest > 0n) {
        s.positionsOpened++;
        p.quantity = dq > 0n ? rest : -rest;
        p.cost = price * p.quantity;
        p.feeBasis = fee16 - exitFees;
      }
    }
  }

  /** Figures of one quote currency (zeros when it had no fill). */
  stats(currency: string): TradeStats {
    return { ...(this.byCurrency.get(currency) ?? emptyStats()) };
  }

  /** Figures over every currency (counts only; P&L sums are per currency). */
  counts(): Pick<TradeStats, "trades" | "wins" | "losses" | "breakEven" | "positionsOpened" | "roundTrips"> {
    const t = emptyStats();
    for (const s of this.byCurrency.values()) {
      t.trades += s.trades;
      t.wins += s.wins;
      t.losses += s.losses;
      t.breakEven += s.breakEven;
      t.positionsOpened += s.positionsOpened;
      t.roundTrips += s.roundTrips;
    }
    const { trades, wins, losses, breakEven, positionsOpened, roundTrips } = t;
    return { trades, wins, losses, breakEven, positionsOpened, roundTrips };
  }
}

/** Win rate, 0 without trades. */
export function winRate(s: { trades: number; wins: number }): number {
  return s.trades === 0 ? 0 : s.wins / s.trades;
}

/** Average win / loss (scale 1e16, truncated) and profit factor (null without losses) of one currency. */
export function tradeAverages(s: TradeStats): { averageWin: bigint; averageLoss: bigint; profitFactor: number | null } {
  return {
    averageWin: s.wins === 0 ? 0n : s.grossProfit / BigInt(s.wins),
    averageLoss: s.losses === 0 ? 0n : s.grossLoss / BigInt(s.losses),
    profitFactor: s.grossLoss === 0n ? null : Number(s.grossProfit) / Number(-s.grossLoss),
  };
}
