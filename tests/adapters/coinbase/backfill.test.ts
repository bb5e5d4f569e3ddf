/**
 * Coinbase trade backfill: trades lost in a gap are fetched with `GET /products/<id>/trades`
 * (cursor pagination) and published in trade-id order with no duplicate; what cannot be recovered is
 * counted. First against the local stand-in venue (real HTTP + WebSocket), then the edge cases by
 * driving the adapter directly as a replay does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CoinbaseAdapter, type CoinbaseOptions } from "../../../adapters/coinbase/adapter.ts";
import type { AdapterIo } from "../../../adapters/common/adapter.ts";
import type { CaptureEvent } from "../../../adapters/common/capture.ts";
import { replayCapture } from "../../../adapters/common/replay.ts";
import { CoinbaseSim } from "../../../adapters/sim/coinbase.ts";
import { Side, parseDecimal } from "../../../protocol/mod.ts";
import { DecodingSink, harness, waitFor, type Harness } from "../helpers.ts";

let h: Harness<CoinbaseAdapter> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface RestTrade { time: string; trade_id: number; price: string; size: string; side: string }

/** What a Trade TLV should hold for a venue trade (taker side = opposite of Coinbase's maker side). */
function expected(t: RestTrade): [bigint, bigint, number, bigint] {
  const ns = BigInt(Date.parse(t.time)) * 1_000_000n + BigInt(t.time.slice(23, 26)) * 1000n;
  return [parseDecimal(t.price).value, parseDecimal(t.size).value, t.side === "sell" ? Side.Buy : Side.Sell, ns];
}

describe("Coinbase backfill against the local stand-in", () => {
  it("fetches the trades a gap lost and publishes the product's trades gap-free, in order, once each", async () => {
    const sink = new DecodingSink();
    h = await harness(new CoinbaseSim(11), (venue) => new CoinbaseAdapter({
      sink, products: ["BTC-USD"], url: venue.wsUrl, restUrl: venue.restUrl, bookIntervalMs: 0, level2: false, ticker: false,
    }));
    await waitFor(() => sink.count("Trade") >= 3, "first trades");
    (h.venue.sim as CoinbaseSim).dropNext("BTC-USD", 3);
    await waitFor(() => h!.adapter.metrics.backfilled >= 3, "three trades backfilled");
    const before = sink.count("Trade");
    await waitFor(() => sink.count("Trade") >= before + 3, "trades after the backfill");
    const m = h.adapter.metrics;
    expect(m.gaps).toBe(1);
    expect(m.backfilled).toBe(3);
    expect(m.backfillLost).toBe(0);
    const pages = h.venue.restRequests.filter((r) => r.startsWith("/products/BTC-USD/trades"));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(/^\/products\/BTC-USD\/trades\?after=\d+&limit=3$/);

    // The venue's own history (newest first) is the truth: what was published must be a contiguous run of it.
    const res = await fetch(`${h.venue.restUrl}/products/BTC-USD/trades?limit=1000`);
    expect(res.headers.get("cb-before")).toMatch(/^\d+$/);
    const history = ((await res.json()) as RestTrade[]).reverse();
    const published = sink.of("Trade").map((t) => [t.price, t.size, t.side, t.execTimestamp]);
    const first = history.findIndex((t) => {
      const [p, s, side, ns] = expected(t);
      return p === published[0]![0] && s === published[0]![1] && side === published[0]![2] && ns === published[0]![3];
    });
    expect(first).toBeGreaterThanOrEqual(0);
    expect(published).toEqual(history.slice(first, first + published.length).map(expected));
  });

  it("serves the trades endpoint with Coinbase's cursor pagination", async () => {
    const sink = new DecodingSink();
    h = await harness(new CoinbaseSim(5), (venue) => new CoinbaseAdapter({ sink, products: ["ETH-USD"], url: venue.wsUrl, level2: false }));
    await waitFor(() => sink.count("Trade") >= 12, "a dozen trades");
    const get = async (q: string) => {
      const r = await fetch(`${h!.venue.restUrl}/products/ETH-USD/trades${q}`);
      return { status: r.status, body: (await r.json()) as RestTrade[], before: r.headers.get("cb-before"), after: r.headers.get("cb-after") };
    };
    const latest = await get("?limit=5");
    expect(latest.body.map((t) => t.trade_id)).toEqual([...latest.body.map((t) => t.trade_id)].sort((a, b) => b - a));
    expect(latest.before).toBe(String(latest.body[0]!.trade_id));
    expect(latest.after).toBe(String(latest.body[4]!.trade_id));
    const older = await get(`?after=${latest.after}&limit=3`);
    expect(older.body.map((t) => t.trade_id)).toEqual([1, 2, 3].map((d) => Number(latest.after) - d));
    const newer = await get(`?before=${older.before}&limit=2`);
    expect(newer.body.map((t) => t.trade_id)).toEqual([Number(older.before) + 2, Number(older.before) + 1]);
    expect((await get("?limit=1001")).status).toBe(400);
    expect((await fetch(`${h.venue.restUrl}/products/NOPE-USD/trades`)).status).toBe(404);
  });
});

// ------------------------------------------------------------------- driven directly (replay-style)

const T0 = Date.UTC(2025, 7, 22, 20, 11, 30);

/** A Coinbase trade with id `id` (its values derive from the id). */
function trade(id: number): RestTrade {
  return {
    time: new Date(T0 + id * 10).toISOString().replace("Z", "123Z"), trade_id: id, price: `${100 + (id % 50)}.${String(id % 100).padStart(2, "0")}`,
    size: `0.${String(id).padStart(8, "0")}`, side: id % 3 === 0 ? "buy" : "sell",
  };
}
const match = (id: number) => JSON.stringify({
  type: "match", trade_id: id, maker_order_id: "m", taker_order_id: "t", side: trade(id).side, size: trade(id).size, price: trade(id).price,
  product_id: "BTC-USD", sequence: 1000 + id, time: trade(id).time,
});
/** Coinbase's answer to `after=<after>&limit=<limit>` over the ids in `have`. */
function page(after: number, limit: number, have: (id: number) => boolean = () => true): string {
  const out: RestTrade[] = [];
  for (let id = after - 1; id >= 1 && out.length < limit; id--) if (have(id)) out.push(trade(id));
  return JSON.stringify(out);
}

class Driver {
  readonly sink = new DecodingSink();
  readonly rest: string[] = [];
  readonly logs: string[] = [];
  readonly adapter: CoinbaseAdapter;
  readonly io: AdapterIo & { nowMs: number };

  constructor(options: Partial<CoinbaseOptions> = {}) {
    this.adapter = new CoinbaseAdapter({ sink: this.sink, products: ["BTC-USD"], level2: false, ticker: false, restUrl: "https://api.test", ...options });
    const self = this;
    this.io = {
      nowMs: T0, replaying: false, send() {}, touch() {}, reconnect() {},
      requestRest(url: string) { self.rest.push(url); },
      log(m: string) { self.logs.push(m); },
    };
  }

  frames(...ids: number[]): this {
    for (const id of ids) {
      this.io.nowMs += 1;
      this.adapter.onFrame(match(id), this.io);
    }
    return this;
  }

  /** Answers the last REST request from a venue holding `have`. */
  answer(have?: (id: number) => boolean): this {
    const url = new URL(this.rest.at(-1)!);
    this.adapter.onRest(url.href, page(Number(url.searchParams.get("after")), Number(url.searchParams.get("limit")), have), this.io);
    return this;
  }

  /** The published trades as the trade ids they came from (matched on every value). */
  ids(): number[] {
    return this.sink.of("Trade").map((t) => BY_VALUES.get([t.price, t.size, t.side, t.execTimestamp].join("|")) ?? -1);
  }
}

const BY_VALUES = new Map(Array.from({ length: 3000 }, (_, i) => [expected(trade(i + 1)).join("|"), i + 1] as const));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("Coinbase backfill logic", () => {
  it("holds newer trades, fills the gap from one page (ignoring trades it already has) and publishes in order", () => {
    const d = new Driver().frames(10, 11, 12, 16, 17);
    expect(d.ids()).toEqual([10, 11, 12]);
    expect(d.rest).toEqual(["https://api.test/products/BTC-USD/trades?after=16&limit=3"]);
    d.adapter.onRest(d.rest[0]!, page(18, 8), d.io); // more than asked: 17…10, of which only 13–15 were missing
    expect(d.ids()).toEqual(range(10, 17));
    d.frames(17, 18);
    expect(d.ids()).toEqual(range(10, 18));
    expect([d.adapter.metrics.backfilled, d.adapter.metrics.backfillLost, d.adapter.metrics.gaps, d.adapter.metrics.outOfOrder]).toEqual([3, 0, 1, 1]);
  });

  it("pages through a gap of 2500 trades, 1000 at a time", () => {
    const d = new Driver().frames(1, 2502);
    d.answer().answer().answer();
    expect(d.rest.map((u) => new URL(u).search)).toEqual(["?after=2502&limit=1000", "?after=1502&limit=1000", "?after=502&limit=500"]);
    expect(d.ids()).toEqual(range(1, 2502));
    expect(d.adapter.metrics.backfilled).toBe(2500);
  });

  it("counts what the venue no longer has as lost, and still publishes the rest in order", () => {
    const d = new Driver().frames(10, 15).answer((id) => id !== 12 && id !== 13);
    expect(d.ids()).toEqual([10, 11, 14, 15]);
    expect([d.adapter.metrics.backfilled, d.adapter.metrics.backfillLost]).toEqual([2, 2]);
  });

  it("a short last page means no older trades exist: the rest is lost", () => {
    const d = new Driver().frames(3, 8).answer((id) => id >= 6);
    expect(d.ids()).toEqual([3, 6, 7, 8]);
    expect(d.adapter.metrics.backfillLost).toBe(2);
  });

  it("a failed page, the deadline, the hold limit and the end of input each give up visibly", () => {
    const failed = new Driver().frames(1, 5, 6);
    failed.adapter.onRestError(failed.rest[0]!, new Error("HTTP 500"), failed.io);
    expect(failed.ids()).toEqual([1, 5, 6]);
    expect(failed.adapter.metrics.backfillLost).toBe(3);

    const late = new Driver({ backfillTimeoutMs: 1000 }).frames(1, 5);
    late.io.nowMs += 2000;
    late.frames(6);
    expect(late.ids()).toEqual([1, 5, 6]);
    expect(late.adapter.metrics.backfillLost).toBe(3);
    expect(late.logs.join("\n")).toMatch(/3 trades lost/);

    const full = new Driver({ maxHeld: 3 }).frames(1, 5, 6, 7);
    expect(full.ids()).toEqual([1]);
    full.frames(8);
    expect(full.ids()).toEqual([1, 5, 6, 7, 8]);

    const ended = new Driver().frames(1, 5);
    ended.adapter.flush(ended.io);
    expect(ended.ids()).toEqual([1, 5]);
    expect(ended.adapter.metrics.backfillLost).toBe(3);

    const off = new Driver({ backfill: false }).frames(1, 5);
    expect([off.ids(), off.rest.length, off.adapter.metrics.backfillLost]).toEqual([[1, 5], 0, 3]);
  });

  it("a late live copy of a missing trade fills its hole; a second gap during the backfill is fetched too", () => {
    const d = new Driver().frames(1, 4, 2); // 2 arrives late
    expect(d.ids()).toEqual([1]);
    d.frames(7); // 5, 6 missing too, while the page for 3 is in flight
    d.answer(); // page after=4 limit=2 → 3, 2: only 3 is still missing
    expect(d.rest.map((u) => new URL(u).search)).toEqual(["?after=4&limit=2", "?after=7&limit=2"]);
    d.answer();
    expect(d.ids()).toEqual(range(1, 7));
    expect([d.adapter.metrics.backfilled, d.adapter.metrics.backfillLost, d.adapter.metrics.gaps]).toEqual([3, 0, 2]);
  });

  it("a heartbeat ahead of the trades received starts a backfill of the ids it names", () => {
    const d = new Driver().frames(20);
    d.adapter.onFrame(JSON.stringify({ type: "heartbeat", last_trade_id: 23, product_id: "BTC-USD", sequence: 5000, time: trade(23).time }), d.io);
    expect(d.rest.map((u) => new URL(u).search)).toEqual(["?after=24&limit=3"]);
    d.frames(24).answer();
    expect(d.ids()).toEqual(range(20, 24));
  });

  it("replays a capture with its recorded REST page to the same ordered output", async () => {
    const url = "wss://ws-feed.exchange.coinbase.com";
    const events: CaptureEvent[] = [{ t: 1n, kind: "connect", url }];
    let t = 2n;
    for (const id of [10, 11, 14, 15]) events.push({ t: t++, kind: "recv", url, data: match(id) });
    events.push({ t: t++, kind: "rest", url: "https://api.exchange.coinbase.com/products/BTC-USD/trades?after=14&limit=2", data: page(14, 2) });
    events.push({ t: t++, kind: "recv", url, data: match(16) });
    const d = new Driver();
    await replayCapture(d.adapter, events);
    expect(d.ids()).toEqual(range(10, 16));
    expect(d.adapter.metrics.backfilled).toBe(2);
  });
});
