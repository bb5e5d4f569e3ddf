/**
 * Kraken WebSocket v2 (`wss://ws.kraken.com/v2`) → Protocol V2.
 *
 * - `trade` → Trade (Kraken's `side` is the taker's). Trade ids are consecutive per symbol; a jump is
 *   counted as a gap.
 * - `ticker` (subscribed with `event_trigger: "bbo"`) → Quote (the quote source when subscribed).
 * - `book` (snapshot + updates) → a book truncated to the subscribed depth, verified against Kraken's
 *   CRC-32 checksum after every message (checksum.ts, book-sync.ts); a mismatch resubscribes that symbol
 *   (fresh snapshot). → top-N OrderBook snapshots (rate-limited), and Quote on top change without ticker.
 * - `heartbeat` (about once a second) → liveness: the channel watched for staleness.
 *
 * Kraken v2 sends prices and quantities as JSON **numbers** at full precision; they are read as text
 * from the frame (JsonCursor), never through a float, and the book keeps that text for the checksum.
 * Symbols are canonical on the way in (`XBT` → `BTC`, `XDG` → `DOGE`).
 *
 * This file composes the parts: frame.ts reads frames, symbols.ts keeps per-symbol state, book-sync.ts
 * the books, options.ts the settings; here frames are dispatched by channel and trades and tickers
 * are checked (ids, gaps) and published.
 *
 * @module
 */

import { SourceId, Venue } from "../../protocol/mod.ts";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import type { OrderBook } from "../common/book.ts";
import { MarketDataEmitter } from "../common/emit.ts";
import { InstrumentTable } from "../common/instruments.ts";
import { FrameError, JsonCursor } from "../common/json-cursor.ts";
import { AdapterMetrics } from "../common/metrics.ts";
import { unescapeJson } from "../common/unescape.ts";
import { VenueTime } from "../common/venue-time.ts";
import { KrakenBookSync } from "./book-sync.ts";
import {
  channelKind, K_BOOK, K_HEARTBEAT, K_NONE, K_STATUS, K_TICKER, K_TRADE, KrakenFrameReader, type KrakenFrameHandler,
} from "./frame.ts";
import { CH_HEARTBEAT, KRAKEN_WS_URL, krakenChannels, krakenSubscribeDepth, type KrakenOptions } from "./options.ts";
import { KrakenSymbols, type SymbolState } from "./symbols.ts";

export { KRAKEN_BOOK_DEPTHS, KRAKEN_WS_URL, type KrakenOptions } from "./options.ts";
export { splitKrakenSymbol } from "./symbols.ts";

/** Checks trades (ids, gaps) and tickers and publishes them. */
class KrakenPublisher implements KrakenFrameHandler {
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly cursor: JsonCursor;
  private readonly time: VenueTime;
  private readonly quotesFromBook: boolean;

  constructor(emit: MarketDataEmitter, metrics: AdapterMetrics, cursor: JsonCursor, time: VenueTime, quotesFromBook: boolean) {
    this.emit = emit;
    this.metrics = metrics;
    this.cursor = cursor;
    this.time = time;
    this.quotesFromBook = quotesFromBook;
  }

  trade(
    s: SymbolState | undefined, symbolSeen: boolean, side: number, price: bigint | number, qty: bigint | number, flags: number, id: number,
    timed: boolean,
  ): void {
    if (!symbolSeen || side < 0 || price < 0 || qty < 0 || !timed) {
      throw new FrameError("trade misses symbol, side, price, qty or timestamp", this.cursor.pos);
    }
    if (s === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    if (flags) this.metrics.inexact++;
    if (id >= 0) {
      if (id <= s.lastTradeId) {
        this.metrics.outOfOrder++;
        return;
      }
      if (s.lastTradeId >= 0 && id > s.lastTradeId + 1) this.metrics.gaps++;
      s.lastTradeId = id;
    }
    this.emit.trade(s.ins, side, flags, price, qty, this.time);
  }

  ticker(s: SymbolState | undefined, symbolSeen: boolean, bid: bigint, bidQty: bigint, ask: bigint, askQty: bigint, timed: boolean, io: AdapterIo): void {
    if (!symbolSeen || bid < 0n || ask < 0n || bidQty < 0n || askQty < 0n) {
      throw new FrameError("ticker misses symbol, bid, bid_qty, ask or ask_qty", this.cursor.pos);
    }
    if (s === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    if (!timed) this.time.setMillis(Math.floor(io.nowMs));
    if (!this.quotesFromBook) this.emit.quote(s.ins, bid, bidQty, ask, askQty, this.time);
  }
}

/** The Kraken v2 venue adapter (parsing, checksummed book, gap detection). */
export class KrakenAdapter implements VenueAdapter {
  readonly name = "kraken";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: KrakenOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly symbols: KrakenSymbols;
  private readonly reader: KrakenFrameReader;
  private readonly books: KrakenBookSync;
  private readonly subDepth: number;
  private reqId = 0;
  private systemStatus = "";

  /** @param options symbols, channels, sink */
  constructor(options: KrakenOptions) {
    this.options = options;
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Kraken, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Kraken);
    this.subDepth = krakenSubscribeDepth(options);
    this.channels = krakenChannels(options);
    this.symbols = new KrakenSymbols(this.table, this.metrics, options.anySymbol === true);
    const cursor = new JsonCursor();
    const time = new VenueTime();
    const publisher = new KrakenPublisher(this.emit, this.metrics, cursor, time, options.ticker === false);
    this.reader = new KrakenFrameReader(this.metrics, this.symbols, publisher, cursor, time);
    this.books = new KrakenBookSync(
      this.reader, this.symbols, this.emit, this.metrics, options, this.subDepth, (io, params, method) => this.subscribe(io, params, method),
    );
    for (const raw of options.symbols) this.symbols.add(raw);
  }

  /** The maintained book of a symbol (tests, diagnostics). */
  bookOf(symbol: string): OrderBook | undefined {
    const s = this.symbols.byName.get(symbol);
    return s?.bookReady ? s.book : undefined;
  }

  /** Symbols refused as unrepresentable, with reasons. */
  skippedSymbols(): { venueSymbol: string; reason: string }[] {
    return this.table.skippedSymbols();
  }

  bootstrapUrls(): readonly string[] {
    return [];
  }

  url(): string {
    return this.options.url ?? KRAKEN_WS_URL;
  }

  setHeaderTime(nanos: bigint | undefined): void {
    this.emit.headerTime = nanos;
  }

  private subscribe(io: AdapterIo, params: Record<string, unknown>, method = "subscribe"): void {
    io.send(JSON.stringify({ method, params, req_id: ++this.reqId }));
  }

  onOpen(io: AdapterIo): void {
    const symbols = [...new Set([...this.symbols.byName.values()].map((s) => s.ins.venueSymbol))];
    if (symbols.length === 0) return;
    if (this.subDepth > 0) this.subscribe(io, { channel: "book", symbol: symbols, depth: this.subDepth, snapshot: true });
    if (this.options.trade !== false) this.subscribe(io, { channel: "trade", symbol: symbols, snapshot: false });
    if (this.options.ticker !== false) this.subscribe(io, { channel: "ticker", symbol: symbols, event_trigger: "bbo", snapshot: true });
  }

  onClose(): void {
    this.books.clear();
  }

  onRest(): void {}

  onRestError(): void {}

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    try {
      if (this.options.fastPath !== false && this.reader.isFastTrade(text)) return this.reader.fastTrades(text, io);
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`kraken frame: ${(e as Error).message}`);
      return;
    }
    const c = this.reader.cursor.reset(text);
    try {
      let kind = K_NONE;
      let typeSeen = false;
      let typeSnapshot = false;
      let dataAt = -1;
      let handled = false;
      let method = "";
      let success = true;
      let error = "";
      c.enterObject();
      while (c.nextKey()) {
        const n = c.keyStop - c.keyStart;
        if (n === 7 && c.keyIs("channel")) {
          c.stringSpan();
          kind = channelKind(text, c.start, c.stop);
        } else if (n === 4 && c.keyIs("type")) {
          c.stringSpan();
          typeSeen = true;
          typeSnapshot = c.stop - c.start === 8 && text.startsWith("snapshot", c.start);
        } else if (n === 4 && c.keyIs("data")) {
          if (kind !== K_NONE && typeSeen) {
            // channel and type come first on Kraken's frames: parse the data where it stands
            this.onData(kind, c.pos, typeSnapshot, io, true);
            handled = true;
          } else {
            dataAt = c.pos;
            c.skipValue();
          }
        } else if (n === 6 && c.keyIs("method")) {
          method = c.string();
        } else if (n === 7 && c.keyIs("success")) {
          success = c.bool();
        } else if (n === 5 && c.keyIs("error")) {
          error = c.string();
        } else c.skipValue();
      }
      c.end();
      if (handled) return;
      if (kind !== K_NONE) {
        this.onData(kind, dataAt, typeSnapshot, io, false);
        return;
      }
      if (method.length > 0) {
        if (!success) {
          this.metrics.venueErrors++;
          const msg = `venue error on ${method}: ${error || text.slice(0, 200)}`;
          this.metrics.noteError(msg);
          io.log(msg);
        }
        return; // acknowledgements and pongs
      }
      this.metrics.unknownFrames++;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`kraken frame: ${(e as Error).message}`);
    }
  }

  /** Handles a channel's `data` at `dataAt`; `inline`: the cursor is there and must end after it. */
  private onData(kind: number, dataAt: number, snapshot: boolean, io: AdapterIo, inline: boolean): void {
    switch (kind) {
      case K_TRADE:
        return this.reader.readTrades(dataAt, io);
      case K_BOOK:
        return this.books.onBook(dataAt, snapshot, io);
      case K_TICKER:
        return this.reader.readTicker(dataAt, io);
      case K_HEARTBEAT:
        if (inline) this.reader.cursor.skipValue();
        return io.touch(CH_HEARTBEAT);
      case K_STATUS:
        return this.onStatus(dataAt, io);
      default:
        if (inline) this.reader.cursor.skipValue();
        this.metrics.unknownFrames++;
    }
  }

  private onStatus(dataAt: number, io: AdapterIo): void {
    if (dataAt < 0) return;
    const c = this.reader.cursor;
    c.pos = dataAt;
    c.enterArray();
    while (c.nextItem()) {
      c.enterObject();
      while (c.nextKey()) {
        if (c.keyIs("system")) {
          const s = c.string();
          if (s !== this.systemStatus) io.log(`system status: ${s}`);
          this.systemStatus = s;
        } else c.skipValue();
      }
    }
  }
}
