/**
 * Binance depth book sync: `depth@100ms` diffs and the REST `/api/v3/depth` snapshot bridged by
 * Binance's documented rule ({@link DepthSync}): diffs are buffered while the snapshot is awaited,
 * replayed over it, then applied live; a gap or a crossed book starts that symbol over (that symbol
 * only). → top-N OrderBook snapshots (rate-limited per symbol), and Quote on top-of-book change when
 * bookTicker is off.
 *
 * @example
 * ```ts
 * const books = new BinanceBookSync(reader, symbols, emit, metrics, options);
 * books.onDepth(text, dataPos, io, false); // a depthUpdate payload at text[dataPos…]
 * books.onSnapshot("BTCUSDT", body, io);   // the REST snapshot it asked for
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import type { MarketDataEmitter } from "../common/emit.ts";
import { FrameError } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import type { BinanceFrameReader } from "./frame.ts";
import { BINANCE_REST_URL, CH_DEPTH, type BinanceOptions } from "./options.ts";
import type { BinanceSymbols, SymbolState } from "./symbols.ts";

/** Keeps each symbol's depth book. */
export class BinanceBookSync {
  private readonly reader: BinanceFrameReader;
  private readonly symbols: BinanceSymbols;
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly restUrl: string;
  private readonly snapshotLimit: number;
  private readonly depth: number;
  private readonly bookIntervalMs: number;
  private readonly quotesFromBook: boolean;
  private readonly maxBuffered: number;

  /**
   * @param reader the frame reader (its cursor, decimal reader and scratch time are shared)
   * @param symbols the symbols followed
   * @param emit where Quote and OrderBook messages go
   * @param metrics counters
   * @param options depth, interval, buffer limit, REST base and snapshot size
   */
  constructor(reader: BinanceFrameReader, symbols: BinanceSymbols, emit: MarketDataEmitter, metrics: AdapterMetrics, options: BinanceOptions) {
    this.reader = reader;
    this.symbols = symbols;
    this.emit = emit;
    this.metrics = metrics;
    this.restUrl = (options.restUrl ?? BINANCE_REST_URL).replace(/\/+$/, "");
    this.snapshotLimit = options.snapshotLimit ?? 1000;
    this.depth = options.bookDepth ?? 10;
    this.bookIntervalMs = options.bookIntervalMs ?? 100;
    this.quotesFromBook = options.bookTicker === false;
    this.maxBuffered = options.maxBuffered ?? 10_000;
  }

  /** The REST URL of `exchangeInfo` for the configured symbols. */
  exchangeInfoUrl(): string {
    return `${this.restUrl}/api/v3/exchangeInfo?symbols=${encodeURIComponent(JSON.stringify([...this.symbols.byName.keys()]))}`;
  }

  /** The REST URL of a depth snapshot. */
  depthUrl(symbol: string): string {
    return `${this.restUrl}/api/v3/depth?symbol=${symbol}&limit=${this.snapshotLimit}`;
  }

  /** Forgets `s`'s book and bridging state. */
  reset(s: SymbolState): void {
    s.book.clear();
    s.sync.reset();
    s.buffered = [];
    s.bufferedPos = [];
    s.bookDirty = false;
  }

  /** A snapshot request failed: the symbol starts over with its next diff. */
  onSnapshotError(url: string, error: Error, io: AdapterIo): void {
    const m = /[?&]symbol=([A-Z0-9]+)/.exec(url);
    const s = m ? this.symbols.byName.get(m[1]!) : undefined;
    if (s && s.sync.phase === "buffering") {
      // Start over: the next diff event asks for a snapshot again.
      this.reset(s);
      io.log(`snapshot of ${s.venueSymbol} failed (${error.message}); will retry on the next diff`);
    }
  }

  /** Parses (and, per the bridging rule, applies, buffers or drops) one depthUpdate at `text[pos…]`. */
  onDepth(text: string, pos: number, io: AdapterIo, fromBuffer: boolean): void {
    if (!fromBuffer) io.touch(CH_DEPTH);
    const r = this.reader;
    const c = r.cursor.text === text ? r.cursor : r.cursor.reset(text);
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
      if (k === 115 /* s */) s = this.symbols.at(c);
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
        this.reset(s);
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
        const price = r.dec.read(c.text, c.start, c.stop, "price");
        if (!c.nextItem()) throw c.fail("level without quantity");
        c.decimal();
        const qty = r.dec.read(c.text, c.start, c.stop, "quantity");
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
    if (top && this.quotesFromBook) this.emit.quoteFromBook(s.ins, s.book, r.time.setMillis(ms));
    if (changed) s.bookDirty = true;
    this.maybeBook(s, io, false);
  }

  private startResync(s: SymbolState, io: AdapterIo, why: string, text?: string, pos?: number): void {
    this.metrics.resyncs++;
    io.log(`resync ${s.venueSymbol}: ${why}`);
    this.reset(s);
    if (text !== undefined && pos !== undefined) {
      s.sync.onEvent(0, 0); // → buffering, with this event first
      s.buffered.push(text);
      s.bufferedPos.push(pos);
    }
    io.requestRest(this.depthUrl(s.venueSymbol));
  }

  /** The REST depth snapshot of `symbol`: the book starts from it and the buffered diffs are replayed. */
  onSnapshot(symbol: string, body: string, io: AdapterIo): void {
    const s = this.symbols.byName.get(symbol);
    if (s === undefined || s.ins === undefined) {
      this.metrics.unknownInstruments++;
      return;
    }
    const r = this.reader;
    const c = r.cursor.reset(body);
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
        const price = r.dec.read(c.text, c.start, c.stop, "price");
        if (!c.nextItem()) throw c.fail("level without quantity");
        c.decimal();
        const qty = r.dec.read(c.text, c.start, c.stop, "quantity");
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
      if (this.quotesFromBook) this.emit.quoteFromBook(s.ins, s.book, r.time.setMillis(s.bookMs));
      s.bookDirty = true;
      this.maybeBook(s, io, true);
    }
  }

  private maybeBook(s: SymbolState, io: AdapterIo, force: boolean): void {
    if (!s.bookDirty || s.ins === undefined) return;
    if (!force && io.nowMs - s.lastBookMs < this.bookIntervalMs) return;
    s.lastBookMs = io.nowMs;
    s.bookDirty = false;
    this.emit.orderBook(s.ins, s.book, this.depth, BigInt(Math.max(0, s.sync.lastUpdateId)), this.reader.time.setMillis(s.bookMs));
  }
}
