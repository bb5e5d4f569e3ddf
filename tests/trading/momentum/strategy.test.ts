import { describe, expect, it } from "vitest";
import { MessageView, OrderType, Side, Venue, decodeMessage, encodeMessage, pairInstrument, type MomentumSignalTlv } from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../../trading/execution/planner.ts";
import { MomentumConfigSchema } from "../../../trading/strategies/momentum/config.ts";
import { MomentumStrategy } from "../../../trading/strategies/momentum/strategy.ts";
import { CollectSink, viewOf } from "../helpers.ts";

const T0 = 1_700_000_000_000_000_000n;
const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
const ETH = pairInstrument("ETH", "USD", Venue.Kraken);

function setup(extra: Record<string, unknown> = {}) {
  const sink = new CollectSink();
  const strategy = new MomentumStrategy(parseConfig(MomentumConfigSchema, { windows: [{ seconds: 10, thresholdBps: 10 }], minTrades: 3, cooldownMs: 5000, ...extra }), sink);
  const view = new MessageView();
  let seq = 0n;
  /** A trade received at `seconds`, executed (venue stamp) `execAhead` seconds later than that. */
  const trade = (instrument: typeof BTC, seconds: number, price: bigint, side: number = Side.Buy, size = 100_000_000n, execAhead = 0): number => {
    seq++;
    const bytes = encodeMessage({ relayDomain: 1, source: 3, sequence: seq, timestamp: T0 + BigInt(Math.round(seconds * 1e9)) }, [
      { type: 1, name: "Trade", instrument, side, flags: 0, price, size, execTimestamp: T0 + BigInt(Math.round((seconds + execAhead) * 1e9)) },
    ]);
    return strategy.onMarketData(view.wrap(bytes, 0));
  };
  return { sink, strategy, trade };
}

const signals = (sink: CollectSink) => sink.messages.map((m) => decodeMessage(m).tlvs[1] as MomentumSignalTlv);

describe("momentum strategy", () => {
  it("signals down moves, per instrument, with the last trade as reference", () => {
    const { sink, trade } = setup();
    trade(BTC, 0, 30_000_00000000n);
    trade(ETH, 0, 2_000_00000000n);
    trade(BTC, 1, 29_990_00000000n, Side.Sell);
    trade(ETH, 1, 2_000_00000000n);
    expect(trade(BTC, 2, 29_960_00000000n, Side.Sell)).toBe(1); // −13.3 bps over 3 trades
    expect(trade(ETH, 2, 2_001_00000000n)).toBe(0); // +5 bps: below threshold
    const [s] = signals(sink);
    expect(s).toMatchObject({ instrument: BTC, direction: -1, windowSeconds: 10, momentumBps: -13, referencePrice: 29_960_00000000n });
  });

  it("ages trades out of the window and respects the cooldown", () => {
    const { sink, trade, strategy } = setup();
    trade(BTC, 0, 100_00000000n);
    trade(BTC, 1, 100_00000000n);
    expect(trade(BTC, 2, 100_20000000n)).toBe(1); // +20 bps
    expect(trade(BTC, 3, 100_30000000n)).toBe(0); // cooldown (5 s)
    expect(strategy.stats()["cooldownSuppressed"]).toBe(1);
    // 20 s later: the window holds only new trades, flat → nothing.
    trade(BTC, 23, 100_30000000n);
    trade(BTC, 24, 100_30000000n);
    expect(trade(BTC, 25, 100_30000000n)).toBe(0);
    expect(trade(BTC, 26, 100_50000000n)).toBe(1); // +19.9 bps vs 100.30 at t = 23
    expect(signals(sink).map((s) => s.momentumBps)).toEqual([20, 20]);
  });

  it("needs minTrades in the window", () => {
    const { trade } = setup({ minTrades: 4 });
    trade(BTC, 0, 100_00000000n);
    trade(BTC, 1, 101_00000000n);
    expect(trade(BTC, 2, 102_00000000n)).toBe(0);
    expect(trade(BTC, 3, 102_00000000n)).toBe(1);
  });

  it("confidence rises with order-flow agreement", () => {
    const a = setup();
    const b = setup();
    for (const [t, p] of [[0, 100_00000000n], [1, 100_05000000n], [2, 100_20000000n]] as const) {
      a.trade(BTC, t, p, Side.Buy);
      b.trade(BTC, t, p, Side.Sell);
    }
    const ca = decodeMessage(a.sink.messages[0]!).tlvs[0] as { confidence: number };
    const cb = decodeMessage(b.sink.messages[0]!).tlvs[0] as { confidence: number };
    expect(ca.confidence).toBeGreaterThan(cb.confidence);
  });

  it("keeps exact window sums when the ring overflows, counting it", () => {
    const { trade, strategy, sink } = setup({ capacity: 16, minTrades: 16 });
    for (let i = 0; i < 40; i++) trade(BTC, i * 0.01, 100_00000000n + BigInt(i) * 1_000_000n); // +1 bp per trade
    // Ring of 16: the window holds the last 16 trades: +15 bps each time from trade 16 on (cooldown keeps one).
    expect(strategy.stats()["ringOverflow"]).toBe(40 - 16);
    expect(signals(sink).map((s) => s.momentumBps)).toEqual([15]);
  });

  it("filters instruments, counts bad prices and out-of-order trades", () => {
    const { trade, strategy } = setup({ instruments: ["ETH/USD@kraken"] });
    trade(BTC, 0, 100_00000000n);
    trade(ETH, 5, 0n);
    trade(ETH, 5, 100_00000000n);
    trade(ETH, 4, 100_00000000n);
    expect(strategy.stats()).toMatchObject({ filtered: 1, badPrice: 1, outOfOrder: 1, instruments: 1 });
  });

  it("a trade whose venue stamp is more than maxFutureSkewMs after its header is placed at the header stamp, counted", () => {
    const { sink, trade, strategy } = setup();
    trade(BTC, 0, 100_00000000n);
    trade(BTC, 1, 100_00000000n, Side.Buy, 100_000_000n, 0.5); // 0.5 s ahead: within the default 1000 ms
    trade(BTC, 2, 100_00000000n, Side.Buy, 100_000_000n, 3600); // venue clock 1 h ahead
    // Placed at its header stamp, the skewed trade does not pin BTC's time an hour ahead: the next trade is
    // in order and the window still holds all four (pinned, the first two would have aged out: no signal).
    expect(trade(BTC, 3, 100_20000000n)).toBe(1);
    expect(strategy.stats()).toMatchObject({ clockSkew: 1, outOfOrder: 0 });
    expect(signals(sink)[0]).toMatchObject({ momentumBps: 20 });
  });

  it("its signal becomes an order where orders are made: the planner sizes it by confidence", () => {
    const { sink, trade } = setup();
    trade(BTC, 0, 100_00000000n);
    trade(BTC, 1, 100_00000000n);
    trade(BTC, 2, 100_20000000n);
    const confidence = (decodeMessage(sink.messages[0]!).tlvs[0] as { confidence: number }).confidence;
    expect(confidence).toBeGreaterThan(0);
    const market = new MarketState();
    market.onMessage(viewOf(encodeMessage({ relayDomain: 1, source: 3, sequence: 9n, timestamp: T0 + 3_000_000_000n }, [
      { type: 2, name: "Quote", instrument: BTC, bidPrice: 100_10000000n, bidSize: 100_000_000n, askPrice: 100_30000000n, askSize: 100_000_000n, quoteTimestamp: 0n },
    ])));
    const planner = new ExecutionPlanner(parseConfig(PlannerConfigSchema, { capital: "1000", capitalFraction: 1, orderType: "market" }), market);
    const order = planner.plan(viewOf(sink.messages[0]!))!;
    expect(order).toMatchObject({ side: Side.Buy, orderType: OrderType.Market, instrument: BTC, price: 0n, signalId: (decodeMessage(sink.messages[0]!).tlvs[0] as { signalId: bigint }).signalId });
    // capital × fraction × confidence/100 ÷ the ask the order would take.
    expect(order.quantity).toBe((1000_00000000n * BigInt(confidence) * 100_000_000n) / (100n * 100_30000000n));
  });
});
