/**
 * Binance spot combined streams (`wss://stream.binance.com:9443/stream`) → Protocol V2.
 *
 * - `<s>@trade` or `<s>@aggTrade` → Trade. `m: true` means the buyer was the maker, so the taker sold
 *   (Side.Sell); `m: false` → Side.Buy. Trade ids are consecutive per symbol: a jump is counted as a gap.
 * - `<s>@bookTicker` → Quote (the default quote source when subscribed: it is real time).
 * - `<s>@depth@100ms` diffs + REST `/api/v3/depth` snapshot, bridged by Binance's documented rule
 *   (see depth-sync.ts, book-sync.ts) → a maintained book → top-N OrderBook snapshots (rate-limited per
 *   symbol), and Quote on top-of-book change when bookTicker is off. A gap resynchronises that symbol only.
 * - Symbols ("BTCUSDT") are split into base/quote with REST `/api/v3/exchangeInfo`, fetched before the
 *   first connect (symbols.ts).
 *
 * This file composes the parts: frame.ts reads frames, symbols.ts keeps per-symbol state, book-sync.ts
 * the depth books, options.ts the settings; here the envelope is dispatched and trades and tickers are
 * checked (ids, gaps) and published.
 *
 * @module
 */

import { SourceId, Venue } from "../../protocol/mod.ts";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import type { OrderBook } from "../common/book.ts";
import { MarketDataEmitter } from "../common/emit.ts";
import { InstrumentTable } from "../common/instruments.ts";
import { FrameError } from "../common/json-cursor.ts";
import { AdapterMetrics } from "../common/metrics.ts";
import { unescapeJson } from "../common/unescape.ts";
import { VenueTime } from "../common/venue-time.ts";
import { BinanceBookSync } from "./book-sync.ts";
import { BinanceFrameReader, K_AGG, K_BOOK_TICKER, K_DEPTH, K_TRADE, streamKind, type BinanceFrameHandler } from "./frame.ts";
import { BINANCE_WS_URL, binanceChannels, binanceStreams, type BinanceOptions } from "./options.ts";
import { BinanceSymbols, type SymbolState } from "./symbols.ts";

export { BINANCE_REST_URL, BINANCE_WS_URL, type BinanceOptions } from "./options.ts";

/** Checks trades and tickers (ids, gaps) and publishes them. */
class BinancePublisher implements BinanceFrameHandler {
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly time: VenueTime;
  private readonly quotesFromBook: boolean;

  constructor(emit: MarketDataEmitter, metrics: AdapterMetrics, time: VenueTime, quotesFromBook: boolean) {
    this.emit = emit;
    this.metrics = metrics;
    this.time = time;
    this.quotesFromBook = quotesFromBook;
  }

  trade(
    s: SymbolState | undefined, id: number, price: bigint | number, size: bigint | number, flags: number, side: number, tradeMs: number,
    eventMs: number, io: AdapterIo,
  ): void {
    if (s === undefined || s.ins === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    if (id < 0 || price < 0 || size < 0 || tradeMs < 0) throw new FrameError("trade misses one of s, t/a, p, q, T", 0);
    if (flags) this.metrics.inexact++;
    if (id <= s.lastTradeId) {
      this.metrics.outOfOrder++;
      return;
    }
    if (s.lastTradeId >= 0 && id > s.lastTradeId + 1) this.metrics.gaps++;
    s.lastTradeId = id;
    if (eventMs >= 0) this.metrics.recordLatencyMs(io.nowMs - eventMs);
    this.emit.trade(s.ins, side, flags, price, size, this.time.setMillis(tradeMs));
  }

  bookTicker(s: SymbolState | undefined, id: number, bid: bigint, bidSize: bigint, ask: bigint, askSize: bigint, eventMs: number, io: AdapterIo): void {
    if (s === undefined || s.ins === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    if (bid < 0n || bidSize < 0n || ask < 0n || askSize < 0n) throw new FrameError("bookTicker misses one of b, B, a, A", 0);
    if (id >= 0) {
      if (id < s.lastTickerId) {
        this.metrics.outOfOrder++;
        return;
      }
      s.lastTickerId = id;
    }
    if (eventMs >= 0) {
      this.metrics.recordLatencyMs(io.nowMs - eventMs);
      this.time.setMillis(eventMs);
    } else {
      this.time.setMillis(Math.floor(io.nowMs));
    }
    if (!this.quotesFromBook) this.emit.quote(s.ins, bid, bidSize, ask, askSize, this.time);
  }
}

/** The Binance spot venue adapter (parsing, bridged depth book, gap detection). */
export class BinanceAdapter implements VenueAdapter {
  readonly name = "binance";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: BinanceOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly symbols: BinanceSymbols;
  private readonly reader: BinanceFrameReader;
  private readonly books: BinanceBookSync;
  private subscribeId = 0;

  /** @param options symbols, streams, sink */
  constructor(options: BinanceOptions) {
    this.options = options;
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Binance, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Binance);
    this.channels = binanceChannels(options);
    this.symbols = new BinanceSymbols(this.table, this.metrics, options.anySymbol === true);
    const time = new VenueTime();
    const publisher = new BinancePublisher(this.emit, this.metrics, time, options.bookTicker === false);
    this.reader = new BinanceFrameReader(this.metrics, this.symbols, publisher, time);
    this.books = new BinanceBookSync(this.reader, this.symbols, this.emit, this.metrics, options);
    for (const raw of options.symbols) this.symbols.add(raw.toUpperCase());
  }

  /** The REST URL of `exchangeInfo` for the configured symbols. */
  exchangeInfoUrl(): string {
    return this.books.exchangeInfoUrl();
  }

  /** The REST URL of a depth snapshot. */
  depthUrl(symbol: string): string {
    return this.books.depthUrl(symbol);
  }

  /** The maintained book of a symbol once live (tests, diagnostics). */
  bookOf(symbol: string): OrderBook | undefined {
    const s = this.symbols.byName.get(symbol);
    return s && (s.sync.phase === "live" || s.sync.phase === "bridging") ? s.book : undefined;
  }

  /** Symbols refused (unrepresentable or unknown to exchangeInfo), with reasons. */
  skippedSymbols(): { venueSymbol: string; reason: string }[] {
    return this.table.skippedSymbols();
  }

  bootstrapUrls(): readonly string[] {
    return [this.exchangeInfoUrl()];
  }

  url(): string {
    return this.options.wsUrl ?? BINANCE_WS_URL;
  }

  setHeaderTime(nanos: bigint | undefined): void {
    this.emit.headerTime = nanos;
  }

  /** The stream names subscribed. */
  streams(): string[] {
    const listed: string[] = [];
    for (const s of this.symbols.byName.values()) if (s.ins) listed.push(s.venueSymbol);
    return binanceStreams(listed, this.options);
  }

  onOpen(io: AdapterIo): void {
    const streams = this.streams();
    for (let i = 0; i < streams.length; i += 200) {
      io.send(JSON.stringify({ method: "SUBSCRIBE", params: streams.slice(i, i + 200), id: ++this.subscribeId }));
    }
  }

  onClose(): void {
    for (const s of this.symbols.byName.values()) this.books.reset(s);
  }

  onRest(url: string, body: string, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    try {
      const u = new URL(url);
      if (u.pathname.endsWith("/api/v3/exchangeInfo")) this.symbols.onExchangeInfo(body, io);
      else if (u.pathname.endsWith("/api/v3/depth")) this.books.onSnapshot(u.searchParams.get("symbol") ?? "", body, io);
      else this.metrics.unknownFrames++;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`binance REST ${url}: ${(e as Error).message}`);
    }
  }

  onRestError(url: string, error: Error, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    this.books.onSnapshotError(url, error, io);
  }

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    try {
      if (this.options.fastPath !== false && this.reader.fastTrade(text, io)) return;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`binance frame: ${(e as Error).message}`);
      return;
    }
    const c = this.reader.cursor.reset(text);
    try {
      c.enterObject();
      let kind = 0;
      let deferred = -1;
      let handled = false;
      while (c.nextKey()) {
        const klen = c.keyStop - c.keyStart;
        if (klen === 6 && c.keyIs("stream")) {
          c.stringSpan();
          kind = streamKind(c.text, c.start, c.stop);
        } else if (klen === 4 && c.keyIs("data")) {
          if (kind === 0) {
            deferred = c.pos;
            c.skipValue();
          } else {
            this.onData(kind, c.pos, io);
            handled = true;
          }
        } else if (klen === 6 && c.keyIs("result")) {
          c.skipValue();
          handled = true; // subscription acknowledged
        } else if (klen === 5 && c.keyIs("error")) {
          c.skipValue();
          this.metrics.venueErrors++;
          this.metrics.noteError(`venue error: ${text.slice(0, 200)}`);
          io.log(`venue error: ${text.slice(0, 200)}`);
          handled = true;
        } else c.skipValue();
      }
      c.end();
      if (deferred >= 0 && kind !== 0) {
        this.onData(kind, deferred, io);
      } else if (!handled) {
        this.metrics.unknownFrames++;
      }
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`binance frame: ${(e as Error).message}`);
    }
  }

  private onData(kind: number, pos: number, io: AdapterIo): void {
    const c = this.reader.cursor;
    c.pos = pos;
    switch (kind) {
      case K_TRADE:
      case K_AGG:
        return this.reader.readTrade(kind, io);
      case K_BOOK_TICKER:
        return this.reader.readBookTicker(io);
      case K_DEPTH:
        return this.books.onDepth(c.text, pos, io, false);
      default:
        c.skipValue();
        this.metrics.unknownFrames++;
    }
  }
}
