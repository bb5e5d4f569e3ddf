import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageView, Side, Venue, pairInstrument, type LiquidationAlertTlv, type Tlv } from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { PortfolioConfigSchema } from "../../../trading/portfolio/config.ts";
import { Portfolio } from "../../../trading/portfolio/portfolio.ts";
import { Position } from "../../../trading/portfolio/position.ts";
import { CollectSink, decodedAll, msg } from "../helpers.ts";

const E8 = 100_000_000n;
const P = (usd: number): bigint => BigInt(Math.round(usd * 100)) * 1_000_000n;
const PERP = pairInstrument("BTC", "USDT", Venue.Binance, 2);

describe("position", () => {
  it("realizes exactly over round trips, with partial closes and flips", () => {
    const p = new Position();
    p.apply(Side.Buy, P(100), 3n * E8, 0n);
    p.apply(Side.Buy, P(103), E8, 0n); // avg 100.75
    expect(p.averagePrice).toBe(P(100.75));
    expect(p.apply(Side.Sell, P(110), E8, 0n).realized).toBe(925n * E8 * E8 / 100n); // (110 − 100.75) × 1
    const flip = p.apply(Side.Sell, P(90), 4n * E8, P(1)); // close 3 at 90 (−32.25), open short 1 at 90
    expect(flip.roundTrip).toBe(P(9.25 - 32.25) - P(1));
    expect(p.quantity).toBe(-E8);
    expect(p.averagePrice).toBe(P(90));
    expect(p.realizedQuote).toBe(P(9.25 - 32.25));
    expect(p.unrealized(P(80)) / E8).toBe(P(10));
  });

  it("a closed position's realized P&L is Σ sells − Σ buys exactly, whatever the split (property)", () => {
    fc.assert(fc.property(fc.array(fc.record({ price: fc.bigInt({ min: 1n, max: 10n ** 13n }), qty: fc.bigInt({ min: 1n, max: 10n ** 10n }) }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.bigInt({ min: 1n, max: 10n ** 13n }), { minLength: 1, maxLength: 12 }), (buys, sellPrices) => {
        const p = new Position();
        let cash = 0n;
        let total = 0n;
        for (const b of buys) {
          p.apply(Side.Buy, b.price, b.qty, 0n);
          cash -= b.price * b.qty;
          total += b.qty;
        }
        // Sell it back in chunks at the given prices, the last chunk taking what is left.
        for (let i = 0; i < sellPrices.length && total > 0n; i++) {
          const q = i === sellPrices.length - 1 ? total : (total + 1n) / 2n;
          p.apply(Side.Sell, sellPrices[i]!, q, 0n);
          cash += sellPrices[i]! * q;
          total -= q;
        }
        if (total === 0n) {
          expect(p.quantity).toBe(0n);
          expect(p.cost).toBe(0n);
          expect(p.realized).toBe(cash);
        }
      }));
  });
});

describe("portfolio", () => {
  function setup(extra: Record<string, unknown> = {}) {
    const sink = new CollectSink();
    const market = new MarketState();
    const portfolio = new Portfolio(parseConfig(PortfolioConfigSchema, { leverage: { "BTC/USDT@binance": { leverage: 10, maintenanceMarginBps: 50 } }, alertDistanceBps: 400, ...extra }), market, sink);
    const view = new MessageView();
    let seq = 0;
    const send = (source: number, domain: number, tlvs: Tlv[]): number => portfolio.onMessage(view.wrap(msg(domain, source, ++seq, seq, tlvs), 0));
    const quote = (mid: number): number => send(1, 1, [{ type: 2, name: "Quote", instrument: PERP, bidPrice: P(mid - 0.5), bidSize: E8, askPrice: P(mid + 0.5), askSize: E8, quoteTimestamp: 0n }]);
    const fill = (orderId: bigint, side: number, price: number, qty: bigint, fee = 0n): number =>
      send(41, 3, [{ type: 42, name: "Fill", orderId, instrument: PERP, side, liquidity: 2, price: P(price), quantity: qty, fee, filledAt: 0n }]);
    return { sink, portfolio, send, quote, fill };
  }

  it("marks to market, counts wins over round trips and measures slippage against expected prices", () => {
    const t = setup();
    t.quote(30_000);
    // A signal with reference price 30,000 and a market order naming it; a limit order at 31,000.
    t.send(21, 2, [{ type: 20, name: "SignalIdentity", strategyId: 21, confidence: 80, signalId: 9n },
      { type: 22, name: "MomentumSignal", instrument: PERP, direction: 1, windowSeconds: 10, momentumBps: 30, referencePrice: P(30_000) }]);
    t.send(40, 3, [{ type: 40, name: "OrderRequest", orderId: 1n, instrument: PERP, side: 1, orderType: 1, strategyId: 21, price: 0n, quantity: E8, signalId: 9n, createdAt: 0n, maxSlippageBps: 0, flags: 0 }]);
    t.send(40, 3, [{ type: 40, name: "OrderRequest", orderId: 2n, instrument: PERP, side: 2, orderType: 2, strategyId: 21, price: P(31_000), quantity: E8, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0 }]);
    t.fill(1n, Side.Buy, 30_030, E8, P(3)); // 30 worse than expected
    t.quote(30_500);
    expect(t.portfolio.totals()).toMatchObject({ realized: 0n, unrealized: P(470), fees: P(3), net: P(467), roundTrips: 0 });
    t.fill(2n, Side.Sell, 31_010, E8, P(3)); // 10 better than the limit
    const totals = t.portfolio.totals();
    expect(totals).toMatchObject({ realized: P(980), unrealized: 0n, fees: P(6), net: P(974), roundTrips: 1, wins: 1, winRate: 1, slippageCost: P(20), fills: 2 });
    expect(totals.slippageBps).toBeCloseTo((20 / 61_000) * 10_000, 1);
    t.fill(3n, Side.Buy, 31_000, E8);
    t.fill(4n, Side.Sell, 30_000, E8);
    expect(t.portfolio.totals()).toMatchObject({ roundTrips: 2, wins: 1, winRate: 0.5 });
    expect(t.portfolio.position(PERP)).toMatchObject({ quantity: 0n, realized: P(-20) });
  });

  it("publishes LiquidationAlert near the liquidation price, again as severity rises, re-armed when safe", () => {
    const t = setup();
    t.quote(30_000);
    t.fill(1n, Side.Buy, 30_000, 2n * E8);
    // Long 10×, mm 0.5 %: liquidation = 30,000 × (1 − 0.1 + 0.005) = 27,150. Alert within 4 %.
    expect(t.quote(28_500)).toBe(0); // 4.7 % away
    expect(t.quote(28_200)).toBe(1); // 3.72 %
    expect(t.quote(28_190)).toBe(0); // same severity bucket
    expect(t.quote(27_500)).toBe(1); // 1.27 %: severity up
    expect(t.quote(29_000)).toBe(0); // safe again
    expect(t.quote(28_200)).toBe(1); // re-armed
    const alerts = decodedAll(t.sink).map((m) => ({ id: m.tlvs[0] as { strategyId: number; confidence: number }, a: m.tlvs[1] as LiquidationAlertTlv }));
    expect(alerts.map(({ a }) => [a.side, a.positionSize, a.liquidationPrice, a.markPrice, a.distanceBps])).toEqual([
      [1, 2n * E8, P(27_150), P(28_200), 372],
      [1, 2n * E8, P(27_150), P(27_500), 127],
      [1, 2n * E8, P(27_150), P(28_200), 372],
    ]);
    expect(alerts[1]!.a.severity).toBe(Math.round((100 * (400 - 127)) / 400));
    expect(alerts[1]!.id).toMatchObject({ strategyId: 42, confidence: alerts[1]!.a.severity });
  });
});
