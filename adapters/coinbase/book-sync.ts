/**
 * Coinbase level-2 book sync: a `snapshot` replaces a product's book, each `l2update` applies its
 * changes; a Quote goes out when the top changes and a top-N OrderBook at most once per
 * `bookIntervalMs`. A crossed book, or a trade gap (see trade-gaps.ts), resubscribes that product's
 * level-2 channel for a fresh snapshot — that product only.
 *
 * @example
 * ```ts
 * const books = new CoinbaseBookSync(frame, emit, metrics, settings);
 * books.snapshot(product, io); // after frame.scan(text) of a snapshot frame
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import type { MarketDataEmitter } from "../common/emit.ts";
import { FrameError } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { F_ASKS, F_BIDS, F_CHANGES, type CoinbaseFrame } from "./frame.ts";
import type { CoinbaseSettings } from "./options.ts";
import type { Product } from "./products.ts";

/** Keeps each product's book from the level-2 frames. */
export class CoinbaseBookSync {
  private readonly frame: CoinbaseFrame;
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly level2: CoinbaseSettings["level2"];
  private readonly depth: number;
  private readonly bookIntervalMs: number;

  /**
   * @param frame the scanned frame
   * @param emit where Quote and OrderBook messages go
   * @param metrics counters
   * @param settings level-2 channel, depth and interval
   */
  constructor(frame: CoinbaseFrame, emit: MarketDataEmitter, metrics: AdapterMetrics, settings: CoinbaseSettings) {
    this.frame = frame;
    this.emit = emit;
    this.metrics = metrics;
    this.level2 = settings.level2;
    this.depth = settings.depth;
    this.bookIntervalMs = settings.bookIntervalMs;
  }

  /** Forgets every book (the connection closed). */
  clear(products: Iterable<Product>): void {
    for (const p of products) {
      p.book.clear();
      p.bookReady = false;
      p.bookDirty = false;
    }
  }

  private readLevels(p: Product, f: number, bids: boolean): void {
    const c = this.frame.cursor;
    const dec = this.frame.dec;
    c.pos = this.frame.s0[f]!;
    if (c.pos < 0) return;
    const side = bids ? p.book.bids : p.book.asks;
    c.enterArray();
    while (c.nextItem()) {
      c.enterArray();
      c.decimal();
      const price = dec.read(c.text, c.start, c.stop, "price");
      if (!c.nextItem()) throw c.fail("level without size");
      c.decimal();
      const size = dec.read(c.text, c.start, c.stop, "size");
      while (c.nextItem()) c.skipValue();
      side.set(price, size);
    }
  }

  /** A `snapshot` frame of `p` (scanned): the book starts over from it. */
  snapshot(p: Product, io: AdapterIo): void {
    p.book.clear();
    this.readLevels(p, F_BIDS, true);
    this.readLevels(p, F_ASKS, false);
    p.bookReady = true;
    const time = this.frame.readTime(io);
    p.bookSec = time.seconds;
    p.bookNanos = time.nanos;
    this.emit.quoteFromBook(p.ins, p.book, time);
    p.bookDirty = true;
    this.maybeBook(p, io, true);
  }

  /** An `l2update` frame of `p` (scanned, its book ready): applies the changes. */
  update(p: Product, io: AdapterIo): void {
    const c = this.frame.cursor;
    const dec = this.frame.dec;
    c.pos = this.frame.s0[F_CHANGES]!;
    if (c.pos < 0) throw new FrameError("l2update without changes", 0);
    let top = false;
    let depth = false;
    c.enterArray();
    while (c.nextItem()) {
      c.enterArray();
      c.nextItem();
      c.stringSpan();
      const len = c.stop - c.start;
      const bid = len === 3 && c.text.startsWith("buy", c.start);
      if (!bid && !(len === 4 && c.text.startsWith("sell", c.start))) throw c.fail("change side is neither buy nor sell");
      if (!c.nextItem()) throw c.fail("change without price");
      c.decimal();
      const price = dec.read(c.text, c.start, c.stop, "price");
      if (!c.nextItem()) throw c.fail("change without size");
      c.decimal();
      const size = dec.read(c.text, c.start, c.stop, "size");
      while (c.nextItem()) c.skipValue();
      const i = (bid ? p.book.bids : p.book.asks).set(price, size);
      if (i === 0) top = true;
      if (i >= 0 && i < this.depth) depth = true;
    }
    const time = this.frame.readTime(io);
    if (p.book.crossed) {
      this.metrics.gaps++;
      this.resync(p, io, "book crossed after an update");
      return;
    }
    if (top) this.emit.quoteFromBook(p.ins, p.book, time);
    if (depth) p.bookDirty = true;
    p.bookSec = time.seconds;
    p.bookNanos = time.nanos;
    if (p.bookDirty) this.maybeBook(p, io, false);
  }

  /** Publishes the product's OrderBook when it changed and the interval has passed (or `force`). */
  maybeBook(p: Product, io: AdapterIo, force: boolean): void {
    if (!p.bookReady || !p.bookDirty) return;
    if (!force && io.nowMs - p.lastBookMs < this.bookIntervalMs) return;
    p.lastBookMs = io.nowMs;
    p.bookDirty = false;
    const time = this.frame.time;
    time.seconds = p.bookSec;
    time.nanos = p.bookNanos;
    this.emit.orderBook(p.ins, p.book, this.depth, BigInt(Math.max(0, p.lastSequence)), time);
  }

  /** Resubscribes the level-2 channel of one product to get a fresh snapshot. */
  resync(p: Product, io: AdapterIo, why: string): void {
    this.metrics.resyncs++;
    p.book.clear();
    p.bookReady = false;
    p.bookDirty = false;
    io.log(`resync ${p.ins.venueSymbol}: ${why}`);
    if (!this.level2) return;
    const ch = [this.level2];
    io.send(JSON.stringify({ type: "unsubscribe", product_ids: [p.ins.venueSymbol], channels: ch }));
    io.send(JSON.stringify({ type: "subscribe", product_ids: [p.ins.venueSymbol], channels: ch }));
  }
}
