import { afterEach, describe, expect, it } from "vitest";
import { BinanceAdapter } from "../../../adapters/binance/adapter.ts";
import { BinanceSim } from "../../../adapters/sim/binance.ts";
import { Side, formatInstrument } from "../../../protocol/mod.ts";
import { DecodingSink, harness, waitFor, type Harness } from "../helpers.ts";

let h: Harness<BinanceAdapter> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function start(sink: DecodingSink, extra: Partial<ConstructorParameters<typeof BinanceAdapter>[0]> = {}, seed = 5): Promise<Harness<BinanceAdapter>> {
  return harness(new BinanceSim(seed), (venue) => new BinanceAdapter({
    sink, symbols: ["BTCUSDT", "ETHUSDT"], wsUrl: `${venue.wsUrl}/stream`, restUrl: venue.restUrl, bookIntervalMs: 0, staleAfterMs: 3000,
    snapshotLimit: 100, ...extra,
  }));
}

const depthRequests = (h: Harness<BinanceAdapter>, sym: string): number =>
  h.venue.restRequests.filter((r) => r.startsWith(`/api/v3/depth?symbol=${sym}&`)).length;

describe("Binance adapter against a local stand-in", () => {
  it("splits symbols with exchangeInfo, subscribes, bridges the depth book, publishes trades, quotes and books", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("Trade") >= 10 && sink.count("OrderBook") >= 10 && sink.count("Quote") >= 10, "data");
    expect(h.venue.restRequests[0]).toBe(`/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}`);
    const sub = JSON.parse(h.venue.clientFrames[0]!.text) as { method: string; params: string[] };
    expect(sub.method).toBe("SUBSCRIBE");
    expect(sub.params).toEqual(["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms", "ethusdt@trade", "ethusdt@bookTicker", "ethusdt@depth@100ms"]);
    expect(depthRequests(h, "BTCUSDT")).toBe(1);
    expect(new Set(sink.of("Trade").map((t) => formatInstrument(t.instrument)))).toEqual(new Set(["BTC/USDT@binance", "ETH/USDT@binance"]));
    const book = h.adapter.bookOf("BTCUSDT")!;
    expect(book.crossed).toBe(false);
    const m = h.adapter.metrics.snapshot();
    expect(m.parseErrors).toBe(0);
    expect(m.gaps).toBe(0);
    expect(m.resyncs).toBe(0);
  });

  it("maps m (buyer is maker) to the taker's side and reads values exactly", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.adapter.metrics.connects === 1 && sink.count("Trade") > 0, "connected");
    const trade = (t: number, m: boolean, p: string, q: string) =>
      `{"stream":"ethusdt@trade","data":{"e":"trade","E":1633998523963,"s":"ETHUSDT","t":${t},"p":"${p}","q":"${q}","T":1633998523960,"m":${m},"M":true}}`;
    h.venue.broadcast(trade(90_000_000, true, "0.03600000", "116827.85000000"));
    h.venue.broadcast(trade(90_000_001, false, "4287.60000000", "0.000000015"));
    await waitFor(() => sink.of("Trade").filter((t) => t.execTimestamp === 1_633_998_523_960_000_000n).length === 2, "injected trades");
    const got = sink.of("Trade").filter((t) => t.execTimestamp === 1_633_998_523_960_000_000n);
    expect(got.map((t) => [t.side, t.price, t.size, t.flags])).toEqual([
      [Side.Sell, 3_600_000n, 11_682_785_000_000n, 0],
      [Side.Buy, 428_760_000_000n, 2n, 1],
    ]);
  });

  it("on a depth gap resyncs that symbol only (one more snapshot of it, none of the other)", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.adapter.bookOf("BTCUSDT") !== undefined && h!.adapter.bookOf("ETHUSDT") !== undefined && sink.count("OrderBook") > 6, "both books");
    const ethBefore = depthRequests(h, "ETHUSDT");
    (h.venue.sim as BinanceSim).dropNext("BTCUSDT");
    await waitFor(() => depthRequests(h!, "BTCUSDT") === 2 && h!.adapter.metrics.gaps >= 1, "the BTCUSDT resync");
    await waitFor(() => h!.adapter.bookOf("BTCUSDT") !== undefined && h!.adapter.metrics.resyncs === 1, "BTCUSDT live again");
    const booksAfter = sink.count("OrderBook");
    await waitFor(() => sink.of("OrderBook").slice(booksAfter).some((b) => b.instrument.assetId === sink.of("Trade").find((t) => formatInstrument(t.instrument) === "BTC/USDT@binance")!.instrument.assetId), "BTC books again");
    expect(depthRequests(h, "ETHUSDT")).toBe(ethBefore);
    expect(h.venue.connections).toBe(1);
    expect(h.logs.some((l) => /resync BTCUSDT: depth gap/.test(l))).toBe(true);
  });

  it("backs off on 429 with Retry-After for the snapshot and then gets it", async () => {
    const sink = new DecodingSink();
    const sim = new BinanceSim(8);
    h = await harness(sim, (venue) => new BinanceAdapter({
      sink, symbols: ["ETHUSDT"], wsUrl: `${venue.wsUrl}/stream`, restUrl: venue.restUrl, bookIntervalMs: 0, staleAfterMs: 3000,
    }));
    await waitFor(() => h!.adapter.bookOf("ETHUSDT") !== undefined, "first book");
    sim.rateLimitNext(1, 1, 429);
    h.venue.dropConnections();
    await waitFor(() => h!.adapter.metrics.connects === 2 && h!.adapter.bookOf("ETHUSDT") !== undefined, "book after the rate limit", 10_000);
    expect(h.adapter.metrics.rateLimitWaits).toBeGreaterThanOrEqual(1);
    expect(h.venue.restRequests.filter((r) => r.startsWith("/api/v3/depth")).length).toBe(3);
  });

  it("reconnects when the feed goes silent, and counts malformed frames without stopping", async () => {
    const sink = new DecodingSink();
    h = await start(sink, { staleAfterMs: 300 });
    await waitFor(() => sink.count("Trade") >= 2, "first trades");
    h.venue.broadcast('{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":');
    h.venue.broadcast('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","s":"BTCUSDT","U":1}}');
    h.venue.broadcast('{"stream":"btcusdt@kline_1m","data":{"e":"kline"}}');
    h.venue.broadcast('{"error":{"code":2,"msg":"Invalid request"},"id":9}');
    await waitFor(() => h!.adapter.metrics.parseErrors === 2 && h!.adapter.metrics.venueErrors === 1, "errors counted");
    h.venue.silent = true;
    await waitFor(() => h!.adapter.metrics.staleTimeouts >= 1, "stale");
    h.venue.silent = false;
    await waitFor(() => h!.adapter.metrics.connects >= 2 && h!.adapter.bookOf("BTCUSDT") !== undefined, "reconnected with a book");
    expect(h.adapter.metrics.unknownFrames).toBe(1);
  });
});
