import { afterEach, describe, expect, it } from "vitest";
import { OrderBook } from "../../../adapters/common/book.ts";
import { KrakenAdapter } from "../../../adapters/kraken/adapter.ts";
import { checksumDigits, checksumText, krakenChecksum } from "../../../adapters/kraken/checksum.ts";
import { KrakenSim } from "../../../adapters/sim/kraken.ts";
import { Side, TRADE_FLAG_INEXACT, formatInstrument, pairAssetId } from "../../../protocol/mod.ts";
import { DecodingSink, harness, waitFor, type Harness } from "../helpers.ts";

let h: Harness<KrakenAdapter> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function start(sink: DecodingSink, extra: Partial<ConstructorParameters<typeof KrakenAdapter>[0]> = {}, seed = 11): Promise<Harness<KrakenAdapter>> {
  return harness(new KrakenSim(seed), (venue) => new KrakenAdapter({
    sink, symbols: ["XBT/USD", "ETH/USD"], url: `${venue.wsUrl}/v2`, bookIntervalMs: 0, heartbeatStaleMs: 3000, ...extra,
  }));
}

/** zlib.crc32(b"50055005000304"), computed independently. */
const CRC = 3866222920;

describe("Kraken book checksum", () => {
  it("follows Kraken's documented example formatting", () => {
    expect(checksumDigits("45285.2")).toBe("452852");
    expect(checksumDigits("0.00100000")).toBe("100000");
    expect(checksumDigits("0.05000")).toBe("5000");
    const b = new OrderBook(true);
    b.asks.set(1n, 1n, "0.05005", "0.00000500");
    b.bids.set(0n, 1n, "0.05000", "0.00000304");
    expect(checksumText(b)).toBe("50055005000304"); // asks first, then bids
    expect(krakenChecksum(b)).toBe(CRC);
  });
});

describe("Kraken v2 adapter against a local stand-in", () => {
  it("subscribes book/trade/ticker, verifies checksums, maps XBT to BTC, publishes trades, quotes and books", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("Trade") >= 10 && sink.count("OrderBook") >= 10 && sink.count("Quote") >= 5, "data");
    const subs = h.venue.clientFrames.map((f) => JSON.parse(f.text) as { method: string; params: { channel: string; symbol: string[]; depth?: number } });
    expect(subs.map((s) => [s.method, s.params.channel, s.params.symbol])).toEqual([
      ["subscribe", "book", ["BTC/USD", "ETH/USD"]],
      ["subscribe", "trade", ["BTC/USD", "ETH/USD"]],
      ["subscribe", "ticker", ["BTC/USD", "ETH/USD"]],
    ]);
    const trades = sink.of("Trade");
    expect(new Set(trades.map((t) => formatInstrument(t.instrument)))).toEqual(new Set(["BTC/USD@kraken", "ETH/USD@kraken"]));
    const btc = trades.find((t) => formatInstrument(t.instrument) === "BTC/USD@kraken")!;
    expect(btc.instrument.assetId).toBe(pairAssetId("XBT", "USD")); // XBT is canonicalised to BTC
    expect(btc.instrument.assetId).toBe(pairAssetId("BTC", "USD"));
    const m = h.adapter.metrics.snapshot();
    expect(m.checksumMismatches).toBe(0);
    expect(m.parseErrors).toBe(0);
    expect(h.adapter.bookOf("BTC/USD")!.bids.length).toBe(10);
  });

  it("reads unquoted prices exactly (0.036 stays 0.036) and flags more than 8 decimals", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("Trade") >= 1, "first trade");
    h.venue.broadcast('{"channel":"trade","type":"update","data":[{"symbol":"ETH/USD","side":"sell","price":0.036,"qty":116827.85,"ord_type":"limit","trade_id":900000000,"timestamp":"2023-10-06T17:35:55.440295Z"},{"symbol":"ETH/USD","side":"buy","price":105944.20,"qty":0.000000015,"ord_type":"market","trade_id":900000001,"timestamp":"2023-10-06T17:35:55.440295Z"}]}');
    await waitFor(() => sink.of("Trade").filter((t) => t.execTimestamp === 1_696_613_755_440_295_000n).length === 2, "injected trades");
    const got = sink.of("Trade").filter((t) => t.execTimestamp === 1_696_613_755_440_295_000n);
    expect(got.map((t) => [t.side, t.price, t.size, t.flags])).toEqual([
      [Side.Sell, 3_600_000n, 11_682_785_000_000n, 0],
      [Side.Buy, 10_594_420_000_000n, 2n, TRADE_FLAG_INEXACT],
    ]);
  });

  it("on a checksum mismatch resubscribes that symbol's book only", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => h!.adapter.bookOf("BTC/USD") !== undefined && h!.adapter.bookOf("ETH/USD") !== undefined && sink.count("OrderBook") > 6, "books");
    (h.venue.sim as KrakenSim).dropNext("ETH/USD");
    await waitFor(() => h!.adapter.metrics.checksumMismatches >= 1 && h!.venue.framesContaining('"method":"unsubscribe"').length >= 1, "mismatch and resubscribe");
    await waitFor(() => h!.venue.framesContaining('"method":"subscribe"').length >= 4, "the new subscribe");
    const unsub = JSON.parse(h.venue.framesContaining('"method":"unsubscribe"')[0]!) as { params: unknown };
    expect(unsub.params).toEqual({ channel: "book", symbol: ["ETH/USD"], depth: 10 });
    const resub = JSON.parse(h.venue.framesContaining('"method":"subscribe"')[3]!) as { params: unknown };
    expect(resub.params).toEqual({ channel: "book", symbol: ["ETH/USD"], depth: 10, snapshot: true });
    await waitFor(() => h!.adapter.bookOf("ETH/USD") !== undefined, "ETH/USD rebuilt");
    const after = h.adapter.metrics.checksumMismatches;
    const books = sink.count("OrderBook");
    await waitFor(() => sink.count("OrderBook") > books + 5, "more books");
    expect(h.adapter.metrics.checksumMismatches).toBe(after);
    expect(h.venue.connections).toBe(1);
    expect(h.logs.some((l) => /resync ETH\/USD: book checksum/.test(l))).toBe(true);
  });

  it("reconnects after a cut connection and after a silent one, resubscribing each time", async () => {
    const sink = new DecodingSink();
    h = await start(sink, { heartbeatStaleMs: 1500 });
    await waitFor(() => sink.count("OrderBook") >= 3, "books");
    h.venue.dropConnections();
    await waitFor(() => h!.adapter.metrics.connects === 2 && h!.adapter.bookOf("BTC/USD") !== undefined, "reconnect");
    h.venue.silent = true;
    await waitFor(() => h!.adapter.metrics.staleTimeouts === 1, "stale", 10_000);
    h.venue.silent = false;
    await waitFor(() => h!.adapter.metrics.connects === 3 && h!.adapter.bookOf("ETH/USD") !== undefined, "third connection");
    expect(h.venue.framesContaining('"channel":"book"').length).toBe(3);
  });

  it("counts malformed frames and venue errors, skips unknown channels", async () => {
    const sink = new DecodingSink();
    h = await start(sink);
    await waitFor(() => sink.count("Trade") >= 1, "first trade");
    h.venue.broadcast('{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","price":1.5.2}]}');
    h.venue.broadcast('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1}],"asks":[],"checksum":1}]}');
    h.venue.broadcast('{"channel":"level3","type":"update","data":[]}');
    h.venue.broadcast('{"error":"Currency pair not supported DOGE/EUR","method":"subscribe","success":false}');
    await waitFor(() => h!.adapter.metrics.parseErrors === 2 && h!.adapter.metrics.venueErrors === 1 && h!.adapter.metrics.unknownFrames === 1, "counted");
    const before = sink.count("Trade");
    await waitFor(() => sink.count("Trade") > before, "still flowing");
  });
});
