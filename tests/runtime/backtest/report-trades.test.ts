/**
 * Trades as the backtest report counts them (runtime/backtest/report-trades.ts): a hand-built fill
 * sequence — open, partial close at a profit, flip at a loss, close — with every count and P&L written out.
 */

import { describe, expect, it } from "vitest";
import { pairInstrument, Side } from "../../../protocol/mod.ts";
import type { FillRecord } from "../../../runtime/backtest/recorder.ts";
import { tradeLedger } from "../../../runtime/backtest/report.ts";
import { TRADE_DEFINITIONS, tradeAverages, winRate } from "../../../runtime/backtest/report-trades.ts";

const E8 = 100_000_000n;
const E16 = E8 * E8;
const BTC_USDT_PERP = pairInstrument("BTC", "USDT", 104, 2);

function fill(seq: number, side: number, price: number, quantity: number, feeCents: number): FillRecord {
  return {
    seq, at: BigInt(seq) * 1_000_000_000n, orderId: BigInt(seq), strategyId: 21, instrument: BTC_USDT_PERP, side, liquidity: 2,
    price: BigInt(price) * E8, quantity: BigInt(quantity) * E8, fee: (BigInt(feeCents) * E8) / 100n, decisionMid: undefined, decisionAt: undefined,
  };
}

describe("backtest trades: closes, wins, average win/loss, profit factor", () => {
  it("open, partial close at a profit, flip at a loss, close: exactly the counts and P&L written out", () => {
    const fills = [
      fill(1, Side.Buy, 100, 2, 10), // open long 2 @ 100, fee 0.10
      fill(2, Side.Sell, 110, 1, 5), // close 1: +10 − entry 0.05 − exit 0.05 = +9.90 (win)
      fill(3, Side.Sell, 95, 3, 30), // flip: close 1: −5 − entry 0.05 − exit 0.30·1/3 = −5.15 (loss); open short 2 @ 95, carrying fee 0.20
      fill(4, Side.Buy, 97, 2, 20), // close short 2: (95 − 97)·2 = −4 − entry 0.20 − exit 0.20 = −4.40 (loss)
    ];
    const ledger = tradeLedger(fills);
    expect(ledger.closes.map((c) => c.net)).toEqual([990n * E16 / 100n, -515n * E16 / 100n, -440n * E16 / 100n]);
    expect(ledger.closes.map((c) => c.gross)).toEqual([10n * E16, -5n * E16, -4n * E16]);
    expect(ledger.closes.map((c) => c.quantity)).toEqual([1n * E8, 1n * E8, 2n * E8]);
    const s = ledger.stats("USDT");
    expect(s).toEqual({
      trades: 3, wins: 1, losses: 2, breakEven: 0, positionsOpened: 2, roundTrips: 2,
      grossProfit: 990n * E16 / 100n, grossLoss: -955n * E16 / 100n, net: 35n * E16 / 100n,
    });
    // Every fee is attributed exactly once: Σ gross − Σ fees = 1 − 0.65.
    expect(ledger.closes.reduce((a, c) => a + c.fees, 0n)).toBe(65n * E16 / 100n);
    expect(winRate(s)).toBe(1 / 3);
    const a = tradeAverages(s);
    expect(a.averageWin).toBe(990n * E16 / 100n);
    expect(a.averageLoss).toBe(-4775n * E16 / 1000n);
    expect(a.profitFactor).toBe(990 / 955); // 9.90 ÷ 9.55
    expect(ledger.counts()).toEqual({ trades: 3, wins: 1, losses: 2, breakEven: 0, positionsOpened: 2, roundTrips: 2 });
  });

  it("keeps strategies apart and skips zero-quantity fills (DEX reverts)", () => {
    const a = fill(1, Side.Buy, 100, 1, 0);
    const b = { ...fill(2, Side.Sell, 101, 1, 0), strategyId: 22 };
    const revert = { ...fill(3, Side.Sell, 0, 0, 1), strategyId: 21 };
    const ledger = tradeLedger([a, b, revert]);
    expect(ledger.counts()).toEqual({ trades: 0, wins: 0, losses: 0, breakEven: 0, positionsOpened: 2, roundTrips: 0 });
    expect(tradeAverages(ledger.stats("USDT")).profitFactor).toBeNull();
  });

  it("states its definitions", () => {
    expect(TRADE_DEFINITIONS.trade).toMatch(/reduces/);
    expect(TRADE_DEFINITIONS.winRate).toBe("wins ÷ trades (0 when there are none)");
  });
});
