/**
 * Coinbase trade continuity: trade ids are numbered without holes per product, so a jump (or a
 * heartbeat's `last_trade_id` ahead of the trades received) names the trades this connection lost.
 * They are backfilled over REST ({@link TradeBackfill}) while the product's newer trades are held back,
 * then everything is published in trade-id order, each trade once; what cannot be recovered is counted
 * lost. A gap also resyncs the product's book.
 *
 * @example
 * ```ts
 * const gaps = new CoinbaseTradeGaps(frame, emit, metrics, products.byId, books, settings);
 * gaps.apply(product, tradeId, side, flags, price, size, sequence, io); // publishes, holds or backfills
 * ```
 * @module
 */

import { TRADE_FLAG_INEXACT } from "../../protocol/mod.ts";
import type { AdapterIo } from "../common/adapter.ts";
import type { MarketDataEmitter } from "../common/emit.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { TradeBackfill, type PendingTrade } from "./backfill.ts";
import type { CoinbaseBookSync } from "./book-sync.ts";
import type { CoinbaseFrame } from "./frame.ts";
import type { CoinbaseSettings } from "./options.ts";
import type { Product } from "./products.ts";

/** Trade-id gaps of every product and their backfills. */
export class CoinbaseTradeGaps {
  /** Products with a backfill in progress (the hot path checks deadlines only when > 0). */
  active = 0;
  private readonly frame: CoinbaseFrame;
  private readonly emit: MarketDataEmitter;
  private readonly metrics: AdapterMetrics;
  private readonly products: ReadonlyMap<string, Product>;
  private readonly books: CoinbaseBookSync;
  private readonly restBase: string;
  private readonly backfillTimeoutMs: number;
  private readonly maxBackfill: number;
  private readonly maxHeld: number;

  /**
   * @param frame the scanned frame (its `time` is the trade's venue time)
   * @param emit where Trade messages go
   * @param metrics counters
   * @param products every product followed
   * @param books resynced on a gap
   * @param settings backfill limits and REST base
   */
  constructor(
    frame: CoinbaseFrame, emit: MarketDataEmitter, metrics: AdapterMetrics, products: ReadonlyMap<string, Product>, books: CoinbaseBookSync,
    settings: CoinbaseSettings,
  ) {
    this.frame = frame;
    this.emit = emit;
    this.metrics = metrics;
    this.products = products;
    this.books = books;
    this.restBase = settings.restBase;
    this.backfillTimeoutMs = settings.backfillTimeoutMs;
    this.maxBackfill = settings.maxBackfill;
    this.maxHeld = settings.maxHeld;
  }

  /**
   * Publishes a new trade (venue time in the frame's `time`) and checks trade-id continuity; during a
   * backfill the trade is held back (or fills its hole when it was one of the missing).
   */
  apply(p: Product, tradeId: number, side: number, flags: number, price: bigint | number, size: bigint | number, seq: number, io: AdapterIo): void {
    if (seq >= 0) {
      if (seq < p.lastSequence) this.metrics.outOfOrder++;
      else p.lastSequence = seq;
    }
    if (p.backfill !== undefined && tradeId <= p.lastTradeId) {
      p.backfill.fill(this.pending(tradeId, side, flags, price, size));
      if (p.backfill.missing === 0) this.finish(p, io, "");
      return;
    }
    if (p.lastTradeId >= 0 && tradeId > p.lastTradeId + 1) {
      this.noteGap(p, p.lastTradeId + 1, tradeId - 1, io, `trade ids jumped to ${tradeId}: messages were lost`);
    }
    p.lastTradeId = tradeId;
    const bf = p.backfill;
    if (bf === undefined) {
      this.emit.trade(p.ins, side, flags, price, size, this.frame.time);
      return;
    }
    bf.hold(this.pending(tradeId, side, flags, price, size));
    if (bf.heldCount > this.maxHeld) this.finish(p, io, `more than ${this.maxHeld} trades held`);
  }

  private pending(id: number, side: number, flags: number, price: bigint | number, size: bigint | number): PendingTrade {
    const time = this.frame.time;
    return { id, fromRest: false, side, flags, price, size, seconds: time.seconds, nanos: time.nanos };
  }

  /** Notes missing trade ids `from`…`to` of `p`: backfilled when possible, else counted lost; resyncs the book. */
  noteGap(p: Product, from: number, to: number, io: AdapterIo, why: string): void {
    this.metrics.gaps++;
    const n = to - from + 1;
    const bf = p.backfill;
    if ((bf?.missing ?? 0) + n > this.maxBackfill) {
      this.metrics.backfillLost += n;
      io.log(`${p.ins.venueSymbol}: ${n} trades missed (${why}) and not backfilled`);
    } else if (bf === undefined) {
      p.backfill = new TradeBackfill(p.ins.venueSymbol, this.restBase, io.nowMs);
      this.active++;
      p.backfill.addMissing(from, to);
      this.continue(p, io);
    } else {
      bf.addMissing(from, to);
      if (!bf.waiting) this.continue(p, io);
    }
    if (p.bookReady) this.books.resync(p, io, why);
  }

  /** A trades page of a backfill. */
  onPage(url: string, body: string, io: AdapterIo): void {
    for (const p of this.products.values()) {
      const bf = p.backfill;
      if (bf === undefined || !bf.isPage(url)) continue;
      try {
        const r = bf.onPage(body);
        if (r.lost > 0) {
          this.metrics.backfillLost += r.lost;
          io.log(`backfill ${p.ins.venueSymbol}: ${r.lost} missing trades are not on Coinbase's page; lost`);
        }
      } catch (e) {
        this.metrics.parseErrors++;
        this.metrics.noteError(`coinbase trades page: ${(e as Error).message}`);
      }
      this.continue(p, io);
      return;
    }
  }

  /** A backfill page could not be fetched (after the HTTP client's retries): its trades are lost. */
  onPageError(url: string, error: Error, io: AdapterIo): void {
    for (const p of this.products.values()) {
      if (p.backfill?.isPage(url)) return this.finish(p, io, `trades page failed: ${error.message}`);
    }
  }

  /** The input ended: publishes what backfills still hold, counting the rest lost. */
  flush(io: AdapterIo): void {
    for (const p of this.products.values()) if (p.backfill !== undefined) this.finish(p, io, "input ended");
  }

  /** Ends backfills that held trades back longer than allowed. */
  checkDeadlines(io: AdapterIo): void {
    for (const p of this.products.values()) {
      const bf = p.backfill;
      if (bf !== undefined && io.nowMs - bf.startedMs > this.backfillTimeoutMs) {
        this.finish(p, io, `no complete answer within ${this.backfillTimeoutMs} ms`);
      }
    }
  }

  /** Asks for the backfill's next page, or finishes it when nothing is missing any more. */
  private continue(p: Product, io: AdapterIo): void {
    const url = p.backfill?.nextUrl();
    if (url === undefined) this.finish(p, io, "");
    else io.requestRest(url);
  }

  /** Ends `p`'s backfill: gives up what is still missing (counted lost) and publishes the rest in order. */
  private finish(p: Product, io: AdapterIo, why: string): void {
    const bf = p.backfill;
    if (bf === undefined) return;
    p.backfill = undefined;
    this.active--;
    const lost = bf.giveUp();
    if (lost > 0) {
      this.metrics.backfillLost += lost;
      io.log(`backfill ${p.ins.venueSymbol}: ${lost} trades lost (${why})`);
    }
    const time = this.frame.time;
    for (const t of bf.drain()) {
      if (t.fromRest) {
        this.metrics.backfilled++;
        if (t.flags & TRADE_FLAG_INEXACT) this.metrics.inexact++;
      }
      time.seconds = t.seconds;
      time.nanos = t.nanos;
      this.emit.trade(p.ins, t.side, t.flags, t.price, t.size, time);
    }
  }
}
