/**
 * Kraken book sync: `book` snapshots and updates kept to the subscribed depth, each message verified
 * against Kraken's CRC-32 checksum over the top 10 levels' original text (checksum.ts); a mismatch
 * resubscribes that symbol's book for a fresh snapshot (that symbol only). → top-N OrderBook snapshots
 * (rate-limited per symbol), and Quote on top-of-book change when the ticker is off.
 *
 * @example
 * ```ts
 * const books = new KrakenBookSync(reader, symbols, emit, metrics, options, subscribe);
 * books.onBook(dataAt, isSnapshot, io); // a `book` channel's data
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import type { MarketDataEmitter } from "../common/emit.ts";
import { FrameError } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { krakenChecksum } from "./checksum.ts";
import type { KrakenFrameReader } from "./frame.ts";
import { CH_BOOK, type KrakenOptions } from "./options.ts";
import type { KrakenSymbols, SymbolState } from "./symbols.ts";

/** Sends a subscribe (or `method`) request for `params`. */
export type KrakenSubscribe = (io: AdapterIo, params: Record<string, unknown>, method?: string) => void;

/** Keeps each symbol's checksummed book. */
export class KrakenBookSync {
  private readonly reader: KrakenFrameReader;
  private readonly symbols: KrakenSymbols;
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly subscribe: KrakenSubscribe;
  private readonly subDepth: number;
  private readonly depth: number;
  private readonly bookIntervalMs: number;
  private readonly quotesFromBook: boolean;

  /**
   * @param reader the frame reader (its cursor, decimal reader and time are shared)
   * @param symbols the symbols followed
   * @param emit where Quote and OrderBook messages go
   * @param metrics counters
   * @param options depth, interval, ticker
   * @param subDepth the book depth subscribed
   * @param subscribe sends the resubscription of a resync
   */
  constructor(
    reader: KrakenFrameReader, symbols: KrakenSymbols, emit: MarketDataEmitter, metrics: AdapterMetrics, options: KrakenOptions, subDepth: number,
    subscribe: KrakenSubscribe,
  ) {
    this.reader = reader;
    this.symbols = symbols;
    this.emit = emit;
    this.metrics = metrics;
    this.subscribe = subscribe;
    this.subDepth = subDepth;
    this.depth = Math.min(options.bookDepth ?? 10, subDepth || 10);
    this.bookIntervalMs = options.bookIntervalMs ?? 100;
    this.quotesFromBook = options.ticker === false;
  }

  /** Forgets every book (the connection closed). */
  clear(): void {
    for (const s of this.symbols.byName.values()) {
      s.book.clear();
      s.bookReady = false;
      s.bookDirty = false;
    }
  }

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

  private readLevels(s: SymbolState, at: number, bids: boolean): { top: boolean; depth: boolean } {
    const c = this.reader.cursor;
    const dec = this.reader.dec;
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
      const price = dec.read(priceText, 0, priceText.length, "price");
      const qty = dec.read(qtyText, 0, qtyText.length, "qty");
      const i = side.set(price, qty, priceText, qtyText);
      if (i === 0) top = true;
      if (i >= 0 && i < this.depth) depth = true;
    }
    return { top, depth };
  }

  /** A `book` channel's `data` at `dataAt` (a snapshot or updates). */
  onBook(dataAt: number, snapshot: boolean, io: AdapterIo): void {
    io.touch(CH_BOOK);
    if (dataAt < 0) throw new FrameError("book without data", 0);
    const c = this.reader.cursor;
    const time = this.reader.time;
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
          s = this.symbols.at(c);
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
          this.reader.readTimestamp(c, io);
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
      if (!timed) time.setMillis(Math.floor(io.nowMs));
      s.bookSec = time.seconds;
      s.bookNanos = time.nanos;
      if (top && this.quotesFromBook && s.book.bids.length > 0 && s.book.asks.length > 0) {
        this.emit.quoteFromBook(s.ins, s.book, time);
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
    const time = this.reader.time;
    time.seconds = s.bookSec;
    time.nanos = s.bookNanos;
    this.emit.orderBook(s.ins, s.book, this.depth, BigInt(s.updates), time);
  }
}
