/**
 * The API's recent-history ring: latest state per instrument and pool, the last N of each signal and
 * execution kind, and a byte cap over everything, in PROTOCOL §7 JSON as `GET /history` serves it.
 */
import { describe, expect, it } from "vitest";
import { RecentHistory } from "../../api/recent-history.ts";

interface Snapshot {
  domain: string;
  sources: Record<string, string>;
  messages: { header: { source: number; sequence: string }; tlvs: { type: number; [k: string]: unknown }[] }[];
}

const header = (source: number, sequence: number) => ({ source, sequence: String(sequence), timestamp: "1" });
const instrument = (symbol: string) => ({ venue: 1, kind: "pair", symbol });
const trade = (source: number, seq: number, symbol: string, price: string) =>
  ({ header: header(source, seq), tlvs: [{ type: 1, name: "Trade", instrument: instrument(symbol), price, size: "1", side: 1 }] });
const book = (source: number, seq: number, symbol: string) =>
  ({ header: header(source, seq), tlvs: [{ type: 3, name: "OrderBook", instrument: instrument(symbol), bids: [], asks: [] }] });
const sync = (source: number, seq: number, pool: string, reserve0: string, flags = 0) =>
  ({ header: header(source, seq), tlvs: [{ type: 7, name: "PoolSync", pool, flags, reserve0, reserve1: "1" }] });
const signal = (seq: number, kind: 21 | 22) => ({ header: header(21, seq), tlvs: [{ type: 20, strategyId: 21 }, { type: kind, n: seq }] });
const execution = (seq: number, type: 40 | 41 | 42) => ({ header: header(40, seq), tlvs: [{ type, orderId: String(seq) }] });
const snap = (h: RecentHistory, domain: "market-data" | "signal" | "execution", types: number[] = []) =>
  JSON.parse(h.snapshotJson(domain, types)) as Snapshot;

describe("recent history", () => {
  it("keeps the latest trade and book per instrument and the latest state per pool, in arrival order", () => {
    const h = new RecentHistory();
    h.record("market-data", trade(1, 1, "BTC/USD", "100"));
    h.record("market-data", trade(2, 1, "ETH/USD", "10"));
    h.record("market-data", book(1, 2, "BTC/USD"));
    h.record("market-data", trade(1, 3, "BTC/USD", "101"));
    h.record("market-data", sync(4, 7, "0xpool", "5"));
    h.record("market-data", sync(4, 8, "0xpool", "6"));
    h.record("market-data", sync(4, 9, "0xpool", "7", 2)); // removed by a reorg: not the pool's state
    const s = snap(h, "market-data");
    expect(s.domain).toBe("market-data");
    expect(s.messages.map((m) => [m.header.source, m.header.sequence, m.tlvs[0]!.type])).toEqual([
      [2, "1", 1], [1, "2", 3], [1, "3", 1], [4, "8", 7],
    ]);
    expect(s.messages.find((m) => m.tlvs[0]!.type === 1 && m.header.source === 1)!.tlvs[0]!.price).toBe("101");
    expect(s.messages.find((m) => m.tlvs[0]!.type === 7)!.tlvs[0]!.reserve0).toBe("6");
    // The last sequence per source counts every message seen, kept or not.
    expect(s.sources).toEqual({ 1: "3", 2: "1", 4: "9" });
    expect(snap(h, "market-data", [3]).messages.map((m) => m.tlvs[0]!.type)).toEqual([3]);
  });

  it("splits a message with several instruments into one entry per instrument", () => {
    const h = new RecentHistory();
    h.record("market-data", { header: header(1, 1), tlvs: [trade(1, 1, "A/B", "1").tlvs[0], trade(1, 1, "C/D", "2").tlvs[0]] });
    const s = snap(h, "market-data");
    expect(s.messages).toHaveLength(2);
    expect(s.messages.every((m) => m.tlvs.length === 1 && m.header.sequence === "1")).toBe(true);
  });

  it("keeps the last N of each signal and execution kind, so one kind never pushes out another", () => {
    const h = new RecentHistory({ perFeed: 3 });
    h.record("signal", signal(1, 21));
    for (let i = 2; i <= 10; i++) h.record("signal", signal(i, 22));
    const signals = snap(h, "signal").messages;
    expect(signals.map((m) => m.header.sequence)).toEqual(["1", "8", "9", "10"]);
    expect(signals[0]!.tlvs.map((t) => t.type)).toEqual([20, 21]);

    for (let i = 1; i <= 20; i++) h.record("execution", execution(i, i % 2 === 0 ? 42 : 40));
    h.record("execution", execution(21, 41));
    const exec = snap(h, "execution").messages;
    expect(exec.map((m) => m.header.sequence)).toEqual(["15", "16", "17", "18", "19", "20", "21"]);
    expect(snap(h, "execution", [42]).messages.map((m) => m.header.sequence)).toEqual(["16", "18", "20"]);
  });

  it("bounds the latest-state slots, dropping the least recently updated instrument first", () => {
    const h = new RecentHistory({ maxKeys: 3 });
    for (const sym of ["A/U", "B/U", "C/U"]) h.record("market-data", trade(1, 1, sym, "1"));
    h.record("market-data", trade(1, 2, "A/U", "2")); // A is fresh again: B is now the oldest
    h.record("market-data", trade(1, 3, "D/U", "3"));
    const symbols = snap(h, "market-data").messages.map((m) => (m.tlvs[0]!.instrument as { symbol: string }).symbol);
    expect(symbols).toEqual(["C/U", "A/U", "D/U"]);
    expect(h.counters.evicted).toBe(1);
  });

  it("holds its JSON under maxBytes whatever the traffic, keeping the newest", () => {
    const maxBytes = 20_000;
    const h = new RecentHistory({ maxBytes, perFeed: 10_000, maxKeys: 100_000 });
    for (let i = 1; i <= 5_000; i++) {
      h.record("market-data", trade(1, i, `S${i}/USD`, String(i)));
      h.record("execution", execution(i, 42));
      expect(h.bytes).toBeLessThanOrEqual(maxBytes);
    }
    const md = snap(h, "market-data").messages;
    const ex = snap(h, "execution").messages;
    expect(md.length).toBeGreaterThan(10);
    expect(ex.length).toBeGreaterThan(10);
    expect(md.at(-1)!.header.sequence).toBe("5000");
    expect(ex.at(-1)!.header.sequence).toBe("5000");
    expect(h.snapshotJson("market-data", []).length + h.snapshotJson("execution", []).length).toBeLessThan(maxBytes + 1_000);
    expect(h.counters.evicted).toBe(10_000 - h.size);

    // One message larger than the whole cap is not kept (and evicts nothing).
    const before = h.size;
    h.record("signal", { header: header(21, 1), tlvs: [{ type: 22, pad: "x".repeat(maxBytes) }] });
    expect(h.size).toBe(before);
    expect(snap(h, "signal").messages).toEqual([]);
  });

  it("skips what it cannot place: other domains, messages without a header", () => {
    const h = new RecentHistory();
    h.record("system", { header: header(1, 1), tlvs: [{ type: 60 }] });
    h.record("signal", { tlvs: [{ type: 22 }] });
    h.record("signal", null);
    expect(h.size).toBe(0);
    expect(h.counters).toMatchObject({ recorded: 3, skipped: 3 });
  });
});
