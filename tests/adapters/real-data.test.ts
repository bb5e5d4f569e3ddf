/**
 * The adapters' parsers over real recorded venue sessions in ../shared/data (skipped when absent):
 * zero parse errors, and exact values where the recording says what they must be.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BinanceAdapter } from "../../adapters/binance/adapter.ts";
import { CoinbaseAdapter } from "../../adapters/coinbase/adapter.ts";
import { OrderBook } from "../../adapters/common/book.ts";
import type { CaptureEvent } from "../../adapters/common/capture.ts";
import { DecimalReader } from "../../adapters/common/decimal.ts";
import { JsonCursor } from "../../adapters/common/json-cursor.ts";
import { replayCapture } from "../../adapters/common/replay.ts";
import { KrakenAdapter } from "../../adapters/kraken/adapter.ts";
import { krakenChecksum } from "../../adapters/kraken/checksum.ts";
import { Side, formatInstrument, parseDecimal } from "../../protocol/mod.ts";
import { DecodingSink } from "./helpers.ts";
import { SHARED_DATA, readCryptofeed } from "./real-data.ts";

const real = SHARED_DATA ? describe : describe.skip;

real("real Coinbase Exchange data", () => {
  it("normalises 447 real matches exactly, taker side = opposite of Coinbase's maker side", async () => {
    const matches = JSON.parse(readFileSync(join(SHARED_DATA!, "coinbase-exchange/matches.json"), "utf8")) as
      { trade_id: number; side: string; size: string; price: string; product_id: string; time: string }[];
    const text = readFileSync(join(SHARED_DATA!, "coinbase-exchange/matches.json"), "utf8");
    // Each frame is the file's own text of one object, so prices stay exactly as written.
    const frames: string[] = [];
    const c = new JsonCursor().reset(text);
    c.enterArray();
    while (c.nextItem()) {
      c.peek();
      const from = c.pos;
      c.skipValue();
      frames.push(text.slice(from, c.pos));
    }
    const events: CaptureEvent[] = [{ t: 1_755_893_490_000_000_000n, kind: "connect", url: "wss://ws-feed.exchange.coinbase.com" }];
    for (const f of frames) events.push({ t: 1_755_893_500_000_000_000n, kind: "recv", url: "wss://ws-feed.exchange.coinbase.com", data: f });
    const sink = new DecodingSink();
    const a = new CoinbaseAdapter({ sink, products: ["BTC-USD", "ETH-USD", "LTC-USD"] });
    await replayCapture(a, events);
    const m = a.metrics.snapshot();
    expect(m.parseErrors).toBe(0);
    expect(m.gaps).toBe(0);
    const trades = sink.of("Trade");
    expect(trades.length).toBe(447);
    expect(matches.length).toBe(447);
    for (let i = 0; i < matches.length; i++) {
      const x = matches[i]!;
      const t = trades[i]!;
      expect(formatInstrument(t.instrument)).toBe(`${x.product_id.replace("-", "/")}@coinbase`);
      expect(t.price).toBe(parseDecimal(x.price).value);
      expect(t.size).toBe(parseDecimal(x.size).value);
      expect(t.side).toBe(x.side === "buy" ? Side.Sell : Side.Buy);
      expect(t.execTimestamp / 1000n).toBe(BigInt(Date.parse(x.time)) * 1000n + BigInt(x.time.slice(23, 26)));
    }
    expect([trades[0]!.price, trades[0]!.size]).toEqual([11_682_785_000_000n, 4147n]); // "116827.85", "0.00004147"
  });

  it("replays a real cryptofeed session (level2 + ticker + matches) with zero parse errors and sane books", async () => {
    const sink = new DecodingSink();
    const products = ["SKL-USD", "SKL-BTC", "BAND-GBP", "NMR-EUR", "BAND-BTC", "YFI-BTC", "DASH-BTC", "NU-GBP", "CRV-EUR", "SKL-GBP"];
    const a = new CoinbaseAdapter({ sink, products, level2: "level2", bookIntervalMs: 0 });
    await replayCapture(a, readCryptofeed("COINBASE.ws.28.0"));
    const m = a.metrics.snapshot();
    expect(m.frames).toBe(9946);
    expect(m.parseErrors).toBe(0);
    expect(m.unknownFrames).toBe(0);
    expect(m.gaps).toBe(0);
    expect(m.outOfOrder).toBe(0);
    expect(sink.count("Trade")).toBe(107); // 97 matches + 10 last_match
    for (const p of products) expect(a.bookOf(p)?.crossed, p).toBe(false);
    const skl = sink.of("Trade").find((t) => t.price === 1_305n)!; // "0.00001305" SKL-BTC
    expect(skl.size).toBe(98_500_000_000n); // "985"
  });
});

real("real Binance data", () => {
  it("bridges real depth snapshots and diffs with zero parse errors and no gaps", async () => {
    const sink = new DecodingSink();
    const a = new BinanceAdapter({ sink, symbols: ["NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"], trades: "aggTrade", bookIntervalMs: 0 });
    const events = readCryptofeed("BINANCE.0", "BINANCE.http.0.0", "BINANCE.ws.1.0").filter((e) => !(e.kind === "recv" && !e.data!.startsWith("{")));
    await replayCapture(a, events);
    const m = a.metrics.snapshot();
    expect(m.parseErrors).toBe(0);
    expect(m.gaps).toBe(0);
    expect(m.resyncs).toBe(0);
    for (const s of ["NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"]) {
      expect(a.bookOf(s), s).toBeDefined();
      expect(a.bookOf(s)!.crossed, s).toBe(false);
    }
    expect(m.unknownFrames).toBeGreaterThan(0); // kline streams are not handled
    const agg = sink.of("Trade").find((t) => t.execTimestamp === 1_633_998_523_963_000_000n && formatInstrument(t.instrument) === "NKN/USDT@binance")!;
    expect([agg.price, agg.size, agg.side]).toEqual([35_280_000n, 5_800_000_000n, Side.Buy]); // "0.35280000","58.00000000", m=false
  });
});

real("real Kraken data", () => {
  it("reproduces every checksum of a real Kraken book-1000 session (v1 wire, same algorithm)", () => {
    const books = new Map<string, OrderBook>();
    const d = new DecimalReader();
    let checked = 0;
    let mismatches = 0;
    for (const e of readCryptofeed("KRAKEN.ws.50.0")) {
      if (e.kind !== "recv" || !e.data!.startsWith("[")) continue;
      const msg = JSON.parse(e.data!) as unknown[];
      const pair = msg[msg.length - 1] as string;
      let b = books.get(pair);
      if (!b) books.set(pair, (b = new OrderBook(true)));
      let venue: string | undefined;
      for (const part of msg.slice(1, -2) as Record<string, unknown>[]) {
        for (const [k, v] of Object.entries(part)) {
          if (k === "c") venue = v as string;
          else for (const l of v as string[][]) (k.startsWith("a") ? b.asks : b.bids).set(d.readString(l[0]!), d.readString(l[1]!), l[0], l[1]);
        }
      }
      b.bids.truncate(1000);
      b.asks.truncate(1000);
      if (venue !== undefined) {
        checked++;
        if (krakenChecksum(b) !== Number(venue)) mismatches++;
      }
    }
    expect(checked).toBe(4269);
    expect(mismatches).toBe(0);
  });

  it("parses the v2 schema examples exactly (and catches the hand-edited book's bad checksum)", async () => {
    const dir = join(SHARED_DATA!, "schema-examples/kraken-v2");
    const names = ["ws_subscribe_response", "ws_book_snapshot", "ws_book_update", "ws_trade_update", "ws_ticker_snapshot", "ws_pong"];
    const events: CaptureEvent[] = [{ t: 1n, kind: "connect", url: "wss://ws.kraken.com/v2" }];
    names.forEach((n, i) => events.push({ t: 2n + BigInt(i), kind: "recv", url: "wss://ws.kraken.com/v2", data: readFileSync(join(dir, `${n}.json`), "utf8") }));
    const sink = new DecodingSink();
    const a = new KrakenAdapter({ sink, symbols: ["BTC/USD"] });
    await replayCapture(a, events);
    const m = a.metrics.snapshot();
    expect(m.parseErrors).toBe(0);
    expect(m.checksumMismatches).toBe(1); // the example's levels were edited by hand; its checksum no longer matches
    expect(sink.of("Trade").map((t) => [t.side, t.price, t.size, t.execTimestamp])).toEqual([
      [Side.Buy, 10_594_420_000_000n, 27_625n, 1_696_613_755_440_295_000n],
      [Side.Sell, 10_591_050_000_000n, 12_460n, 1_696_613_756_123_456_000n],
    ]);
    expect(sink.of("Quote").map((q) => [q.bidPrice, q.bidSize, q.askPrice, q.askSize])).toEqual([
      [10_594_420_000_000n, 250_000_000n, 10_594_430_000_000n, 320_000_000n],
    ]);
  });
});
