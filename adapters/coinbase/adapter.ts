/**
 * Coinbase Exchange public WebSocket feed (`wss://ws-feed.exchange.coinbase.com`) → Protocol V2.
 *
 * - `matches` (`match`, `last_match`) → Trade. Coinbase's `side` is the **maker's** order side, so the
 *   Trade carries the opposite: maker `sell` ⇒ the taker bought (Side.Buy).
 * - `level2_batch` (`snapshot` + `l2update`; `level2` has the same messages) → a maintained book →
 *   Quote whenever the top of book changes, and top-N OrderBook snapshots at most once per
 *   `bookIntervalMs` per product (book-sync.ts).
 * - `ticker` → Quote (by default only when no level2 book is kept, so each product has one quote
 *   stream; `tickerQuotes: true` forces it).
 * - `heartbeat` → liveness (the channel watched for staleness) and sequence checks.
 *
 * Gaps: Coinbase numbers every event of a product (`sequence`), but the public channels carry only some
 * of them, so holes in `sequence` are normal; a sequence going backwards is a replay/out-of-order frame
 * and is dropped (`outOfOrder`). Trades are numbered without holes (`trade_id`), and every heartbeat
 * says the product's `last_trade_id`: a missing trade id, or a heartbeat ahead of the trades received,
 * means this connection lost messages, so the missing trades are backfilled and the product's book is
 * resynchronised (trade-gaps.ts) — that product only. A crossed book resyncs the same way.
 *
 * This file composes the parts: frame.ts reads frames, products.ts keeps per-product state,
 * book-sync.ts the books, trade-gaps.ts trade continuity and backfill, options.ts the settings.
 *
 * @module
 */

import { Side, SourceId, TRADE_FLAG_INEXACT, Venue } from "../../protocol/mod.ts";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import type { OrderBook } from "../common/book.ts";
import { MarketDataEmitter } from "../common/emit.ts";
import { InstrumentTable } from "../common/instruments.ts";
import { FrameError } from "../common/json-cursor.ts";
import { AdapterMetrics } from "../common/metrics.ts";
import { unescapeJson } from "../common/unescape.ts";
import { CoinbaseBookSync } from "./book-sync.ts";
import {
  CoinbaseFrame, F_BEST_ASK, F_BEST_ASK_SIZE, F_BEST_BID, F_BEST_BID_SIZE, F_LAST_TRADE_ID, F_MESSAGE, F_PRICE, F_PRODUCT, F_REASON,
  F_SEQUENCE, F_SIDE, F_SIZE, F_TRADE_ID, F_TYPE,
} from "./frame.ts";
import {
  CH_HEARTBEAT, CH_LEVEL2, CH_MATCHES, CH_TICKER, COINBASE_WS_URL, coinbaseChannelNames, coinbaseChannels, coinbaseSettings,
  type CoinbaseOptions, type CoinbaseSettings,
} from "./options.ts";
import { CoinbaseProducts, type Product } from "./products.ts";
import { CoinbaseTradeGaps } from "./trade-gaps.ts";

export { COINBASE_WS_URL, type CoinbaseOptions } from "./options.ts";

/** The Coinbase Exchange venue adapter (parsing, book, gap detection); drive it with AdapterTask or a replay. */
export class CoinbaseAdapter implements VenueAdapter {
  readonly name = "coinbase";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: CoinbaseOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly products: CoinbaseProducts;
  private readonly frame: CoinbaseFrame;
  private readonly books: CoinbaseBookSync;
  private readonly gaps: CoinbaseTradeGaps;
  private readonly level2: CoinbaseSettings["level2"];
  private readonly tickerQuotes: boolean;

  /** @param options products, channels, sink */
  constructor(options: CoinbaseOptions) {
    this.options = options;
    const settings = coinbaseSettings(options);
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Coinbase, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Coinbase);
    this.level2 = settings.level2;
    this.tickerQuotes = settings.tickerQuotes;
    this.channels = coinbaseChannels(options, settings.level2);
    this.frame = new CoinbaseFrame(this.metrics);
    this.products = new CoinbaseProducts(this.table, this.metrics, options.anySymbol === true);
    this.books = new CoinbaseBookSync(this.frame, this.emit, this.metrics, settings);
    this.gaps = new CoinbaseTradeGaps(this.frame, this.emit, this.metrics, this.products.byId, this.books, settings);
    for (const id of options.products) this.products.add(id);
  }

  /** Product ids refused as unrepresentable, with reasons. */
  skippedProducts(): { venueSymbol: string; reason: string }[] {
    return this.table.skippedSymbols();
  }

  /** The maintained book of a product (tests, diagnostics). */
  bookOf(productId: string): OrderBook | undefined {
    const p = this.products.byId.get(productId);
    return p?.bookReady ? p.book : undefined;
  }

  bootstrapUrls(): readonly string[] {
    return [];
  }

  url(): string {
    return this.options.url ?? COINBASE_WS_URL;
  }

  setHeaderTime(nanos: bigint | undefined): void {
    this.emit.headerTime = nanos;
  }

  onOpen(io: AdapterIo): void {
    const ids = [...this.products.byId.keys()];
    if (ids.length === 0) return;
    io.send(JSON.stringify({ type: "subscribe", product_ids: ids, channels: coinbaseChannelNames(this.options, this.level2) }));
  }

  onClose(): void {
    this.books.clear(this.products.byId.values());
  }

  /** A trades page of a backfill. */
  onRest(url: string, body: string, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    this.gaps.onPage(url, body, io);
  }

  /** A backfill page could not be fetched (after the HTTP client's retries): its trades are lost. */
  onRestError(url: string, error: Error, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    this.gaps.onPageError(url, error, io);
  }

  /** The input ended (end of a replay): publishes what backfills still hold, counting the rest lost. */
  flush(io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    this.gaps.flush(io);
  }

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    const f = this.frame;
    try {
      if (this.gaps.active > 0) this.gaps.checkDeadlines(io);
      if (this.options.fastPath !== false && f.scanMatch(text)) {
        this.metrics.fastPathFrames++;
        this.onMatch(io);
        return;
      }
      f.scan(text);
      if (f.s0[F_TYPE]! < 0) {
        this.metrics.unknownFrames++;
        return;
      }
      const T = F_TYPE;
      if (f.is(T, "match") || f.is(T, "last_match")) this.onMatch(io);
      else if (f.is(T, "l2update")) this.onL2Update(io);
      else if (f.is(T, "ticker")) this.onTicker(io);
      else if (f.is(T, "heartbeat")) this.onHeartbeat(io);
      else if (f.is(T, "snapshot")) this.onSnapshot(io);
      else if (f.is(T, "subscriptions")) return;
      else if (f.is(T, "error")) {
        this.metrics.venueErrors++;
        const msg = `venue error: ${f.str(F_MESSAGE)}${f.s0[F_REASON]! >= 0 ? ` (${f.str(F_REASON)})` : ""}`;
        this.metrics.noteError(msg);
        io.log(msg);
      } else this.metrics.unknownFrames++;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`coinbase frame: ${(e as Error).message}`);
    }
  }

  /** The frame's product; FrameError when it names none. */
  private product(): Product | undefined {
    const f = this.frame;
    const a = f.s0[F_PRODUCT]!;
    if (a < 0) throw new FrameError("missing product_id", 0);
    return this.products.at(f.cursor.text, a, f.s1[F_PRODUCT]!);
  }

  private checkSequence(p: Product): boolean {
    const seq = this.frame.int(F_SEQUENCE);
    if (seq < 0) return true;
    if (seq < p.lastSequence) {
      this.metrics.outOfOrder++;
      return false;
    }
    p.lastSequence = seq;
    return true;
  }

  private onMatch(io: AdapterIo): void {
    io.touch(CH_MATCHES);
    const p = this.product();
    if (p === undefined) return;
    const f = this.frame;
    const tradeId = f.int(F_TRADE_ID);
    if (tradeId < 0) throw new FrameError("match without trade_id", 0);
    if (tradeId <= p.lastTradeId && !(p.backfill?.isMissing(tradeId) ?? false)) {
      this.metrics.outOfOrder++; // already seen (last_match after a resubscribe, or a duplicate)
      return;
    }
    const side = f.is(F_SIDE, "sell") ? Side.Buy : f.is(F_SIDE, "buy") ? Side.Sell : Side.Unknown;
    const price = f.units(F_PRICE, "price");
    let flags = f.dec.inexact ? TRADE_FLAG_INEXACT : 0;
    const size = f.units(F_SIZE, "size");
    if (f.dec.inexact) flags |= TRADE_FLAG_INEXACT;
    f.readTime(io);
    this.gaps.apply(p, tradeId, side, flags, price, size, f.int(F_SEQUENCE), io);
  }

  private onTicker(io: AdapterIo): void {
    io.touch(CH_TICKER);
    const p = this.product();
    if (p === undefined || !this.checkSequence(p)) return;
    const f = this.frame;
    if (!this.tickerQuotes || f.s0[F_BEST_BID]! < 0 || f.s0[F_BEST_ASK]! < 0) return;
    const bid = f.decimal(F_BEST_BID, "best_bid");
    const bidSize = f.s0[F_BEST_BID_SIZE]! >= 0 ? f.decimal(F_BEST_BID_SIZE, "best_bid_size") : 0n;
    const ask = f.decimal(F_BEST_ASK, "best_ask");
    const askSize = f.s0[F_BEST_ASK_SIZE]! >= 0 ? f.decimal(F_BEST_ASK_SIZE, "best_ask_size") : 0n;
    this.emit.quote(p.ins, bid, bidSize, ask, askSize, f.readTime(io));
  }

  private onHeartbeat(io: AdapterIo): void {
    io.touch(CH_HEARTBEAT);
    const p = this.product();
    if (p === undefined || !this.checkSequence(p)) return;
    const last = this.frame.int(F_LAST_TRADE_ID);
    if (this.options.matches !== false && p.lastTradeId < 0) p.lastTradeId = last;
    else if (this.options.matches !== false && last > p.lastTradeId) {
      const from = p.lastTradeId + 1;
      p.lastTradeId = last;
      this.gaps.noteGap(p, from, last, io, `heartbeat last_trade_id is ${last - from + 1} ahead of the trades received`);
    }
    if (p.bookDirty) this.books.maybeBook(p, io, true);
  }

  private onSnapshot(io: AdapterIo): void {
    io.touch(CH_LEVEL2);
    const p = this.product();
    if (p === undefined) return;
    this.books.snapshot(p, io);
  }

  private onL2Update(io: AdapterIo): void {
    io.touch(CH_LEVEL2);
    const p = this.product();
    if (p === undefined || !p.bookReady) return; // before the snapshot: the snapshot will include it
    this.books.update(p, io);
  }
}
