/**
 * The backtest's fill model (the paper venue's, trading/execution/paper-engine.ts): with a latency an
 * order fills against the book as of decision + latency, walking the levels it consumes at the taker fee,
 * stamped at that instant; a held order can be cancelled; a stale quote is no liquidity when
 * `maxQuoteAgeMs` says so. And the engine's inputs: sources merged by exact stamp, --from/--to, and a
 * whole run in simulated time whose fills the test checks against the book it built.
 */

import { copyFileSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, expect, it } from "vitest";
import {
  encodeMessage, MessageView, OrderStatus, OrderType, pairInstrument, RejectReason, Side, Venue, type FillTlv, type OrderAckTlv, type OrderRequestTlv, type Tlv,
} from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { PaperConfigSchema } from "../../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../../trading/execution/paper-engine.ts";
import { backtestConfig, BacktestFileSchema } from "../../../runtime/backtest/config.ts";
import { BacktestEngine } from "../../../runtime/backtest/engine.ts";
import { loadBacktestConfig } from "../../../runtime/backtest/config.ts";
import { loadSource, mergeSources, SourceError, sourceFromBytes } from "../../../runtime/backtest/sources.ts";
import { fileURLToPath } from "node:url";
import { CollectSink, decodedAll } from "../../trading/helpers.ts";
import * as v from "valibot";

const BTC = pairInstrument("BTC", "USDT", Venue.Binance);
const E8 = 100_000_000n;
const P = (x: number): bigint => BigInt(Math.round(x * 1e8));
const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;

function message(domain: number, source: number, atMs: number, tlvs: Tlv[], seq = 1): Uint8Array {
  return encodeMessage({ relayDomain: domain, source, sequence: BigInt(seq), timestamp: T0 + BigInt(atMs) * MS }, tlvs);
}
const book = (atMs: number, asks: [number, number][], bids: [number, number][] = [[90, 10]]): Uint8Array =>
  message(1, 1, atMs, [{ type: 3, name: "OrderBook", instrument: BTC, bookTimestamp: T0 + BigInt(atMs) * MS, exchangeSequence: 1n,
    bids: bids.map(([p, s]) => ({ price: P(p), size: P(s) })), asks: asks.map(([p, s]) => ({ price: P(p), size: P(s) })) }]);
const quote = (atMs: number, venueMs: number, bid: number, ask: number): Uint8Array =>
  message(1, 1, atMs, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: P(bid), bidSize: P(5), askPrice: P(ask), askSize: P(5), quoteTimestamp: T0 + BigInt(venueMs) * MS }]);
const order = (atMs: number, id: bigint, quantity: number, type: number = OrderType.Market, side: number = Side.Buy): Uint8Array =>
  message(3, 40, atMs, [{ type: 40, name: "OrderRequest", orderId: id, instrument: BTC, side, orderType: type, strategyId: 1, price: 0n, quantity: P(quantity),
    signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0 } satisfies OrderRequestTlv]);

function venue(config: Record<string, unknown>) {
  const sink = new CollectSink();
  const engine = new PaperExecutionEngine(parseConfig(PaperConfigSchema, { fees: { makerBps: 1, takerBps: 5 }, beyondDepthSlippageBps: 100, ...config }), { sink });
  const view = new MessageView();
  const send = (bytes: Uint8Array): void => void engine.onMessage(view.wrap(bytes));
  const out = () => decodedAll(sink).map((m) => ({ at: m.header.timestamp, tlv: m.tlvs[0]! }));
  const fills = () => out().filter((x) => x.tlv.name === "Fill").map((x) => ({ at: x.at, f: x.tlv as FillTlv }));
  const acks = () => out().filter((x) => x.tlv.name === "OrderAck").map((x) => x.tlv as OrderAckTlv);
  return { engine, send, fills, acks };
}

describe("paper fill model: latency and walking levels", () => {
  it("fills against the book as of decision + latency, walking its levels at the taker fee, stamped then", () => {
    const p = venue({ latencyMs: 50 });
    p.send(book(1000, [[100, 1], [101, 2]]));
    p.send(order(1010, 1n, 2.5));
    expect(p.fills()).toEqual([]); // held: not yet at the venue
    expect(p.engine.ordersInFlight).toBe(1);
    p.send(book(1040, [[105, 1], [106, 10]])); // the book as of 1060 (decision 1010 + 50)
    p.send(book(1060, [[107, 1], [108, 10]])); // stamped exactly at the due time: still part of "as of 1060"
    expect(p.fills()).toEqual([]);
    p.send(book(1070, [[200, 1]])); // after the due time: the order executes before this book applies
    const fills = p.fills();
    expect(fills.map((x) => [x.f.price, x.f.quantity])).toEqual([[P(107), P(1)], [P(108), P(1.5)]]);
    expect(fills.map((x) => x.f.fee)).toEqual([(P(107) * 5n) / 10_000n, (((P(108) * P(1.5)) / E8) * 5n) / 10_000n]);
    expect(fills.every((x) => x.at === T0 + 1060n * MS && x.f.filledAt === T0 + 1060n * MS)).toBe(true);
    expect(fills.every((x) => x.f.liquidity === 2)).toBe(true);
    expect(p.engine.ordersInFlight).toBe(0);
  });

  it("with no latency fills on arrival against that moment's book; beyond the depth at the last level worsened", () => {
    const p = venue({ latencyMs: 0 });
    p.send(book(1000, [[100, 1], [101, 2]]));
    p.send(order(1010, 1n, 4));
    expect(p.fills().map((x) => [x.f.price, x.f.quantity, x.at])).toEqual([
      [P(100), P(1), T0 + 1010n * MS], [P(101), P(2), T0 + 1010n * MS], [(P(101) * 10_100n) / 10_000n, P(1), T0 + 1010n * MS],
    ]);
  });

  it("cancels a held order without a fill", () => {
    const p = venue({ latencyMs: 50 });
    p.send(book(1000, [[100, 1]]));
    p.send(order(1010, 7n, 1, OrderType.IOC));
    p.send(message(3, 40, 1020, [{ type: 43, name: "Cancel", orderId: 7n, reason: 0, requestedAt: T0 + 1020n * MS }]));
    p.send(book(2000, [[100, 1]]));
    expect(p.fills()).toEqual([]);
    expect(p.acks().map((a) => [a.orderId, a.status])).toEqual([[7n, OrderStatus.Cancelled]]);
  });

  it("treats a quote older than maxQuoteAgeMs (by its venue time) as no liquidity", () => {
    const p = venue({ maxQuoteAgeMs: 1000 });
    p.send(quote(1000, 1000, 99, 100));
    p.send(order(1500, 1n, 1));
    expect(p.fills().map((x) => x.f.price)).toEqual([P(100)]);
    p.send(quote(5000, 2000, 99, 100)); // arrives late: venue time 2000
    p.send(order(5000, 2n, 1));
    expect(p.acks().at(-1)).toMatchObject({ orderId: 2n, status: OrderStatus.Rejected, rejectReason: RejectReason.Venue });
    expect(p.fills()).toHaveLength(1);
  });
});

describe("backtest inputs and a whole run", () => {
  it("merges sources by exact stamp, ties to the earlier input, and keeps a disordered file stable", () => {
    const a = sourceFromBytes("a", concat([book(1, [[1, 1]]), book(3, [[3, 1]]), book(3, [[33, 1]])]));
    const b = sourceFromBytes("b", concat([book(2, [[2, 1]]), book(3, [[4, 1]]), book(0, [[0, 1]])]));
    const s = mergeSources([a, b]);
    const order = Array.from({ length: s.length }, (_, i) => `${s.source[i]}@${s.offset[i]}`);
    const len = a.offsets[1]!;
    expect(order).toEqual([`1@${2 * len}`, `0@0`, `1@0`, `0@${len}`, `0@${2 * len}`, `1@${len}`]);
  });

  it("notes while framing whether a file's stamps go backwards; one ordered input is scheduled as it is", () => {
    const a = sourceFromBytes("a", concat([book(1, [[1, 1]]), book(3, [[3, 1]]), book(3, [[33, 1]])]));
    const b = sourceFromBytes("b", concat([book(2, [[2, 1]]), book(3, [[4, 1]]), book(0, [[0, 1]])]));
    expect([a.sorted, b.sorted]).toEqual([true, false]);
    expect(mergeSources([a]).offset).toBe(a.offsets);
    const len = b.offsets[1]!;
    expect(Array.from(mergeSources([b]).offset)).toEqual([2 * len, 0, len]);
  });

  it("runs momentum → planner → risk → paper → portfolio in simulated time; fills match the book it was given", async () => {
    // Trades that rise 10 bps a second for 20 s, each after a book 1 wide with 0.5 BTC on each of 3 levels.
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const px = 100 * (1 + 0.001 * (i / 10));
      const at = 1000 + i * 100;
      messages.push(book(at, [[px + 0.5, 0.5], [px + 1.5, 0.5], [px + 2.5, 0.5]], [[px - 0.5, 0.5]]));
      messages.push(message(1, 1, at + 1, [{ type: 1, name: "Trade", instrument: BTC, side: Side.Buy, flags: 0, price: P(px), size: P(1), execTimestamp: T0 + BigInt(at + 1) * MS }]));
    }
    const config = backtestConfig(v.parse(BacktestFileSchema, {
      backtest: { equityIntervalMs: 1000 },
      strategies: [{ strategy: "momentum", config: { windows: [{ seconds: 5, thresholdBps: 20 }], minTrades: 5, cooldownMs: 3000 } }],
      execution: { planner: { capital: "1000", capitalFraction: 0.2, orderType: "market", lotSize: "0.01" }, paper: { latencyMs: 30, fees: { makerBps: 0, takerBps: 10 } } },
    }), "inline.yaml");
    const engine = await BacktestEngine.create(config);
    const result = engine.run([sourceFromBytes("synthetic", concat(messages))], { fromNs: T0 + 2000n * MS, toNs: T0 + 19_000n * MS });
    expect(result.messages).toBe(340);
    expect(result.skipped).toBe(60);
    expect(result.firstNs).toBe(T0 + 2000n * MS);
    const fills = result.recorder.fills;
    expect(fills.length).toBeGreaterThan(2);
    expect(engine.clock.nowNs()).toBe(result.lastNs);
    for (const f of fills) {
      expect(f.side).toBe(Side.Buy);
      expect(f.at - f.decisionAt!).toBeGreaterThanOrEqual(30n * MS);
      // Within the book in force at decision + 30 ms: the one stamped at the last 100 ms step at or before it.
      const stepMs = Number((f.at - T0) / MS - 1000n) / 100;
      const px = 100 * (1 + 0.001 * (Math.floor(stepMs) / 10));
      expect([P(px + 0.5), P(px + 1.5), P(px + 2.5)]).toContain(f.price);
      expect(f.fee).toBe((((f.price * f.quantity) / E8) * 10n) / 10_000n);
    }
    expect(result.equity[0]!.tNs).toBe(T0 + 2000n * MS);
    expect(result.equity.at(-1)!.tNs).toBe(result.lastNs);
  });
});

describe("captures and an application config", () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  it("runs config/default.yaml's strategies and execution over three venue captures merged by time", async () => {
    // An application config's relative paths resolve against the working directory (as for ap start): vitest runs from the root.
    expect(realpathSync(process.cwd())).toBe(realpathSync(root));
    const sources = [
      await loadSource(join(root, "fixtures/demo/binance.sim.jsonl")), await loadSource(`kraken:${join(root, "fixtures/demo/kraken.sim.jsonl")}`),
      await loadSource(join(root, "fixtures/demo/coinbase.sim.jsonl")),
    ];
    expect(sources.map((s) => s.kind)).toEqual(["capture", "capture", "capture"]);
    const config = await loadBacktestConfig(join(root, "config/default.yaml"));
    expect(config.strategies.map((s) => s.strategy)).toEqual(["flash-arbitrage", "momentum"]);
    const engine = await BacktestEngine.create(config);
    const result = engine.run(sources);
    expect(result.messages).toBe(sources.reduce((n, s) => n + s.offsets.length, 0));
    expect(new Set(result.recorder.fills.map((f) => f.instrument.venue)).size).toBeGreaterThan(1);
    expect(result.equity.at(-1)!.currencies.size).toBeGreaterThan(1);
  });

  it("refuses a capture whose venue it cannot tell, saying how to name it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ap-bt-src-"));
    try {
      const file = join(dir, "session.jsonl");
      copyFileSync(join(root, "fixtures/demo/binance.sim.jsonl"), file);
      const e = await loadSource(file).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SourceError);
      expect((e as SourceError).kind).toBe("unknown-venue");
      expect((e as SourceError).message).toContain("VENUE:FILE");
      expect((await loadSource(`binance:${file}`)).offsets.length).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
