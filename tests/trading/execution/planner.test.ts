import { describe, expect, it } from "vitest";
import { MessageView, OrderType, Side, Venue, pairInstrument, type Tlv } from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../../trading/execution/planner.ts";
import { msg, viewOf } from "../helpers.ts";

const E8 = 100_000_000n;

function setup(extra: Record<string, unknown> = {}) {
  const market = new MarketState();
  const planner = new ExecutionPlanner(parseConfig(PlannerConfigSchema, { capital: "100000", capitalFraction: 0.1, lotSize: "0.001", maxSlippageBps: 10, ...extra }), market);
  const view = new MessageView();
  let seq = 0;
  const quote = (venue: number, bid: bigint, ask: bigint): void => {
    market.onMessage(view.wrap(msg(1, 1, ++seq, seq, [{ type: 2, name: "Quote", instrument: pairInstrument("ETH", "USD", venue), bidPrice: bid, bidSize: E8, askPrice: ask, askSize: E8, quoteTimestamp: 0n }]), 0));
  };
  const signal = (direction: number, confidence: number, venue: number = Venue.Coinbase): MessageView => viewOf(msg(2, 21, 1, 10, [
    { type: 20, name: "SignalIdentity", strategyId: 21, confidence, signalId: 5n },
    { type: 22, name: "MomentumSignal", instrument: pairInstrument("ETH", "USD", venue), direction, windowSeconds: 60, momentumBps: 50, referencePrice: 2000n * E8 } as Tlv,
  ]));
  return { planner, quote, signal };
}

describe("execution planner", () => {
  it("routes to the best quote and sizes by capital × fraction × confidence, lot-rounded", () => {
    const t = setup();
    t.quote(Venue.Coinbase, 1999n * E8, 2001n * E8);
    t.quote(Venue.Kraken, 1998n * E8, 2000n * E8);
    t.quote(Venue.Binance, 2000n * E8, 2002n * E8);
    const buy = t.planner.plan(t.signal(1, 50))!;
    // 100,000 × 0.1 × 0.5 / 2000 = 2.5 ETH at Kraken's 2000 ask; IOC limit 2000 × 1.001.
    expect(buy).toMatchObject({ side: Side.Buy, orderType: OrderType.IOC, quantity: 25n * E8 / 10n, price: 2002n * E8, signalId: 5n, strategyId: 21 });
    expect(buy.instrument.venue).toBe(Venue.Kraken);
    const sell = t.planner.plan(t.signal(-1, 30))!;
    expect(sell.instrument.venue).toBe(Venue.Binance);
    // 3000 / 2000 = 1.5
    expect(sell).toMatchObject({ side: Side.Sell, quantity: 15n * E8 / 10n, price: (2000n * E8 * 9990n) / 10_000n });
  });

  it("clamps to max, drops below min, and plans nothing without quotes", () => {
    const t = setup({ maxQuantity: "1", minQuantity: "0.5", orderType: "market" });
    expect(t.planner.plan(t.signal(1, 100))).toBeUndefined();
    t.quote(Venue.Coinbase, 1999n * E8, 2001n * E8);
    expect(t.planner.plan(t.signal(1, 100))).toMatchObject({ quantity: E8, price: 0n, orderType: OrderType.Market });
    expect(t.planner.plan(t.signal(1, 1))).toBeUndefined(); // 0.025 < 0.5
    expect(t.planner.plan(t.signal(0, 100))).toBeUndefined();
  });
});
