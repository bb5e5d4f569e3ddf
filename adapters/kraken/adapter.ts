/**
 * Kraken WebSocket v2 (`wss://ws.kraken.com/v2`) → Protocol V2.
 *
 * - `trade` → Trade (Kraken's `side` is the taker's). Trade ids are consecutive per symbol; a jump is
 *   counted as a gap.
 * - `ticker` (subscribed with `event_trigger: "bbo"`) → Quote (the quote source when subscribed).
 * - `book` (snapshot + updates) → a book truncated to the subscribed depth, verified against Kraken's
 *   CRC-32 checksum after every message (checksum.ts); a mismatch resubscribes that symbol (fresh
 *   snapshot). → top-N OrderBook snapshots (rate-limited), and Quote on top change without ticker.
 * - `heartbeat` (about once a second) → liveness: the channel watched for staleness.
 *
 * Kraken v2 sends prices and quantities as JSON **numbers** at full precision; they are read as text
 * from the frame (JsonCursor), never through a float, and the book keeps that text for the checksum.
 * Symbols are canonical on the way in (`XBT` → `BTC`, `XDG` → `DOGE`).
 *
 * @module
 */

import { Side, SourceId, TRADE_FLAG_INEXACT, Venue, canonicalSymbol } from "../../protocol/mod.ts";
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
import { krakenChecksum } from "./checksum.ts";

/** Default public v2 endpoint. */
export const KRAKEN_WS_URL = "wss://ws.kraken.com/v2";

/** Book depths Kraken accepts. */
export const KRAKEN_BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;

/** Settings of a {@link KrakenAdapter}. */
export interface KrakenOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Symbols ("BTC/USD"; "XBT/USD" is read as BTC/USD). */
  symbols: readonly string[];
  /** Accept symbols not listed in `symbols` when they appear (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Endpoint (default {@link KRAKEN_WS_URL}). */
  url?: string;
  /** Subscribe to trade (default true). */
  trade?: boolean;
  /** Subscribe to ticker (bbo) (default true). */
  ticker?: boolean;
  /** Book depth subscribed: 10, 25, 100, 500, 1000, or 0 for no book (default 10). */
  bookSubscribeDepth?: number;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one symbol, ms (default 100). */
  bookIntervalMs?: number;
  /** Heartbeat silence that abandons the connection, ms (default 5000). */
  heartbeatStaleMs?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** Header `source` (default SourceId.Kraken). */
  source?: number;
  /** Venue number (default Venue.Kraken). */
  venue?: number;
}

const CH_HEARTBEAT = 0;
const CH_BOOK = 1;
const CH_TRADE = 2;
const CH_TICKER = 3;

const K_NONE = 0;
const K_TRADE = 1;
const K_BOOK = 2;
const K_TICKER = 3;
const K_HEARTBEAT = 4;
const K_STATUS = 5;
const K_OTHER = 6;

function channelKind(text: string, start: number, stop: number): number {
  if (spanIs(text, start, stop, "trade")) return K_TRADE;
  if (spanIs(text, start, stop, "book")) return K_BOOK;
  if (spanIs(text, start, stop, "ticker")) return K_TICKER;
  if (spanIs(text, start, stop, "heartbeat")) return K_HEARTBEAT;
  if (spanIs(text, start, stop, "status")) return K_STATUS;
  return K_OTHER;
}

// Value slots of the trade fast path.
const T_SYMBOL = 0;
const T_SIDE = 1;
const T_PRICE = 2;
const T_QTY = 3;
const T_ID = 4;
const T_TIME = 5;
const T_SLOTS = 6;

/** One trade of a `trade` frame exactly as Kraken v2 writes it (bare JSON numbers): the fast path. */
const TRADE_SHAPE = new FrameShape([
  ["symbol", "string", T_SYMBOL], ["side", "string", T_SIDE], ["price", "number", T_PRICE], ["qty", "number", T_QTY],
  ["ord_type", "string", -1], ["trade_id", "number", T_ID], ["timestamp", "string", T_TIME],
]);
/** A whole `trade` frame of one or more such trades; any other layout goes through the general scan. */
const TRADE_FRAME = new RegExp(
  `^\\{"channel":"trade","type":"(?:update|snapshot)","data":\\[${TRADE_SHAPE.pattern}(?:,${TRADE_SHAPE.pattern})*\\]\\}$`,
);
/** Where the type value starts in such a frame (`{"channel":"trade","type":"` is 27 characters). */
const TRADE_TYPE_AT = 27;

interface SymbolState {
  readonly ins: Instrument;
  readonly book: OrderBook;
  bookReady: boolean;
  bookDirty: boolean;
  lastBookMs: number;
  bookSec: number;
  bookNanos: number;
  lastTradeId: number;
  updates: number;
}

/** Splits "BTC/USD" into canonical base and quote. */
export function splitKrakenSymbol(symbol: string): [string, string] | undefined {
  const m = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)$/.exec(symbol);
  return m ? [canonicalSymbol(m[1]!), canonicalSymbol(m[2]!)] : undefined;
}

/** The Kraken v2 venue adapter (parsing, checksummed book, gap detection). */
export class KrakenAdapter implements VenueAdapter {
  readonly name = "kraken";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: KrakenOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly cursor = new JsonCursor();
  private readonly s0 = new Int32Array(T_SLOTS);
  private readonly s1 = new Int32Array(T_SLOTS);
  private lastSymbol: SymbolState | undefined;
  private readonly dec = new DecimalReader();
  private readonly time = new VenueTime();
  private readonly subDepth: number;
  private readonly depth: number;
  private readonly bookIntervalMs: number;
  private readonly quotesFromBook: boolean;
  private reqId = 0;
  private systemStatus = "";

  /** @param options symbols, channels, sink */
  constructor(options: KrakenOptions) {
    this.options = options;
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Kraken, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Kraken);
    this.subDepth = options.bookSubscribeDepth ?? 10;
    if (this.subDepth !== 0 && !(KRAKEN_BOOK_DEPTHS as readonly number[]).includes(this.subDepth)) {
      throw new RangeError(`kraken book depth ${this.subDepth} is not one of ${KRAKEN_BOOK_DEPTHS.join(", ")}`);
    }
    this.depth = Math.min(options.bookDepth ?? 10, this.subDepth || 10);
    this.bookIntervalMs = options.bookIntervalMs ?? 100;
    this.quotesFromBook = options.ticker === false;
    this.channels = [
      { name: "heartbeat", staleAfterMs: options.heartbeatStaleMs ?? 5000 },
      { name: "book", staleAfterMs: 0 },
      { name: "trade", staleAfterMs: 0 },
      { name: "ticker", staleAfterMs: 0 },
    ];
    for (const raw of options.symbols) this.addSymbol(raw);
  }

  private addSymbol(raw: string): SymbolState | undefined {
    const parts = splitKrakenSymbol(raw);
    const venueSymbol = parts ? `${parts[0]}/${parts[1]}` : raw;
    const ins = parts ? this.table.addPair(venueSymbol, parts[0], parts[1]) : undefined;
    if (!ins) {
      this.metrics.skippedInstruments++;
      return undefined;
    }
    const s: SymbolState = {
      ins, book: new OrderBook(true), bookReady: false, bookDirty: false, lastBookMs: -Infinity, bookSec: 0, bookNanos: 0,
      lastTradeId: -1, updates: 0,
    };
    this.symbols.set(venueSymbol, s);
    if (venueSymbol !== raw) this.symbols.set(raw, s);
    return s;
  }

  /** The maintained book of a symbol (tests, diagnostics). */
  bookOf(symbol: string): OrderBook | undefined {
    const s = this.symbols.get(symbol);
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
    const symbols = [...new Set([...this.symbols.values()].map((s) => s.ins.venueSymbol))];
    if (symbols.length === 0) return;
    if (this.subDepth > 0) this.subscribe(io, { channel: "book", symbol: symbols, depth: this.subDepth, snapshot: true });
    if (this.options.trade !== false) this.subscribe(io, { channel: "trade", symbol: symbols, snapshot: false });
    if (this.options.ticker !== false) this.subscribe(io, { channel: "ticker", symbol: symbols, event_trigger: "bbo", snapshot: true });
  }

  onClose(): void {
    for (const s of this.symbols.values()) {
      s.book.clear();
      s.bookReady = false;
      s.bookDirty = false;
    }
  }

  onRest(): void {}

  onRestError(): void {}

  private resync(s: SymbolState, io: AdapterIo, why: string): void {
    this.metrics.resyncs++;
    s.book.clear();
    s.bookReady = false;
    s.bookDirty = false;
    io.log(`resync ${s.ins.venueSymbol}: ${why}`);
    const symbol = [s.ins.venueSymbol];
    this.subscribe(io, { channel: "book", symbol, depth: this.subDepth }, "unsubscribe");
    this.subscribe(io, { channel: "book", symbol, depth: this.subDepth, snapshot: true });
  }

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    try {
      if (this.options.fastPath !== false && TRADE_FRAME.test(text)) return this.fastTrades(text, io);
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`kraken frame: ${(e as Error).message}`);
      return;
    }
    const c = this.cursor.reset(text);
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
        return this.onTrades(dataAt, io);
      case K_BOOK:
        return this.onBook(dataAt, snapshot, io);
      case K_TICKER:
        return this.onTicker(dataAt, io);
      case K_HEARTBEAT:
        if (inline) this.cursor.skipValue();
        return io.touch(CH_HEARTBEAT);
      case K_STATUS:
        return this.onStatus(dataAt, io);
      default:
        if (inline) this.cursor.skipValue();
        this.metrics.unknownFrames++;
    }
  }

  private symbolAt(c: JsonCursor): SymbolState | undefined {
    c.stringSpan();
    const sym = c.text.slice(c.start, c.stop);
    const s = this.symbols.get(sym);
    if (s !== undefined || !this.options.anySymbol || this.table.isSkipped(sym)) return s;
    return this.addSymbol(sym);
  }

  private readTimestamp(c: JsonCursor, io: AdapterIo): void {
    c.stringSpan();
    this.time.readIso(c.text, c.start, c.stop);
    this.metrics.recordLatencyMs(io.nowMs - this.time.ms);
  }

  private onStatus(dataAt: number, io: AdapterIo): void {
    if (dataAt < 0) return;
    const c = this.cursor;
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

  /**
   * The fast path: a `trade` frame known (by {@link TRADE_FRAME}) to be in Kraken's exact layout; each
   * trade is read in key order and published as {@link onTrades} would.
   */
  private fastTrades(text: string, io: AdapterIo): void {
    this.metrics.fastPathFrames++;
    io.touch(CH_TRADE);
    const s0 = this.s0;
    const s1 = this.s1;
    const dec = this.dec;
    let p = text.indexOf('"', TRADE_TYPE_AT) + 10; // past `","data":[`
    for (;;) {
      p = TRADE_SHAPE.spans(text, p, s0, s1);
      const s = this.symbolIn(text, s0[T_SYMBOL]!, s1[T_SYMBOL]!);
      const sideAt = s0[T_SIDE]!;
      const sideEnd = s1[T_SIDE]!;
      const side = spanIs(text, sideAt, sideEnd, "buy") ? Side.Buy : spanIs(text, sideAt, sideEnd, "sell") ? Side.Sell : Side.Unknown;
      const price = dec.value(text, s0[T_PRICE]!, s1[T_PRICE]!, "price");
      let flags = dec.inexact ? TRADE_FLAG_INEXACT : 0;
      const qty = dec.value(text, s0[T_QTY]!, s1[T_QTY]!, "qty");
      if (dec.inexact) flags = TRADE_FLAG_INEXACT;
      const id = intAt(text, s0[T_ID]!, s1[T_ID]!);
      this.time.readIso(text, s0[T_TIME]!, s1[T_TIME]!);
      this.metrics.recordLatencyMs(io.nowMs - this.time.ms);
      this.trade(s, true, side, price, qty, flags, id, true);
      if (text.charCodeAt(p) !== 44 /* , */) return;
      p++;
    }
  }

  /** The symbol written in `text[start, stop)` (added when `anySymbol`); the last one found is remembered. */
  private symbolIn(text: string, start: number, stop: number): SymbolState | undefined {
    const last = this.lastSymbol;
    if (last !== undefined && spanIs(text, start, stop, last.ins.venueSymbol)) return last;
    const sym = text.slice(start, stop);
    let s = this.symbols.get(sym);
    if (s === undefined && this.options.anySymbol && !this.table.isSkipped(sym)) s = this.addSymbol(sym);
    if (s !== undefined && s.ins.venueSymbol === sym) this.lastSymbol = s;
    return s;
  }

  private onTrades(dataAt: number, io: AdapterIo): void {
    io.touch(CH_TRADE);
    if (dataAt < 0) throw new FrameError("trade without data", 0);
    const c = this.cursor;
    const dec = this.dec;
    c.pos = dataAt;
    c.enterArray();
    while (c.nextItem()) {
      let s: SymbolState | undefined;
      let symbolSeen = false;
      let side = -1;
      let price: bigint | number = -1;
      let qty: bigint | number = -1;
      let flags = 0;
      let id = -1;
      let timed = false;
      c.enterObject();
      while (c.nextKey()) {
        const n = c.keyStop - c.keyStart;
        if (n === 6 && c.keyIs("symbol")) {
          s = this.symbolAt(c);
          symbolSeen = true;
        } else if (n === 4 && c.keyIs("side")) {
          c.stringSpan();
          const l = c.stop - c.start;
          side = l === 3 && c.text.startsWith("buy", c.start) ? Side.Buy : l === 4 && c.text.startsWith("sell", c.start) ? Side.Sell : Side.Unknown;
        } else if (n === 5 && c.keyIs("price")) {
          c.decimal();
          price = dec.value(c.text, c.start, c.stop, "price");
          if (dec.inexact) flags = TRADE_FLAG_INEXACT;
        } else if (n === 3 && c.keyIs("qty")) {
          c.decimal();
          qty = dec.value(c.text, c.start, c.stop, "qty");
          if (dec.inexact) flags = TRADE_FLAG_INEXACT;
        } else if (n === 8 && c.keyIs("trade_id")) {
          id = c.int();
        } else if (n === 9 && c.keyIs("timestamp")) {
          this.readTimestamp(c, io);
          timed = true;
        } else c.skipValue();
      }
      this.trade(s, symbolSeen, side, price, qty, flags, id, timed);
    }
  }

  /** Checks and publishes one trade read by either path (`id` −1: absent). */
  private trade(
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

  private onTicker(dataAt: number, io: AdapterIo): void {
    io.touch(CH_TICKER);
    if (dataAt < 0) throw new FrameError("ticker without data", 0);
    const c = this.cursor;
    const dec = this.dec;
    c.pos = dataAt;
    c.enterArray();
    while (c.nextItem()) {
      let s: SymbolState | undefined;
      let symbolSeen = false;
      let bid = -1n;
      let bidQty = -1n;
      let ask = -1n;
      let askQty = -1n;
      let timed = false;
      c.enterObject();
      while (c.nextKey()) {
        const n = c.keyStop - c.keyStart;
        if (n === 6 && c.keyIs("symbol")) {
          s = this.symbolAt(c);
          symbolSeen = true;
        } else if ((n === 3 && (c.keyIs("bid") || c.keyIs("ask"))) || (n === 7 && (c.keyIs("bid_qty") || c.keyIs("ask_qty")))) {
          const isBid = c.text.charCodeAt(c.keyStart) === 98;
          const isQty = n === 7;
          c.decimal();
          const v = dec.read(c.text, c.start, c.stop, c.key());
          if (dec.inexact) this.metrics.inexact++;
          if (isBid) {
            if (isQty) bidQty = v;
            else bid = v;
          } else if (isQty) askQty = v;
          else ask = v;
        } else if (n === 9 && c.keyIs("timestamp")) {
          this.readTimestamp(c, io);
          timed = true;
        } else c.skipValue();
      }
      if (!symbolSeen || bid < 0n || ask < 0n || bidQty < 0n || askQty < 0n) {
        throw new FrameError("ticker misses symbol, bid, bid_qty, ask or ask_qty", c.pos);
      }
      if (s === undefined) {
        this.metrics.unknownInstruments++;
        continue;
      }
      if (!timed) this.time.setMillis(Math.floor(io.nowMs));
      if (!this.quotesFromBook) this.emit.quote(s.ins, bid, bidQty, ask, askQty, this.time);
    }
  }

  private readLevels(s: SymbolState, at: number, bids: boolean): { top: boolean; depth: boolean } {
    const c = this.cursor;
    const side = bids ? s.book.bids : s.book.asks;
    let top = false;
    let depth = false;
    c.pos = at;
    c.enterArray();
    while (c.nextItem()) {
      let priceText = "";
      let qtyText = "";
      c.enterObject();
      while (c.nextKey()) {
        if (c.keyIs("price")) {
          c.decimal();
          priceText = c.span();
        } else if (c.keyIs("qty")) {
          c.decimal();
          qtyText = c.span();
        } else c.skipValue();
      }
      if (priceText === "" || qtyText === "") throw new FrameError("book level misses price or qty", c.pos);
      const price = this.dec.read(priceText, 0, priceText.length, "price");
      const qty = this.dec.read(qtyText, 0, qtyText.length, "qty");
      const i = side.set(price, qty, priceText, qtyText);
      if (i === 0) top = true;
      if (i >= 0 && i < this.depth) depth = true;
    }
    return { top, depth };
  }

  private onBook(dataAt: number, snapshot: boolean, io: AdapterIo): void {
    io.touch(CH_BOOK);
    if (dataAt < 0) throw new FrameError("book without data", 0);
    const c = this.cursor;
    c.pos = dataAt;
    c.enterArray();
    while (c.nextItem()) {
      let s: SymbolState | undefined;
      let symbolSeen = false;
      let bidsAt = -1;
      let asksAt = -1;
      let checksum = -1;
      let timed = false;
      c.enterObject();
      while (c.nextKey()) {
        const n = c.keyStop - c.keyStart;
        if (n === 6 && c.keyIs("symbol")) {
          s = this.symbolAt(c);
          symbolSeen = true;
        } else if (n === 4 && c.keyIs("bids")) {
          bidsAt = c.pos;
          c.skipValue();
        } else if (n === 4 && c.keyIs("asks")) {
          asksAt = c.pos;
          c.skipValue();
        } else if (n === 8 && c.keyIs("checksum")) {
          checksum = c.int();
        } else if (n === 9 && c.keyIs("timestamp")) {
          this.readTimestamp(c, io);
          timed = true;
        } else c.skipValue();
      }
      const after = c.pos;
      if (!symbolSeen) throw new FrameError("book entry without symbol", after);
      if (s === undefined) {
        this.metrics.unknownInstruments++;
        continue;
      }
      if (!snapshot && !s.bookReady) continue; // awaiting the snapshot of a resubscription
      if (snapshot) {
        s.book.clear();
        s.bookReady = true;
      }
      let top = snapshot;
      let depth = snapshot;
      if (bidsAt >= 0) {
        const r = this.readLevels(s, bidsAt, true);
        top ||= r.top;
        depth ||= r.depth;
      }
      if (asksAt >= 0) {
        const r = this.readLevels(s, asksAt, false);
        top ||= r.top;
        depth ||= r.depth;
      }
      c.pos = after;
      s.book.bids.truncate(this.subDepth);
      s.book.asks.truncate(this.subDepth);
      s.updates++;
      if (checksum >= 0) {
        const mine = krakenChecksum(s.book);
        if (mine !== checksum) {
          this.metrics.checksumMismatches++;
          this.resync(s, io, `book checksum ${mine} ≠ venue ${checksum}`);
          continue;
        }
      }
      if (!timed) this.time.setMillis(Math.floor(io.nowMs));
      s.bookSec = this.time.seconds;
      s.bookNanos = this.time.nanos;
      if (top && this.quotesFromBook && s.book.bids.length > 0 && s.book.asks.length > 0) {
        this.emit.quoteFromBook(s.ins, s.book, this.time);
      }
      if (depth) s.bookDirty = true;
      this.maybeBook(s, io, snapshot);
    }
  }

  private maybeBook(s: SymbolState, io: AdapterIo, force: boolean): void {
    if (!s.bookReady || !s.bookDirty) return;
    if (!force && io.nowMs - s.lastBookMs < this.bookIntervalMs) return;
    s.lastBookMs = io.nowMs;
    s.bookDirty = false;
    this.time.seconds = s.bookSec;
    this.time.nanos = s.bookNanos;
    this.emit.orderBook(s.ins, s.book, this.depth, BigInt(s.updates), this.time);
  }
}
