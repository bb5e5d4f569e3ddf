import { describe, expect, it } from "vitest";
import {
  AssetType, MessageView, ORDER_FLAG_DEX_ROUTE, OrderStatus, OrderType, RejectReason, Side, Venue, addressAssetId, pairInstrument,
  type FillTlv, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { v2AmountOut } from "../../../trading/dex/v2-math.ts";
import { PaperConfigSchema } from "../../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../../trading/execution/paper-engine.ts";
import { UNI_V2, USDC, WETH } from "../../../fixtures/strategies/generate.ts";
import { CollectSink, decodedAll, msg } from "../helpers.ts";

const BTC = pairInstrument("BTC", "USD", Venue.Binance);
const E8 = 100_000_000n;
const P = (usd: number): bigint => BigInt(usd) * E8;

function setup(config: Record<string, unknown> = {}) {
  const sink = new CollectSink();
  const engine = new PaperExecutionEngine(parseConfig(PaperConfigSchema, { fees: { makerBps: 1, takerBps: 10 }, beyondDepthSlippageBps: 50, ...config }), {
    sink, pools: [{ address: UNI_V2, kind: "v2", venue: 300, token0: USDC, token1: WETH, decimals0: 6, decimals1: 18, fee: 3000, tickSpacing: 1 }],
  });
  const view = new MessageView();
  let seq = 0;
  const send = (source: number, domain: number, tlvs: Tlv[]): void => {
    engine.onMessage(view.wrap(msg(domain, source, ++seq, seq, tlvs), 0));
  };
  const book = (bids: [number, bigint][], asks: [number, bigint][]): void =>
    send(1, 1, [{ type: 3, name: "OrderBook", instrument: BTC, bookTimestamp: 0n, exchangeSequence: 1n,
      bids: bids.map(([p, s]) => ({ price: P(p), size: s })), asks: asks.map(([p, s]) => ({ price: P(p), size: s })) }]);
  const quote = (bid: number, ask: number, size = E8): void =>
    send(1, 1, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: P(bid), bidSize: size, askPrice: P(ask), askSize: size, quoteTimestamp: 0n }]);
  let id = 0n;
  const order = (side: number, orderType: number, quantity: bigint, price = 0n, extra: Partial<OrderRequestTlv> = {}): bigint => {
    sink.clear();
    const o: OrderRequestTlv = { type: 40, name: "OrderRequest", orderId: ++id, instrument: BTC, side, orderType, strategyId: 1, price, quantity, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0, ...extra };
    send(40, 3, [o]);
    return o.orderId;
  };
  const out = () => decodedAll(sink).map((m) => m.tlvs[0]!);
  const fills = () => out().filter((t): t is FillTlv => t.name === "Fill").map((f) => [f.price, f.quantity, f.fee, f.liquidity]);
  const acks = () => out().filter((t): t is OrderAckTlv => t.name === "OrderAck").map((a) => [a.status, a.rejectReason]);
  return { sink, engine, send, book, quote, order, out, fills, acks };
}

describe("paper execution engine", () => {
  it("market order walks the book, pays taker fees, fills beyond depth with the configured slippage", () => {
    const t = setup();
    t.book([[99, E8]], [[100, E8], [101, E8]]);
    t.order(Side.Buy, OrderType.Market, 3n * E8);
    expect(t.acks()).toEqual([[OrderStatus.Accepted, 0]]);
    // 1 @ 100, 1 @ 101, 1 beyond depth @ 101 × 1.005 = 101.505; taker fee 10 bps of each notional.
    expect(t.fills()).toEqual([[P(100), E8, P(100) / 1000n, 2], [P(101), E8, P(101) / 1000n, 2], [10_150_500_000n, E8, 10_150_500n, 2]]);
  });

  it("market order with maxSlippageBps stops at the bound; the rest expires", () => {
    const t = setup();
    t.book([[99, E8]], [[100, E8], [101, E8]]);
    t.order(Side.Buy, OrderType.Market, 3n * E8, 0n, { maxSlippageBps: 50 }); // bound 100.5
    expect(t.fills()).toEqual([[P(100), E8, P(100) / 1000n, 2]]);
    expect(t.acks()).toEqual([[OrderStatus.Accepted, 0], [OrderStatus.Expired, 0]]);
  });

  it("limit order: marketable part as taker, the rest rests and fills as maker when crossed; cancel", () => {
    const t = setup();
    t.quote(99, 100);
    const a = t.order(Side.Buy, OrderType.Limit, 3n * E8, P(100));
    expect(t.fills()).toEqual([[P(100), E8, P(100) / 1000n, 2]]);
    expect(t.engine.restingOrders).toBe(1);
    t.sink.clear();
    t.quote(98, 101); // ask above limit: nothing
    t.send(1, 1, [{ type: 1, name: "Trade", instrument: BTC, side: 2, flags: 0, price: P(99), size: E8 / 2n, execTimestamp: 0n }]); // trades through
    t.quote(97, 99, E8 / 4n); // ask crosses
    expect(t.fills()).toEqual([[P(100), E8 / 2n, P(50) / 10_000n, 1], [P(100), E8 / 4n, P(25) / 10_000n, 1]]);
    t.sink.clear();
    t.send(40, 3, [{ type: 43, name: "Cancel", orderId: a, reason: 1, requestedAt: 0n }]);
    expect(t.acks()).toEqual([[OrderStatus.Cancelled, 0]]);
    expect(t.engine.restingOrders).toBe(0);
    t.sink.clear();
    t.send(40, 3, [{ type: 43, name: "Cancel", orderId: a, reason: 1, requestedAt: 0n }]);
    expect(t.acks()).toEqual([[OrderStatus.Rejected, RejectReason.Invalid]]);
  });

  it("IOC fills what the limit allows and expires the rest", () => {
    const t = setup();
    t.book([[99, E8]], [[100, E8], [102, E8]]);
    t.order(Side.Buy, OrderType.IOC, 2n * E8, P(101));
    expect(t.fills()).toEqual([[P(100), E8, P(100) / 1000n, 2]]);
    expect(t.acks()).toEqual([[OrderStatus.Accepted, 0], [OrderStatus.Expired, 0]]);
    expect(t.engine.restingOrders).toBe(0);
  });

  it("FOK fills completely or not at all", () => {
    const t = setup();
    t.book([[99, E8], [98, E8]], [[100, E8]]);
    t.order(Side.Sell, OrderType.FOK, 3n * E8, P(98));
    expect(t.fills()).toEqual([]);
    expect(t.acks()).toEqual([[OrderStatus.Expired, 0]]);
    t.order(Side.Sell, OrderType.FOK, 2n * E8, P(98));
    expect(t.fills()).toEqual([[P(99), E8, P(99) / 1000n, 2], [P(98), E8, P(98) / 1000n, 2]]);
  });

  it("applies slippageBps to taker fills and uses per-venue fees", () => {
    const t = setup({ slippageBps: 20, venueFees: { [String(Venue.Binance)]: { makerBps: 0, takerBps: 4 } } });
    t.quote(99, 100);
    t.order(Side.Sell, OrderType.Market, E8 / 2n);
    const price = (P(99) * 9980n) / 10_000n;
    expect(t.fills()).toEqual([[price, E8 / 2n, ((price / 2n) * 4n) / 10_000n, 2]]);
  });

  it("rejects invalid orders, orders without liquidity, and ignores other sources", () => {
    const t = setup();
    t.order(Side.Buy, OrderType.Market, E8);
    expect(t.acks()).toEqual([[OrderStatus.Rejected, RejectReason.Venue]]);
    t.quote(99, 100);
    t.order(Side.Buy, 9, E8);
    expect(t.acks()).toEqual([[OrderStatus.Rejected, RejectReason.Invalid]]);
    t.sink.clear();
    t.send(21, 3, [{ type: 40, name: "OrderRequest", orderId: 77n, instrument: BTC, side: 1, orderType: 1, strategyId: 1, price: 0n, quantity: E8, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0 }]);
    expect(t.out()).toEqual([]);
    expect(t.engine.counters.foreignOrders).toBe(1);
  });

  it("fills DEX orders at the pool's exact output and rejects below minAmountOut", () => {
    const t = setup();
    const [r0, r1] = [40_000_000n * 10n ** 6n, 20_000n * 10n ** 18n];
    t.send(6, 1, [{ type: 7, name: "PoolSync", venue: 300, flags: 0, token0Decimals: 6, token1Decimals: 18, pool: UNI_V2, reserve0: r0, reserve1: r1, blockNumber: 1n, logIndex: 0, blockTimestamp: 0n }]);
    const pool = { assetId: addressAssetId(UNI_V2), venue: 300, assetType: AssetType.Pool };
    // Sell 10,000 USDC (token0) for WETH.
    const exact = v2AmountOut(10_000n * 10n ** 6n, r0, r1, 3000n);
    t.order(Side.Sell, OrderType.Market, 10_000n * E8, 0n, { instrument: pool, flags: ORDER_FLAG_DEX_ROUTE, pool: UNI_V2, minAmountOut: exact });
    expect(t.acks()).toEqual([[OrderStatus.Accepted, 0]]);
    // Fill: 10,000 token0, price = WETH per USDC in 1e8: exact·1e6·1e8 / (1e10·1e18).
    expect(t.fills()).toEqual([[(exact * 10n ** 6n * E8) / (10_000n * 10n ** 6n * 10n ** 18n), 10_000n * E8, 0n, 2]]);
    t.order(Side.Sell, OrderType.Market, 10_000n * E8, 0n, { instrument: pool, flags: ORDER_FLAG_DEX_ROUTE, pool: UNI_V2, minAmountOut: exact + 1n });
    expect(t.acks()).toEqual([[OrderStatus.Rejected, RejectReason.Venue]]);
    expect(t.fills()).toEqual([]);
  });
});
