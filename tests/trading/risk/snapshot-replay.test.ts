import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  MessageView, ORDER_FLAG_REDUCE_ONLY, OrderStatus, OrderType, RelayDomain, Side, Venue, pairInstrument, type OrderRequestTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MarketState } from "../../../trading/execution/market-state.ts";
import { PortfolioConfigSchema } from "../../../trading/portfolio/config.ts";
import { Portfolio } from "../../../trading/portfolio/portfolio.ts";
import { SnapshotError } from "../../../trading/snapshot-codec.ts";
import { RiskConfigSchema } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";
import { TradingState } from "../../../trading/risk/risk-snapshot.ts";
import { msg } from "../helpers.ts";

const E8 = 100_000_000n;
const INSTRUMENTS = [pairInstrument("BTC", "USD", Venue.Coinbase), pairInstrument("ETH", "USD", Venue.Coinbase), pairInstrument("SOL", "USDT", Venue.Binance)];

/** One step of a random trading session. */
type Op =
  | { kind: "quote"; inst: number; price: number }
  | { kind: "order"; inst: number; side: number; qty: number; limit: boolean; reduceOnly: boolean; dt: number }
  | { kind: "fill"; pick: number; fraction: number; price: number; fee: number }
  | { kind: "ack"; pick: number; status: number }
  | { kind: "kill"; engaged: boolean }
  | { kind: "signal"; id: number; price: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("quote" as const), inst: fc.nat(2), price: fc.integer({ min: 50, max: 200 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("order" as const), inst: fc.nat(2), side: fc.constantFrom(Side.Buy, Side.Sell), qty: fc.integer({ min: 1, max: 300 }),
      limit: fc.boolean(), reduceOnly: fc.integer({ min: 0, max: 9 }).map((x) => x === 0), dt: fc.integer({ min: 0, max: 400 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("fill" as const), pick: fc.nat(50), fraction: fc.integer({ min: 1, max: 100 }), price: fc.integer({ min: 50, max: 200 }), fee: fc.nat(500),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("ack" as const), pick: fc.nat(50), status: fc.constantFrom(OrderStatus.Rejected, OrderStatus.Cancelled, OrderStatus.Expired, OrderStatus.Accepted),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("kill" as const), engaged: fc.integer({ min: 0, max: 3 }).map((x) => x > 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("signal" as const), id: fc.integer({ min: 1, max: 1000 }), price: fc.integer({ min: 50, max: 200 }) }) },
);
/** Sessions open with a quote of every instrument (orders need market data). */
const OPENING: Op[] = INSTRUMENTS.map((_, inst) => ({ kind: "quote", inst, price: 100 }));

const riskConfig = () => parseConfig(RiskConfigSchema, {
  orderSources: [21],
  limits: { maxPosition: "8", maxOrderNotional: "1500", maxOpenOrders: 6, maxOrdersPerSecond: 4, dailyLossLimit: "300", maxDataAgeMs: 5000 },
});
const portfolioConfig = () => v.parse(PortfolioConfigSchema, {});

/**
 * Runs a session live — a real risk manager deciding on orders with market data, a scripted execution
 * venue acking and filling what it forwarded — and returns the journal it would write (every order,
 * decision, ack, fill and signal; no market data), plus the live risk manager.
 */
function liveSession(ops: Op[]): { journal: Uint8Array[]; live: RiskManager } {
  const journal: Uint8Array[] = [];
  const forwarded: bigint[] = [];
  const view = new MessageView();
  const live = new RiskManager(riskConfig(), { sink: { publish: (b) => void journal.push(b.slice()) } });
  const forwardView = new MessageView();
  let seq = 0;
  let t = 0;
  let orderId = 0n;
  const remaining = new Map<bigint, { inst: number; side: number; qty: bigint }>();
  for (const op of ops) {
    seq++;
    if (op.kind === "quote") {
      const p = BigInt(op.price) * E8;
      live.onMessage(view.wrap(msg(RelayDomain.MarketData, 3, seq, t, [{
        type: 2, name: "Quote", instrument: INSTRUMENTS[op.inst]!, bidPrice: p, bidSize: E8, askPrice: p + E8 / 10n, askSize: E8, quoteTimestamp: 0n,
      }])));
    } else if (op.kind === "order") {
      t += op.dt / 1000;
      const quantity = BigInt(op.qty) * E8 / 100n;
      const o: OrderRequestTlv = {
        type: 40, name: "OrderRequest", orderId: ++orderId, instrument: INSTRUMENTS[op.inst]!, side: op.side,
        orderType: op.limit ? OrderType.Limit : OrderType.Market, strategyId: 21, price: op.limit ? 120n * E8 : 0n, quantity,
        signalId: BigInt(op.inst + 1), createdAt: 0n, maxSlippageBps: 0, flags: op.reduceOnly ? ORDER_FLAG_REDUCE_ONLY : 0,
      };
      const m = msg(RelayDomain.Execution, 21, seq, t, [o]);
      journal.push(m);
      const before = journal.length;
      live.onMessage(view.wrap(m));
      for (const out of journal.slice(before)) {
        forwardView.wrap(out);
        if (forwardView.source === 40 && forwardView.findTlv(40)) {
          forwarded.push(o.orderId);
          remaining.set(o.orderId, { inst: op.inst, side: op.side, qty: quantity });
        }
      }
    } else if (op.kind === "fill" || op.kind === "ack") {
      if (forwarded.length === 0) continue;
      const id = forwarded[op.pick % forwarded.length]!;
      const r = remaining.get(id);
      let tlv: Tlv;
      if (op.kind === "fill") {
        if (r === undefined || r.qty <= 0n) continue;
        let q = (r.qty * BigInt(op.fraction)) / 100n;
        if (q <= 0n) q = r.qty;
        r.qty -= q;
        tlv = {
          type: 42, name: "Fill", orderId: id, instrument: INSTRUMENTS[r.inst]!, side: r.side, liquidity: 2, price: BigInt(op.price) * E8,
          quantity: q, fee: BigInt(op.fee) * 10_000n, filledAt: 0n,
        };
      } else {
        tlv = { type: 41, name: "OrderAck", orderId: id, venueOrderId: id, status: op.status, rejectReason: 0, ackedAt: 0n };
        if (op.status !== OrderStatus.Accepted) remaining.delete(id);
      }
      const m = msg(RelayDomain.Execution, 41, seq, t, [tlv]);
      journal.push(m);
      live.onMessage(view.wrap(m));
    } else if (op.kind === "kill") {
      if (op.engaged) live.killSwitch("test");
      else live.setTradingState(TradingState.Active, "test release");
    } else {
      journal.push(msg(RelayDomain.Signal, 21, seq, t, [
        { type: 20, name: "SignalIdentity", strategyId: 21, confidence: 80, signalId: BigInt(op.id) },
        {
          type: 22, name: "MomentumSignal", instrument: INSTRUMENTS[0]!, direction: 1, windowSeconds: 5, momentumBps: 10,
          referencePrice: BigInt(op.price) * E8,
        },
      ]));
    }
  }
  return { journal, live };
}

/** Fresh risk manager and stand-alone portfolio, as the execution service builds them on start. */
function fresh() {
  return { risk: new RiskManager(riskConfig()), portfolio: new Portfolio(portfolioConfig(), new MarketState()) };
}

function replay(state: ReturnType<typeof fresh>, messages: Uint8Array[]): void {
  const view = new MessageView();
  for (const m of messages) {
    view.wrap(m);
    if (view.relayDomain === RelayDomain.Execution) state.risk.replay(view.wrap(m));
    state.portfolio.onMessage(view.wrap(m));
  }
}

/** JSON texts of the items, sorted. */
const sorted = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** Snapshot through JSON text, as on disk. */
const roundTrip = <T>(x: T): unknown => JSON.parse(JSON.stringify(x));

describe("risk and portfolio snapshots", () => {
  it("snapshot at any point + replay of the journal tail == full journal replay, bit-exact", () => {
    const seen = { withFills: 0, withOpenOrders: 0, cutInside: 0 };
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: "large" }), fc.nat(1_000_000), (ops, at) => {
      const { journal, live } = liveSession([...OPENING, ...ops]);
      const full = fresh();
      replay(full, journal);
      const cut = at % (journal.length + 1);
      const head = fresh();
      replay(head, journal.slice(0, cut));
      const riskSnap = roundTrip(head.risk.toSnapshot());
      const portfolioSnap = roundTrip(head.portfolio.toSnapshot());
      const restored = fresh();
      restored.risk.restore(riskSnap);
      restored.portfolio.restore(portfolioSnap);
      replay(restored, journal.slice(cut));

      expect(restored.risk.toSnapshot()).toEqual(full.risk.toSnapshot());
      expect(restored.portfolio.toSnapshot()).toEqual(full.portfolio.toSnapshot());
      expect(restored.portfolio.totals()).toEqual(full.portfolio.totals());
      expect(restored.portfolio.positionsList()).toEqual(full.portfolio.positionsList());
      expect(restored.risk.openOrders).toBe(full.risk.openOrders);
      // The journal alone rebuilds what the live manager knew: its open orders and its positions.
      const liveSnap = live.toSnapshot();
      const fullSnap = full.risk.toSnapshot();
      // (Slots, hence list order, depend on when an instrument was first seen: compare as sets.)
      expect(sorted(fullSnap.openOrders)).toEqual(sorted(liveSnap.openOrders));
      expect(sorted(fullSnap.portfolio.positions)).toEqual(sorted(liveSnap.portfolio.positions));
      expect(full.risk.counters.accepted).toBe(live.counters.accepted);
      if (full.portfolio.totals().fills > 0) seen.withFills++;
      if (full.risk.openOrders > 0) seen.withOpenOrders++;
      if (cut > 0 && cut < journal.length && head.risk.counters.accepted > 0) seen.cutInside++;
    }), { numRuns: 150 });
    // The sessions exercised what the property is about (not only empty journals).
    expect(seen.withFills).toBeGreaterThan(30);
    expect(seen.withOpenOrders).toBeGreaterThan(30);
    expect(seen.cutInside).toBeGreaterThan(30);
  });

  it("a restored risk manager decides the next order like the original", () => {
    const { journal } = liveSession([
      { kind: "quote", inst: 0, price: 100 },
      ...Array.from({ length: 5 }, () => ({ kind: "order" as const, inst: 0, side: Side.Buy, qty: 100, limit: false, reduceOnly: false, dt: 10 })),
    ]);
    const a = fresh();
    replay(a, journal);
    const b = fresh();
    b.risk.restore(roundTrip(a.risk.toSnapshot()));
    // Four orders went through in the same second (maxOrdersPerSecond 4): the rate window is restored too.
    expect(a.risk.openOrders).toBe(4);
    expect(b.risk.openOrders).toBe(4);
    expect(b.risk.toSnapshot().rateTimes.length).toBe(4);
    expect(b.risk.toSnapshot()).toEqual(a.risk.toSnapshot());
  });

  it("refuses a bad snapshot with a typed error naming the field, and changes nothing", () => {
    const { journal } = liveSession([
      { kind: "quote", inst: 1, price: 100 },
      { kind: "order", inst: 1, side: Side.Buy, qty: 50, limit: false, reduceOnly: false, dt: 0 },
    ]);
    const a = fresh();
    replay(a, journal);
    const good = roundTrip(a.risk.toSnapshot()) as Record<string, unknown>;
    const b = fresh();
    const before = b.risk.toSnapshot();
    const cases: [unknown, string, RegExp][] = [
      [{ ...good, version: 99 }, "version", /reads version 1/],
      [{ ...good, kind: "portfolio" }, "kind", /expected "risk"/],
      [{ ...good, dayBaseline: "12.5" }, "dayBaseline", /integer/],
      [{ ...good, openOrders: [{ ...(good.openOrders as object[])[0], orderId: "-1" }] }, "openOrders[0].orderId", /unsigned/],
      [{ ...good, portfolio: { ...(good.portfolio as object), fills: -1 } }, "portfolio.fills", /./],
      [{ ...good, extra: 1 }, "extra", /./],
      [null, "", /not an object/],
    ];
    for (const [snap, field, reason] of cases) {
      let error: unknown;
      try {
        b.risk.restore(snap);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).field).toBe(field);
      expect((error as SnapshotError).message).toMatch(reason);
      expect(b.risk.toSnapshot()).toEqual(before);
    }
    expect(() => Portfolio.fromSnapshot({ kind: "portfolio", version: 1 }, portfolioConfig(), new MarketState())).toThrow(SnapshotError);
    const portfolioSnap = roundTrip(a.portfolio.toSnapshot()) as Record<string, unknown>;
    const badRow = { ...portfolioSnap, expected: [["1", "5"], ["2", "x"]] };
    let error: unknown;
    try {
      Portfolio.fromSnapshot(badRow, portfolioConfig(), new MarketState());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).field).toBe("expected");
    expect((error as SnapshotError).message).toMatch(/\[1\]: must be/);
  });
});
