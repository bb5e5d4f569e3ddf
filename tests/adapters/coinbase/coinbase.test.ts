import { afterEach, describe, expect, it } from "vitest";
import { CoinbaseAdapter } from "../../../adapters/coinbase/adapter.ts";
import { CoinbaseSim } from "../../../adapters/sim/coinbase.ts";
import { Side, TRADE_FLAG_INEXACT, Venue, formatInstrument } from "../../../protocol/mod.ts";
import { DecodingSink, harness, waitFor, type Harness } from "../helpers.ts";

let h: Harness<CoinbaseAdapter> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function start(sink: DecodingSink, extra: Partial<ConstructorParameters<typeof CoinbaseAdapter>[0]> = {}, seed = 3): Promise<Harness<CoinbaseAdapter>> {
  return harness(new CoinbaseSim(seed), (venue) => new CoinbaseAdapter({
    sink, products: ["BTC-USD", "ETH-USD"], url: venue.wsUrl, bookIntervalMs: 0, heartbeatStaleMs: 3000, ...extra,
  }));
}

describe("Coinbase adapter against a local stand-in", () => {
  it("subscribes, keeps books, publishes trades (taker side), quotes and books", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    const { adapter, venue } = h;
    await waitFor(() => sink.count("Trade") >= 10 && sink.count("OrderBook") >= 10, "trades and books");
    const sub = JSON.parse(venue.clientFrames[0]!.text) as { type: string; product_ids: string[]; channels: string[] };
    expect(sub).toEqual({ type: "subscribe", product_ids: ["BTC-USD", "ETH-USD"], channels: ["heartbeat", "matches", "ticker", "level2_batch"] });
    const trades = sink.of("Trade");
    expect(new Set(trades.map((t) => formatInstrument(t.instrument)))).toEqual(new Set(["BTC/USD@coinbase", "ETH/USD@coinbase"]));
    for (const t of trades) {
      expect([Side.Buy, Side.Sell]).toContain(t.side);
      expect(t.price).toBeGreaterThan(0n);
      expect(t.flags).toBe(0);
      expect(t.instrument.venue).toBe(Venue.Coinbase);
    }
    // Header sequences count up from 1 without holes.
    const seqs = sink.messages.map((m) => new DataView(m.buffer, m.byteOffset).getBigUint64(8, true));
    expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
    const book = adapter.bookOf("BTC-USD")!;
    expect(book.bids.length).toBeGreaterThan(5);
    expect(book.crossed).toBe(false);
    const m = adapter.metrics.snapshot();
    expect(m.parseErrors).toBe(0);
    expect(m.gaps).toBe(0);
    expect(m.latency.count).toBeGreaterThan(0);
  });

  it("maps the maker's side to the taker's: maker sell → Trade buy", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.adapter.metrics.connects === 1 && h!.venue.clientFrames.length > 0, "subscription");
    const match = (side: string, id: number) =>
      `{"type":"match","trade_id":${id},"maker_order_id":"a","taker_order_id":"b","side":"${side}","size":"1","price":"2","product_id":"ETH-USD","sequence":1,"time":"2025-08-22T20:11:30.012637Z"}`;
    const base = 10_000_000;
    h.venue.broadcast(match("sell", base));
    h.venue.broadcast(match("buy", base + 1));
    await waitFor(() => sink.of("Trade").some((t) => t.price === 200_000_000n && t.size === 100_000_000n && t.execTimestamp === 1_755_893_490_012_637_000n && t.side === Side.Sell), "the injected trades");
    const injected = sink.of("Trade").filter((t) => t.price === 200_000_000n && t.execTimestamp === 1_755_893_490_012_637_000n);
    expect(injected.map((t) => t.side)).toEqual([Side.Buy, Side.Sell]);
  });

  it("reads precision edges exactly and flags more than 8 decimals inexact", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.venue.clientFrames.length > 0 && h!.adapter.metrics.frames > 3, "subscription");
    const at = "2025-08-22T20:11:30.000001Z";
    const frame = (id: number, price: string, size: string) =>
      `{"type":"match","trade_id":${id},"side":"buy","size":"${size}","price":"${price}","product_id":"ETH-USD","sequence":5,"time":"${at}"}`;
    h.venue.broadcast(frame(20_000_000, "0.036", "0.00004147"));
    h.venue.broadcast(frame(20_000_001, "116827.85", "1.5"));
    h.venue.broadcast(frame(20_000_002, "0.036", "0.000000015"));
    await waitFor(() => sink.of("Trade").filter((t) => t.execTimestamp === 1_755_893_490_000_001_000n).length === 3, "the edge trades");
    const edge = sink.of("Trade").filter((t) => t.execTimestamp === 1_755_893_490_000_001_000n);
    expect(edge.map((t) => [t.price, t.size, t.flags])).toEqual([
      [3_600_000n, 4147n, 0],
      [11_682_785_000_000n, 150_000_000n, 0],
      [3_600_000n, 2n, TRADE_FLAG_INEXACT],
    ]);
    expect(h.adapter.metrics.inexact).toBe(1);
  });

  it("counts and skips malformed and unknown frames, and keeps going", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("Trade") >= 2, "first trades");
    for (const bad of ['{"type":"match","trade_id":', "not json at all", '{"type":"match","trade_id":"x1","product_id":"BTC-USD"}', '{"type":"l2update","product_id":"BTC-USD","changes":[["up","1","2"]]}', "[]"]) {
      h.venue.broadcast(bad);
    }
    h.venue.broadcast('{"type":"brand_new_thing","x":1}');
    h.venue.broadcast('{"type":"match","trade_id":1,"side":"buy","size":"1","price":"1","product_id":"DOGE-EUR","sequence":1,"time":"2025-08-22T20:11:30Z"}');
    const before = sink.count("Trade");
    await waitFor(() => h!.adapter.metrics.parseErrors >= 5 && sink.count("Trade") > before + 3, "errors counted and trades flowing");
    const m = h.adapter.metrics.snapshot();
    expect(m.parseErrors).toBe(5);
    expect(m.unknownFrames).toBe(1);
    expect(m.unknownInstruments).toBe(1);
    expect(m.lastError).toMatch(/coinbase frame/);
  });

  it("reconnects after a cut connection, resubscribes and rebuilds the book from a fresh snapshot", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("OrderBook") >= 5, "a book");
    h.venue.dropConnections();
    await waitFor(() => h!.adapter.metrics.connects === 2 && h!.adapter.bookOf("BTC-USD") !== undefined, "reconnect and new snapshot");
    expect(h.adapter.metrics.reconnects).toBeGreaterThanOrEqual(1);
    expect(h.venue.connections).toBe(2);
    expect(h.venue.framesContaining('"type":"subscribe"').length).toBe(2);
    const after = sink.count("Trade");
    await waitFor(() => sink.count("Trade") > after + 3, "trades after the reconnect");
    expect(h.adapter.bookOf("BTC-USD")!.crossed).toBe(false);
  });

  it("abandons an open but silent socket and reconnects", async () => {
    const sink = new DecodingSink();
    h = await start(sink, { heartbeatStaleMs: 300 });
    await waitFor(() => sink.count("Trade") >= 2, "first trades");
    h.venue.silent = true;
    await waitFor(() => h!.adapter.metrics.staleTimeouts >= 1, "stale timeout");
    h.venue.silent = false;
    await waitFor(() => h!.adapter.metrics.connects >= 2, "reconnect");
    expect(h.adapter.metrics.lastError).toMatch(/stale|no heartbeat/);
    expect(h.venue.connections).toBeGreaterThanOrEqual(2);
  });

  it("detects a trade-id gap and resyncs that product's book only", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.adapter.bookOf("BTC-USD") !== undefined && sink.count("Trade") >= 3, "books and trades");
    (h.venue.sim as CoinbaseSim).dropNext("BTC-USD");
    await waitFor(() => h!.adapter.metrics.gaps >= 1 && h!.venue.framesContaining('"type":"unsubscribe"').length >= 1, "gap and resync");
    const unsub = h.venue.framesContaining('"type":"unsubscribe"').map((t) => JSON.parse(t) as { product_ids: string[]; channels: string[] });
    expect(unsub.length).toBeGreaterThanOrEqual(1);
    for (const u of unsub) expect(u).toMatchObject({ product_ids: ["BTC-USD"], channels: ["level2_batch"] });
    await waitFor(() => h!.adapter.bookOf("BTC-USD") !== undefined, "BTC-USD book rebuilt");
    expect(h.venue.connections).toBe(1);
  });
});
