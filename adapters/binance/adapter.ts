/**
 * Binance spot combined streams (`wss://stream.binance.com:9443/stream`) → Protocol V2.
 *
 * - `<s>@trade` or `<s>@aggTrade` → Trade. `m: true` means the buyer was the maker, so the taker sold
 *   (Side.Sell); `m: false` → Side.Buy. Trade ids are consecutive per symbol: a jump is counted as a gap.
 * - `<s>@bookTicker` → Quote (the default quote source when subscribed: it is real time).
 * - `<s>@depth@100ms` diffs + REST `/api/v3/depth` snapshot, bridged by Binance's documented rule
 *   (see depth-sync.ts) → a maintained book → top-N OrderBook snapshots (rate-limited per symbol), and
 *   Quote on top-of-book change when bookTicker is off. A gap resynchronises that symbol only.
 * - Symbols ("BTCUSDT") are split into base/quote with REST `/api/v3/exchangeInfo`, fetched before the
 *   first connect.
 *
 * @module
 */

import { Side, SourceId, TRADE_FLAG_INEXACT, Venue } from "../../protocol/mod.ts";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import { OrderBook } from "../common/book.ts";
import { DecimalReader } from "../common/decimal.ts";
import { MarketDataEmitter } from "../common/emit.ts";
import { InstrumentTable, type Instrument } from "../common/instruments.ts";
import { unescapeJson } from "../common/unescape.ts";
import { FrameShape, intAt, spanIs } from "../common/frame-shape.ts";
import { FrameError, JsonCursor } from "../common/json-cursor.ts";
import { AdapterMetrics } from "../common/metrics.ts";
import type { MessageSink } from "../common/sink.ts";
import { VenueTime } from "../common/venue-time.ts";
import { DepthSync } from "./depth-sync.ts";

/** Default combined-stream endpoint. */
export const BINANCE_WS_URL = "wss://stream.binance.com:9443/stream";
/** Default REST base. */
export const BINANCE_REST_URL = "https://api.binance.com";

/** Settings of a {@link BinanceAdapter}. */
export interface BinanceOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Symbols ("BTCUSDT"). */
  symbols: readonly string[];
  /** Accept every symbol exchangeInfo lists (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Combined-stream URL (default {@link BINANCE_WS_URL}). */
  wsUrl?: string;
  /** REST base URL (default {@link BINANCE_REST_URL}). */
  restUrl?: string;
  /** Trade stream: "trade" (default), "aggTrade", or false. */
  trades?: "trade" | "aggTrade" | false;
  /** Subscribe to bookTicker (default true). */
  bookTicker?: boolean;
  /** Keep a depth book (default true). */
  depth?: boolean;
  /** Levels asked of the REST snapshot (default 1000). */
  snapshotLimit?: number;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one symbol, ms (default 100). */
  bookIntervalMs?: number;
  /** Silence of bookTicker/depth that abandons the connection, ms (default 60 000; 0 = not watched). */
  staleAfterMs?: number;
  /** Depth events buffered per symbol while its snapshot is awaited (default 10 000). */
  maxBuffered?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** Header `source` (default SourceId.Binance). */
  source?: number;
  /** Venue number (default Venue.Binance). */
  venue?: number;
}

const CH_TRADES = 0;
const CH_BOOK_TICKER = 1;
const CH_DEPTH = 2;

const K_TRADE = 1;
const K_AGG = 2;
const K_BOOK_TICKER = 3;
const K_DEPTH = 4;

// Value slots of the trade fast path.
const T_SYMBOL = 0;
const T_ID = 1;
const T_PRICE = 2;
const T_QTY = 3;
const T_TIME = 4;
const T_EVENT = 5;
const T_MAKER = 6;
const T_SLOTS = 7;

/**
 * Trade payloads exactly as Binance writes them: the fast path. `trade` without and with the buyer and
 * seller order ids (`b`, `a`: dropped from the stream in 2024, still sent by some deployments) and
 * `aggTrade`. Any other layout goes through the general scan.
 */
const TRADE_SHAPES = [
  new FrameShape([
    ["e", "string", -1], ["E", "number", T_EVENT], ["s", "string", T_SYMBOL], ["t", "number", T_ID], ["p", "string", T_PRICE],
    ["q", "string", T_QTY], ["T", "number", T_TIME], ["m", "bool", T_MAKER], ["M", "bool", -1],
  ]),
  new FrameShape([
    ["e", "string", -1], ["E", "number", T_EVENT], ["s", "string", T_SYMBOL], ["t", "number", T_ID], ["p", "string", T_PRICE],
    ["q", "string", T_QTY], ["b", "number", -1], ["a", "number", -1], ["T", "number", T_TIME], ["m", "bool", T_MAKER],
    ["M", "bool", -1],
  ]),
];
const AGG_TRADE_SHAPE = new FrameShape([
  ["e", "string", -1], ["E", "number", T_EVENT], ["s", "string", T_SYMBOL], ["a", "number", T_ID], ["p", "string", T_PRICE],
  ["q", "string", T_QTY], ["f", "number", -1], ["l", "number", -1], ["T", "number", T_TIME], ["m", "bool", T_MAKER],
  ["M", "bool", -1],
]);
/** The combined-stream envelope around a shape. */
const envelope = (shape: FrameShape): RegExp => new RegExp(`^\\{"stream":"[^"\\\\]*","data":${shape.pattern}\\}$`);
/** Where the stream name starts in an enveloped frame (`{"stream":"` is 11 characters). */
const STREAM_AT = 11;
const FAST_TRADES: readonly { kind: number; shape: FrameShape; frame: RegExp }[] = [
  ...TRADE_SHAPES.map((shape) => ({ kind: K_TRADE, shape, frame: envelope(shape) })),
  { kind: K_AGG, shape: AGG_TRADE_SHAPE, frame: envelope(AGG_TRADE_SHAPE) },
];

interface SymbolState {
  readonly venueSymbol: string;
  ins: Instrument | undefined;
  readonly book: OrderBook;
  readonly sync: DepthSync;
  buffered: string[];
  bufferedPos: number[];
  lastTradeId: number;
  lastTickerId: number;
  bookDirty: boolean;
  lastBookMs: number;
  bookMs: number;
}

/** The Binance spot venue adapter (parsing, bridged depth book, gap detection). */
export class BinanceAdapter implements VenueAdapter {
  readonly name = "binance";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: BinanceOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly cursor = new JsonCursor();
  private readonly dec = new DecimalReader();
  private readonly time = new VenueTime();
  private readonly restUrl: string;
  private readonly depth: number;
  private readonly bookIntervalMs: number;
  private readonly quotesFromBook: boolean;
  private readonly maxBuffered: number;
  private subscribeId = 0;
  private readonly s0 = new Int32Array(T_SLOTS);
  private lastSymbol: SymbolState | undefined;
  private readonly s1 = new Int32Array(T_SLOTS);

  /** @param options symbols, streams, sink */
  constructor(options: BinanceOptions) {
    this.options = options;
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Binance, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Binance);
    this.restUrl = (options.restUrl ?? BINANCE_REST_URL).replace(/\/+$/, "");
    this.depth = options.bookDepth ?? 10;
    this.bookIntervalMs = options.bookIntervalMs ?? 100;
    this.quotesFromBook = options.bookTicker === false;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    const stale = options.staleAfterMs ?? 60_000;
    this.channels = [
      { name: "trades", staleAfterMs: 0 },
      { name: "bookTicker", staleAfterMs: options.bookTicker === false ? 0 : stale },
      { name: "depth", staleAfterMs: options.depth === false ? 0 : stale },
    ];
    for (const raw of options.symbols) this.addSymbol(raw.toUpperCase());
  }

  private addSymbol(s: string): SymbolState {
    const state: SymbolState = {
      venueSymbol: s, ins: undefined, book: new OrderBook(), sync: new DepthSync(), buffered: [], bufferedPos: [],
      lastTradeId: -1, lastTickerId: -1, bookDirty: false, lastBookMs: -Infinity, bookMs: 0,
    };
    this.symbols.set(s, state);
    return state;
  }

  /** The REST URL of `exchangeInfo` for the configured symbols. */
  exchangeInfoUrl(): string {
    return `${this.restUrl}/api/v3/exchangeInfo?symbols=${encodeURIComponent(JSON.stringify([...this.symbols.keys()]))}`;
  }

  /** The REST URL of a depth snapshot. */
  depthUrl(symbol: string): string {
    return `${this.restUrl}/api/v3/depth?symbol=${symbol}&limit=${this.options.snapshotLimit ?? 1000}`;
  }

  /** The maintained book of a symbol once live (tests, diagnostics). */
  bookOf(symbol: string): OrderBook | undefined {
    const s = this.symbols.get(symbol);
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
    const out: string[] = [];
    for (const s of this.symbols.values()) {
      if (!s.ins) continue;
      const l = s.venueSymbol.toLowerCase();
      if (this.options.trades !== false) out.push(`${l}@${this.options.trades ?? "trade"}`);
      if (this.options.bookTicker !== false) out.push(`${l}@bookTicker`);
      if (this.options.depth !== false) out.push(`${l}@depth@100ms`);
    }
    return out;
  }

  onOpen(io: AdapterIo): void {
    const streams = this.streams();
    for (let i = 0; i < streams.length; i += 200) {
      io.send(JSON.stringify({ method: "SUBSCRIBE", params: streams.slice(i, i + 200), id: ++this.subscribeId }));
    }
  }

  onClose(): void {
    for (const s of this.symbols.values()) this.resetBook(s);
  }

  private resetBook(s: SymbolState): void {
    s.book.clear();
    s.sync.reset();
    s.buffered = [];
    s.bufferedPos = [];
    s.bookDirty = false;
  }

  onRest(url: string, body: string, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    try {
      const u = new URL(url);
      if (u.pathname.endsWith("/api/v3/exchangeInfo")) this.onExchangeInfo(body, io);
      else if (u.pathname.endsWith("/api/v3/depth")) this.onSnapshot(u.searchParams.get("symbol") ?? "", body, io);
      else this.metrics.unknownFrames++;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`binance REST ${url}: ${(e as Error).message}`);
    }
  }

  onRestError(url: string, error: Error, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    const m = /[?&]symbol=([A-Z0-9]+)/.exec(url);
    const s = m ? this.symbols.get(m[1]!) : undefined;
    if (s && s.sync.phase === "buffering") {
      // Start over: the next diff event asks for a snapshot again.
      this.resetBook(s);
      io.log(`snapshot of ${s.venueSymbol} failed (${error.message}); will retry on the next diff`);
    }
  }

  private onExchangeInfo(body: string, io: AdapterIo): void {
    const info = JSON.parse(body) as { symbols?: { symbol?: string; baseAsset?: string; quoteAsset?: string }[] };
    if (!Array.isArray(info.symbols)) throw new FrameError("exchangeInfo without symbols", 0);
    for (const x of info.symbols) {
      if (typeof x.symbol !== "string") continue;
      let s = this.symbols.get(x.symbol);
      if (s === undefined && this.options.anySymbol) s = this.addSymbol(x.symbol);
      if (!s || typeof x.baseAsset !== "string" || typeof x.quoteAsset !== "string") continue;
      s.ins = this.table.addPair(s.venueSymbol, x.baseAsset, x.quoteAsset);
      if (!s.ins) {
        this.metrics.skippedInstruments++;
        if (!this.options.anySymbol) io.log(`skipping ${s.venueSymbol}: ${x.baseAsset}/${x.quoteAsset} cannot be represented`);
      }
    }
    for (const s of this.symbols.values()) {
      if (!s.ins && !this.table.isSkipped(s.venueSymbol) && !this.options.anySymbol) io.log(`exchangeInfo does not list ${s.venueSymbol}; it is not subscribed`);
    }
  }

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    try {
      if (this.options.fastPath !== false && this.fastTrade(text, io)) return;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`binance frame: ${(e as Error).message}`);
      return;
    }
    const c = this.cursor.reset(text);
    try {
      c.enterObject();
      let kind = 0;
      let deferred = -1;
      let handled = false;
      while (c.nextKey()) {
        const klen = c.keyStop - c.keyStart;
        if (klen === 6 && c.keyIs("stream")) {
          c.stringSpan();
          kind = this.streamKind(c.text, c.start, c.stop);
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

  private streamKind(t: string, start: number, stop: number): number {
    const at = t.indexOf("@", start);
    if (at < 0 || at >= stop) return -1;
    if (spanIs(t, at + 1, stop, "trade")) return K_TRADE;
    if (spanIs(t, at + 1, stop, "aggTrade")) return K_AGG;
    if (spanIs(t, at + 1, stop, "bookTicker")) return K_BOOK_TICKER;
    if (t.startsWith("depth", at + 1)) return K_DEPTH;
    return -1;
  }

  private onData(kind: number, pos: number, io: AdapterIo): void {
    const c = this.cursor;
    c.pos = pos;
    switch (kind) {
      case K_TRADE:
      case K_AGG:
        return this.onTrade(kind, io);
      case K_BOOK_TICKER:
        return this.onBookTicker(io);
      case K_DEPTH:
        return this.onDepth(c.text, pos, io, false);
      default:
        c.skipValue();
        this.metrics.unknownFrames++;
    }
  }

  private symbolAt(c: JsonCursor): SymbolState | undefined {
    c.stringSpan();
    return this.symbols.get(c.text.slice(c.start, c.stop));
  }

  /**
   * The fast path: when `text` is a trade frame in one of Binance's exact layouts (and its stream name
   * agrees), publishes it as {@link onTrade} would and returns true; otherwise does nothing and
   * returns false.
   */
  private fastTrade(text: string, io: AdapterIo): boolean {
    // The stream name first (a guess until a pattern confirms the envelope): depth and bookTicker
    // frames, most of a feed, then cost one indexOf instead of three pattern tests.
    const streamEnd = text.indexOf('"', STREAM_AT);
    if (streamEnd < 0) return false;
    const kind = this.streamKind(text, STREAM_AT, streamEnd);
    if (kind !== K_TRADE && kind !== K_AGG) return false;
    for (let i = 0; i < FAST_TRADES.length; i++) {
      const f = FAST_TRADES[i]!;
      if (f.kind !== kind || !f.frame.test(text)) continue;
      const s0 = this.s0;
      const s1 = this.s1;
      f.shape.spans(text, streamEnd + 9 /* ","data": */, s0, s1);
      this.metrics.fastPathFrames++;
      io.touch(CH_TRADES);
      const dec = this.dec;
      const price = dec.value(text, s0[T_PRICE]!, s1[T_PRICE]!, "p");
      let flags = dec.inexact ? TRADE_FLAG_INEXACT : 0;
      const size = dec.value(text, s0[T_QTY]!, s1[T_QTY]!, "q");
      if (dec.inexact) flags = TRADE_FLAG_INEXACT;
      this.trade(
        this.symbolIn(text, s0[T_SYMBOL]!, s1[T_SYMBOL]!), intAt(text, s0[T_ID]!, s1[T_ID]!), price, size, flags,
        text.charCodeAt(s0[T_MAKER]!) === 116 /* true */ ? Side.Sell : Side.Buy,
        intAt(text, s0[T_TIME]!, s1[T_TIME]!), intAt(text, s0[T_EVENT]!, s1[T_EVENT]!), io,
      );
      return true;
    }
    return false;
  }

  /** The symbol written in `text[start, stop)`; the last one found is remembered (frames mostly repeat it). */
  private symbolIn(text: string, start: number, stop: number): SymbolState | undefined {
    const last = this.lastSymbol;
    if (last !== undefined && spanIs(text, start, stop, last.venueSymbol)) return last;
    const s = this.symbols.get(text.slice(start, stop));
    if (s !== undefined) this.lastSymbol = s;
    return s;
  }

  private onTrade(kind: number, io: AdapterIo): void {
    io.touch(CH_TRADES);
    const c = this.cursor;
    const dec = this.dec;
    let s: SymbolState | undefined;
    let id = -1;
    let price: bigint | number = -1;
    let size: bigint | number = -1;
    let flags = 0;
    let side = 0;
    let tradeMs = -1;
    let eventMs = -1;
    const idKey = kind === K_TRADE ? 116 /* t */ : 97 /* a */;
    c.enterObject();
    while (c.nextKey()) {
      if (c.keyStop - c.keyStart !== 1) {
        c.skipValue();
        continue;
      }
      const k = c.text.charCodeAt(c.keyStart);
      if (k === 115 /* s */) {
        s = this.symbolAt(c);
      } else if (k === idKey) {
        id = c.int();
      } else if (k === 112 /* p */) {
        c.decimal();
        price = dec.value(c.text, c.start, c.stop, "p");
        if (dec.inexact) flags = TRADE_FLAG_INEXACT;
      } else if (k === 113 /* q */) {
        c.decimal();
        size = dec.value(c.text, c.start, c.stop, "q");
        if (dec.inexact) flags = TRADE_FLAG_INEXACT;
      } else if (k === 84 /* T */) {
        tradeMs = c.int();
      } else if (k === 69 /* E */) {
        eventMs = c.int();
      } else if (k === 109 /* m */) {
        side = c.bool() ? Side.Sell : Side.Buy;
      } else c.skipValue();
    }
    this.trade(s, id, price, size, flags, side, tradeMs, eventMs, io);
  }

  /** Checks and publishes one trade read by either path (`eventMs` −1: absent). */
  private trade(
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

  private onBookTicker(io: AdapterIo): void {
    io.touch(CH_BOOK_TICKER);
    const c = this.cursor;
    const dec = this.dec;
    let s: SymbolState | undefined;
    let id = -1;
    let bid = -1n;
    let bidSize = -1n;
    let ask = -1n;
    let askSize = -1n;
    let eventMs = -1;
    c.enterObject();
    while (c.nextKey()) {
      if (c.keyStop - c.keyStart !== 1) {
        c.skipValue();
        continue;
      }
      const k = c.text.charCodeAt(c.keyStart);
      if (k === 115 /* s */) s = this.symbolAt(c);
      else if (k === 117 /* u */) id = c.int();
      else if (k === 69 /* E */) eventMs = c.int();
      else if (k === 98 || k === 66 || k === 97 || k === 65) {
        c.decimal();
        const v = dec.read(c.text, c.start, c.stop, String.fromCharCode(k));
        if (dec.inexact) this.metrics.inexact++;
        if (k === 98) bid = v;
        else if (k === 66) bidSize = v;
        else if (k === 97) ask = v;
        else askSize = v;
      } else c.skipValue();
    }
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

  /** Parses (and, per the bridging rule, applies, buffers or drops) one depthUpdate at `text[pos…]`. */
  private onDepth(text: string, pos: number, io: AdapterIo, fromBuffer: boolean): void {
    if (!fromBuffer) io.touch(CH_DEPTH);
    const c = this.cursor.text === text ? this.cursor : this.cursor.reset(text);
    c.pos = pos;
    let s: SymbolState | undefined;
    let first = -1;
    let last = -1;
    let eventMs = -1;
    let bidsAt = -1;
    let asksAt = -1;
    c.enterObject();
    while (c.nextKey()) {
      if (c.keyStop - c.keyStart !== 1) {
        c.skipValue();
        continue;
      }
      const k = c.text.charCodeAt(c.keyStart);
      if (k === 115 /* s */) s = this.symbolAt(c);
      else if (k === 85 /* U */) first = c.int();
      else if (k === 117 /* u */) last = c.int();
      else if (k === 69 /* E */) eventMs = c.int();
      else if (k === 98 /* b */) {
        bidsAt = c.pos;
        c.skipValue();
      } else if (k === 97 /* a */) {
        asksAt = c.pos;
        c.skipValue();
      } else c.skipValue();
    }
    const endPos = c.pos;
    if (s === undefined || s.ins === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    if (first < 0 || last < first || bidsAt < 0 || asksAt < 0) throw new FrameError("depthUpdate misses U, u, b or a", pos);
    if (!fromBuffer && eventMs >= 0) this.metrics.recordLatencyMs(io.nowMs - eventMs);
    const verdict = s.sync.onEvent(first, last);
    if (verdict === "drop") return;
    if (verdict === "buffer") {
      if (s.buffered.length === 0 && !fromBuffer) io.requestRest(this.depthUrl(s.venueSymbol));
      if (s.buffered.length >= this.maxBuffered) {
        this.metrics.resyncs++;
        io.log(`${s.venueSymbol}: ${this.maxBuffered} diffs buffered without a snapshot; starting over`);
        this.resetBook(s);
        return;
      }
      s.buffered.push(text);
      s.bufferedPos.push(pos);
      return;
    }
    if (verdict === "resync") {
      this.metrics.gaps++;
      this.startResync(s, io, `depth gap: event [${first}, ${last}] does not follow ${s.sync.lastUpdateId}`, text, pos);
      return;
    }
    let top = false;
    let changed = false;
    for (const [at, bids] of [[bidsAt, true], [asksAt, false]] as const) {
      c.pos = at;
      const side = bids ? s.book.bids : s.book.asks;
      c.enterArray();
      while (c.nextItem()) {
        c.enterArray();
        c.decimal();
        const price = this.dec.read(c.text, c.start, c.stop, "price");
        if (!c.nextItem()) throw c.fail("level without quantity");
        c.decimal();
        const qty = this.dec.read(c.text, c.start, c.stop, "quantity");
        while (c.nextItem()) c.skipValue();
        const i = side.set(price, qty);
        if (i === 0) top = true;
        if (i >= 0 && i < this.depth) changed = true;
      }
    }
    c.pos = endPos;
    const ms = eventMs >= 0 ? eventMs : Math.floor(io.nowMs);
    s.bookMs = ms;
    if (s.book.crossed) {
      this.metrics.gaps++;
      this.startResync(s, io, "book crossed after a diff");
      return;
    }
    if (fromBuffer) {
      s.bookDirty ||= changed;
      return;
    }
    if (top && this.quotesFromBook) this.emit.quoteFromBook(s.ins, s.book, this.time.setMillis(ms));
    if (changed) s.bookDirty = true;
    this.maybeBook(s, io, false);
  }

  private startResync(s: SymbolState, io: AdapterIo, why: string, text?: string, pos?: number): void {
    this.metrics.resyncs++;
    io.log(`resync ${s.venueSymbol}: ${why}`);
    this.resetBook(s);
    if (text !== undefined && pos !== undefined) {
      s.sync.onEvent(0, 0); // → buffering, with this event first
      s.buffered.push(text);
      s.bufferedPos.push(pos);
    }
    io.requestRest(this.depthUrl(s.venueSymbol));
  }

  private onSnapshot(symbol: string, body: string, io: AdapterIo): void {
    const s = this.symbols.get(symbol);
    if (s === undefined || s.ins === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    const c = this.cursor.reset(body);
    let lastUpdateId = -1;
    let bidsAt = -1;
    let asksAt = -1;
    c.enterObject();
    while (c.nextKey()) {
      if (c.keyIs("lastUpdateId")) lastUpdateId = c.int();
      else if (c.keyIs("bids")) {
        bidsAt = c.pos;
        c.skipValue();
      } else if (c.keyIs("asks")) {
        asksAt = c.pos;
        c.skipValue();
      } else c.skipValue();
    }
    c.end();
    if (lastUpdateId < 0 || bidsAt < 0 || asksAt < 0) throw new FrameError("depth snapshot misses lastUpdateId, bids or asks", 0);
    if (!s.sync.onSnapshot(lastUpdateId)) return; // not waiting for one: a late answer
    s.book.clear();
    for (const [at, side] of [[bidsAt, s.book.bids], [asksAt, s.book.asks]] as const) {
      c.pos = at;
      c.enterArray();
      while (c.nextItem()) {
        c.enterArray();
        c.decimal();
        const price = this.dec.read(c.text, c.start, c.stop, "price");
        if (!c.nextItem()) throw c.fail("level without quantity");
        c.decimal();
        const qty = this.dec.read(c.text, c.start, c.stop, "quantity");
        while (c.nextItem()) c.skipValue();
        side.set(price, qty);
      }
    }
    s.bookMs = Math.floor(io.nowMs);
    const texts = s.buffered;
    const positions = s.bufferedPos;
    s.buffered = [];
    s.bufferedPos = [];
    for (let i = 0; i < texts.length; i++) {
      if (s.sync.phase === "buffering" || s.sync.phase === "idle") {
        // a resync started while replaying the buffer: the rest waits for the next snapshot
        s.buffered.push(texts[i]!);
        s.bufferedPos.push(positions[i]!);
        continue;
      }
      this.onDepth(texts[i]!, positions[i]!, io, true);
    }
    if (s.sync.phase === "bridging" || s.sync.phase === "live") {
      if (this.quotesFromBook) this.emit.quoteFromBook(s.ins, s.book, this.time.setMillis(s.bookMs));
      s.bookDirty = true;
      this.maybeBook(s, io, true);
    }
  }

  private maybeBook(s: SymbolState, io: AdapterIo, force: boolean): void {
    if (!s.bookDirty || s.ins === undefined) return;
    if (!force && io.nowMs - s.lastBookMs < this.bookIntervalMs) return;
    s.lastBookMs = io.nowMs;
    s.bookDirty = false;
    this.emit.orderBook(s.ins, s.book, this.depth, BigInt(Math.max(0, s.sync.lastUpdateId)), this.time.setMillis(s.bookMs));
  }
}
