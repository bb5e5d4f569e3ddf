/**
 * Coinbase Exchange public WebSocket feed (`wss://ws-feed.exchange.coinbase.com`) → Protocol V2.
 *
 * - `matches` (`match`, `last_match`) → Trade. Coinbase's `side` is the **maker's** order side, so the
 *   Trade carries the opposite: maker `sell` ⇒ the taker bought (Side.Buy).
 * - `level2_batch` (`snapshot` + `l2update`; `level2` has the same messages) → a maintained book →
 *   Quote whenever the top of book changes, and top-N OrderBook snapshots at most once per
 *   `bookIntervalMs` per product.
 * - `ticker` → Quote (by default only when no level2 book is kept, so each product has one quote
 *   stream; `tickerQuotes: true` forces it).
 * - `heartbeat` → liveness (the channel watched for staleness) and sequence checks.
 *
 * Gaps: Coinbase numbers every event of a product (`sequence`), but the public channels carry only some
 * of them, so holes in `sequence` are normal; a sequence going backwards is a replay/out-of-order frame
 * and is dropped (`outOfOrder`). Trades are numbered without holes (`trade_id`), and every heartbeat
 * says the product's `last_trade_id`: a missing trade id, or a heartbeat ahead of the trades received,
 * means this connection lost messages, so the product's book is resynchronised (unsubscribe +
 * subscribe level2 → fresh snapshot) — that product only. A crossed book resyncs the same way.
 *
 * @module
 */

import { Side, SourceId, TRADE_FLAG_INEXACT, Venue } from "../../protocol/mod.ts";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import { OrderBook } from "../common/book.ts";
import { COINBASE_REST_URL, TradeBackfill, type PendingTrade } from "./backfill.ts";
import { DecimalReader } from "../common/decimal.ts";
import { MarketDataEmitter } from "../common/emit.ts";
import { InstrumentTable, type Instrument } from "../common/instruments.ts";
import { unescapeJson } from "../common/unescape.ts";
import { FrameShape, spanIs } from "../common/frame-shape.ts";
import { FrameError, JsonCursor } from "../common/json-cursor.ts";
import { AdapterMetrics } from "../common/metrics.ts";
import type { MessageSink } from "../common/sink.ts";
import { VenueTime } from "../common/venue-time.ts";

/** Default public feed URL. */
export const COINBASE_WS_URL = "wss://ws-feed.exchange.coinbase.com";

/** Settings of a {@link CoinbaseAdapter}. */
export interface CoinbaseOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Product ids ("BTC-USD"). */
  products: readonly string[];
  /** Accept products not listed in `products` when they appear (replaying a capture; default false). */
  anySymbol?: boolean;
  /** Feed URL (default {@link COINBASE_WS_URL}; tests point it at a stand-in). */
  url?: string;
  /** Subscribe to matches (default true). */
  matches?: boolean;
  /** Subscribe to ticker (default true). */
  ticker?: boolean;
  /** Level-2 channel: "level2_batch" (default), "level2" (needs auth on the live feed), or false. */
  level2?: "level2_batch" | "level2" | false;
  /** Emit a Quote per ticker even when a book is kept (default: only without a book). */
  tickerQuotes?: boolean;
  /** Levels per side in OrderBook snapshots (default 10). */
  bookDepth?: number;
  /** Least time between two OrderBook snapshots of one product, ms (default 100). */
  bookIntervalMs?: number;
  /** Heartbeat silence that abandons the connection, ms (default 5000). */
  heartbeatStaleMs?: number;
  /** Level-2 silence that abandons the connection, ms (default 0 = not watched). */
  level2StaleMs?: number;
  /**
   * Read trade frames in the venue's exact layout on the fast path (default true). False = the general
   * scan only; both give the same messages (property-tested), so this exists for tests and diagnosis.
   */
  fastPath?: boolean;
  /** REST base for the trade backfill (default {@link COINBASE_REST_URL}; tests point it at a stand-in). */
  restUrl?: string;
  /**
   * Recover trades lost in a gap over REST and publish them in trade-id order, holding newer trades of
   * that product meanwhile (default true). False: a gap's trades are counted lost right away.
   */
  backfill?: boolean;
  /** Longest a backfill may hold a product's trades back, ms (default 10 000); then the rest is lost. */
  backfillTimeoutMs?: number;
  /** Most missing trades one product's backfill will fetch (default 10 000); a bigger gap is lost. */
  maxBackfill?: number;
  /** Most live trades held back during a backfill (default 10 000); then the backfill gives up. */
  maxHeld?: number;
  /** Header `source` (default SourceId.Coinbase). */
  source?: number;
  /** Venue number of the instruments (default Venue.Coinbase). */
  venue?: number;
}

const CH_HEARTBEAT = 0;
const CH_LEVEL2 = 1;
const CH_MATCHES = 2;
const CH_TICKER = 3;

// Field slots collected while scanning a frame.
const F_TYPE = 0;
const F_PRODUCT = 1;
const F_PRICE = 2;
const F_SIZE = 3;
const F_SIDE = 4;
const F_TIME = 5;
const F_SEQUENCE = 6;
const F_TRADE_ID = 7;
const F_BEST_BID = 8;
const F_BEST_BID_SIZE = 9;
const F_BEST_ASK = 10;
const F_BEST_ASK_SIZE = 11;
const F_LAST_TRADE_ID = 12;
const F_CHANGES = 13;
const F_BIDS = 14;
const F_ASKS = 15;
const F_MESSAGE = 16;
const F_REASON = 17;
const SLOTS = 18;

/**
 * A `match`/`last_match` frame exactly as Coinbase writes it (key order of the live feed, 2021 and 2025
 * captures alike): the fast path. Any other layout goes through the general scan.
 */
const MATCH_SHAPE = new FrameShape([
  ["type", "string", F_TYPE], ["trade_id", "number", F_TRADE_ID], ["maker_order_id", "string", -1],
  ["taker_order_id", "string", -1], ["side", "string", F_SIDE], ["size", "string", F_SIZE], ["price", "string", F_PRICE],
  ["product_id", "string", F_PRODUCT], ["sequence", "number", F_SEQUENCE], ["time", "string", F_TIME],
]);
const MATCH_FRAME = new RegExp(`^${MATCH_SHAPE.pattern}$`);

/** `slot` when `text` holds `name` at `at`, else -1. */
function is(text: string, at: number, name: string, slot: number): number {
  return text.startsWith(name, at) ? slot : -1;
}

/** Per-product state. */
interface Product {
  readonly ins: Instrument;
  readonly book: OrderBook;
  bookReady: boolean;
  bookDirty: boolean;
  lastBookMs: number;
  lastSequence: number;
  lastTradeId: number;
  /** The backfill of a trade gap in progress (newer trades are held back meanwhile). */
  backfill: TradeBackfill | undefined;
  /** Venue time of the last book change (seconds, nanos). */
  bookSec: number;
  bookNanos: number;
}

/** The Coinbase Exchange venue adapter (parsing, book, gap detection); drive it with AdapterTask or a replay. */
export class CoinbaseAdapter implements VenueAdapter {
  readonly name = "coinbase";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[];
  private readonly options: CoinbaseOptions;
  private readonly emit: MarketDataEmitter;
  private readonly table: InstrumentTable;
  private readonly products = new Map<string, Product>();
  private readonly cursor = new JsonCursor();
  private readonly dec = new DecimalReader();
  private readonly time = new VenueTime();
  private readonly s0 = new Int32Array(SLOTS);
  private readonly s1 = new Int32Array(SLOTS);
  private readonly level2: "level2_batch" | "level2" | false;
  private readonly tickerQuotes: boolean;
  private readonly depth: number;
  private readonly bookIntervalMs: number;
  /** The product of the last frame, and its id: consecutive frames are mostly of one product. */
  private lastProduct: Product | undefined;
  private lastProductId = "";
  /** Products with a backfill in progress (the hot path checks deadlines only when > 0). */
  private backfills = 0;
  private readonly restBase: string;
  private readonly backfillTimeoutMs: number;
  private readonly maxBackfill: number;
  private readonly maxHeld: number;

  /** @param options products, channels, sink */
  constructor(options: CoinbaseOptions) {
    this.options = options;
    this.emit = new MarketDataEmitter(options.sink, options.source ?? SourceId.Coinbase, this.metrics);
    this.table = new InstrumentTable(options.venue ?? Venue.Coinbase);
    this.level2 = options.level2 === undefined ? "level2_batch" : options.level2;
    this.tickerQuotes = options.tickerQuotes ?? this.level2 === false;
    this.depth = options.bookDepth ?? 10;
    this.bookIntervalMs = options.bookIntervalMs ?? 100;
    this.restBase = (options.restUrl ?? COINBASE_REST_URL).replace(/\/+$/, "");
    this.backfillTimeoutMs = options.backfillTimeoutMs ?? 10_000;
    this.maxBackfill = options.backfill === false ? 0 : options.maxBackfill ?? 10_000;
    this.maxHeld = options.maxHeld ?? 10_000;
    this.channels = [
      { name: "heartbeat", staleAfterMs: options.heartbeatStaleMs ?? 5000 },
      { name: "level2", staleAfterMs: this.level2 ? options.level2StaleMs ?? 0 : 0 },
      { name: "matches", staleAfterMs: 0 },
      { name: "ticker", staleAfterMs: 0 },
    ];
    for (const id of options.products) this.addProduct(id);
  }

  private addProduct(id: string): Product | undefined {
    const m = /^([A-Za-z0-9]+)-([A-Za-z0-9]+)$/.exec(id);
    const ins = m ? this.table.addPair(id, m[1]!, m[2]!) : undefined;
    if (!ins) {
      this.metrics.skippedInstruments++;
      return undefined;
    }
    const p: Product = {
      ins, book: new OrderBook(), bookReady: false, bookDirty: false, lastBookMs: -Infinity, lastSequence: -1, lastTradeId: -1,
      backfill: undefined, bookSec: 0, bookNanos: 0,
    };
    this.products.set(id, p);
    return p;
  }

  /** Product ids refused as unrepresentable, with reasons. */
  skippedProducts(): { venueSymbol: string; reason: string }[] {
    return this.table.skippedSymbols();
  }

  /** The maintained book of a product (tests, diagnostics). */
  bookOf(productId: string): OrderBook | undefined {
    const p = this.products.get(productId);
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

  private channelNames(): string[] {
    const ch = ["heartbeat"];
    if (this.options.matches !== false) ch.push("matches");
    if (this.options.ticker !== false) ch.push("ticker");
    if (this.level2) ch.push(this.level2);
    return ch;
  }

  onOpen(io: AdapterIo): void {
    const ids = [...this.products.keys()];
    if (ids.length === 0) return;
    io.send(JSON.stringify({ type: "subscribe", product_ids: ids, channels: this.channelNames() }));
  }

  onClose(): void {
    for (const p of this.products.values()) {
      p.book.clear();
      p.bookReady = false;
      p.bookDirty = false;
    }
  }

  /** A trades page of a backfill. */
  onRest(url: string, body: string, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
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
      this.continueBackfill(p, io);
      return;
    }
  }

  /** A backfill page could not be fetched (after the HTTP client's retries): its trades are lost. */
  onRestError(url: string, error: Error, io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    for (const p of this.products.values()) {
      if (p.backfill?.isPage(url)) return this.finishBackfill(p, io, `trades page failed: ${error.message}`);
    }
  }

  /** The input ended (end of a replay): publishes what backfills still hold, counting the rest lost. */
  flush(io: AdapterIo): void {
    this.emit.receivedMs = NaN; // not a frame: stamp messages with the clock
    for (const p of this.products.values()) if (p.backfill !== undefined) this.finishBackfill(p, io, "input ended");
  }

  /** Notes missing trade ids `from`…`to` of `p`: backfilled when possible, else counted lost; resyncs the book. */
  private noteGap(p: Product, from: number, to: number, io: AdapterIo, why: string): void {
    this.metrics.gaps++;
    const n = to - from + 1;
    const bf = p.backfill;
    if ((bf?.missing ?? 0) + n > this.maxBackfill) {
      this.metrics.backfillLost += n;
      io.log(`${p.ins.venueSymbol}: ${n} trades missed (${why}) and not backfilled`);
    } else if (bf === undefined) {
      p.backfill = new TradeBackfill(p.ins.venueSymbol, this.restBase, io.nowMs);
      this.backfills++;
      p.backfill.addMissing(from, to);
      this.continueBackfill(p, io);
    } else {
      bf.addMissing(from, to);
      if (!bf.waiting) this.continueBackfill(p, io);
    }
    if (p.bookReady) this.resync(p, io, why);
  }

  /** Asks for the backfill's next page, or finishes it when nothing is missing any more. */
  private continueBackfill(p: Product, io: AdapterIo): void {
    const url = p.backfill?.nextUrl();
    if (url === undefined) this.finishBackfill(p, io, "");
    else io.requestRest(url);
  }

  /** Ends `p`'s backfill: gives up what is still missing (counted lost) and publishes the rest in order. */
  private finishBackfill(p: Product, io: AdapterIo, why: string): void {
    const bf = p.backfill;
    if (bf === undefined) return;
    p.backfill = undefined;
    this.backfills--;
    const lost = bf.giveUp();
    if (lost > 0) {
      this.metrics.backfillLost += lost;
      io.log(`backfill ${p.ins.venueSymbol}: ${lost} trades lost (${why})`);
    }
    const time = this.time;
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

  /** Ends backfills that held trades back longer than allowed. */
  private checkBackfillDeadlines(io: AdapterIo): void {
    for (const p of this.products.values()) {
      const bf = p.backfill;
      if (bf !== undefined && io.nowMs - bf.startedMs > this.backfillTimeoutMs) {
        this.finishBackfill(p, io, `no complete answer within ${this.backfillTimeoutMs} ms`);
      }
    }
  }

  /** Resubscribes the level-2 channel of one product to get a fresh snapshot. */
  private resync(p: Product, io: AdapterIo, why: string): void {
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

  /** The field slot of the key under the cursor, or -1; one comparison after dispatching on its shape. */
  private slot(c: JsonCursor): number {
    const k = c.keyStart;
    const t = c.text;
    const first = t.charCodeAt(k);
    switch (c.keyStop - k) {
      case 4:
        if (first === 116 /* t */) return t.charCodeAt(k + 1) === 121 ? is(t, k, "type", F_TYPE) : is(t, k, "time", F_TIME);
        if (first === 115 /* s */) return t.charCodeAt(k + 2) === 100 ? is(t, k, "side", F_SIDE) : is(t, k, "size", F_SIZE);
        if (first === 98 /* b */) return is(t, k, "bids", F_BIDS);
        return is(t, k, "asks", F_ASKS);
      case 5:
        return is(t, k, "price", F_PRICE);
      case 6:
        return is(t, k, "reason", F_REASON);
      case 7:
        return first === 99 ? is(t, k, "changes", F_CHANGES) : is(t, k, "message", F_MESSAGE);
      case 8:
        if (first === 115) return is(t, k, "sequence", F_SEQUENCE);
        if (first === 116) return is(t, k, "trade_id", F_TRADE_ID);
        return t.charCodeAt(k + 6) === 105 ? is(t, k, "best_bid", F_BEST_BID) : is(t, k, "best_ask", F_BEST_ASK);
      case 10:
        return is(t, k, "product_id", F_PRODUCT);
      case 13:
        if (first === 108) return is(t, k, "last_trade_id", F_LAST_TRADE_ID);
        return t.charCodeAt(k + 6) === 105 ? is(t, k, "best_bid_size", F_BEST_BID_SIZE) : is(t, k, "best_ask_size", F_BEST_ASK_SIZE);
      default:
        return -1;
    }
  }

  /** Scans the top-level object once, noting the span of every field of interest. */
  private scan(text: string): void {
    const c = this.cursor.reset(text);
    const s0 = this.s0;
    const s1 = this.s1;
    s0.fill(-1);
    c.enterObject();
    while (c.nextKey()) {
      const f = this.slot(c);
      if (f < 0) {
        c.skipValue();
      } else if (f >= F_CHANGES && f <= F_ASKS) {
        s0[f] = c.pos;
        c.skipValue();
      } else if (f === F_MESSAGE || f === F_REASON || f === F_TYPE || f === F_PRODUCT || f === F_SIDE) {
        c.stringSpan();
        s0[f] = c.start;
        s1[f] = c.stop;
      } else {
        c.decimal();
        s0[f] = c.start;
        s1[f] = c.stop;
      }
    }
    c.end();
  }

  private is(f: number, value: string): boolean {
    return this.s0[f]! >= 0 && spanIs(this.cursor.text, this.s0[f]!, this.s1[f]!, value);
  }

  private str(f: number): string {
    return this.s0[f]! < 0 ? "" : this.cursor.text.slice(this.s0[f]!, this.s1[f]!);
  }

  private int(f: number): number {
    const a = this.s0[f]!;
    if (a < 0) return -1;
    const b = this.s1[f]!;
    const t = this.cursor.text;
    let v = 0;
    if (b - a > 15 || b === a) throw new FrameError(`field is not an integer below 2^53`, a);
    for (let p = a; p < b; p++) {
      const d = t.charCodeAt(p) - 48;
      if (d < 0 || d > 9) throw new FrameError(`${JSON.stringify(t.slice(a, b))} is not an integer`, a);
      v = v * 10 + d;
    }
    return v;
  }

  private decimal(f: number, name: string): bigint {
    const a = this.s0[f]!;
    if (a < 0) throw new FrameError(`missing ${name}`, 0);
    const v = this.dec.read(this.cursor.text, a, this.s1[f]!, name);
    if (this.dec.inexact) this.metrics.inexact++;
    return v;
  }

  /** Like {@link decimal}, as {@link DecimalReader.value}: a safe-integer number on the common shapes. */
  private units(f: number, name: string): bigint | number {
    const a = this.s0[f]!;
    if (a < 0) throw new FrameError(`missing ${name}`, 0);
    const v = this.dec.value(this.cursor.text, a, this.s1[f]!, name);
    if (this.dec.inexact) this.metrics.inexact++;
    return v;
  }

  private readTime(io: AdapterIo): VenueTime {
    const a = this.s0[F_TIME]!;
    if (a < 0) return this.time.setMillis(Math.floor(io.nowMs));
    this.time.readIso(this.cursor.text, a, this.s1[F_TIME]!);
    this.metrics.recordLatencyMs(io.nowMs - this.time.ms);
    return this.time;
  }

  private product(): Product | undefined {
    const a = this.s0[F_PRODUCT]!;
    if (a < 0) throw new FrameError("missing product_id", 0);
    const b = this.s1[F_PRODUCT]!;
    const id = this.lastProductId;
    if (this.lastProduct !== undefined && spanIs(this.cursor.text, a, b, id)) return this.lastProduct;
    const p = this.productById(this.cursor.text.slice(a, b));
    if (p !== undefined) {
      this.lastProduct = p;
      this.lastProductId = p.ins.venueSymbol;
    }
    return p;
  }

  private productById(id: string): Product | undefined {
    let p = this.products.get(id);
    if (p === undefined && this.options.anySymbol && !this.table.isSkipped(id)) p = this.addProduct(id);
    if (p === undefined) this.metrics.unknownInstruments++;
    return p;
  }

  /**
   * The fast path: true when `text` is a match frame in Coinbase's exact layout, its spans noted in the
   * slots as {@link scan} would note them (nothing else is done, so a false costs only the comparison).
   */
  private scanMatch(text: string): boolean {
    if (!MATCH_FRAME.test(text)) return false;
    const s0 = this.s0;
    const s1 = this.s1;
    s0.fill(-1);
    MATCH_SHAPE.spans(text, 0, s0, s1);
    const a = s0[F_TYPE]!;
    const b = s1[F_TYPE]!;
    if (!spanIs(text, a, b, "match") && !spanIs(text, a, b, "last_match")) return false;
    this.cursor.text = text;
    return true;
  }

  onFrame(raw: string, io: AdapterIo): void {
    const text = unescapeJson(raw); // escapes written out: spans then compare as a JSON parser would
    this.emit.receivedMs = io.replaying ? NaN : io.nowMs;
    try {
      if (this.backfills > 0) this.checkBackfillDeadlines(io);
      if (this.options.fastPath !== false && this.scanMatch(text)) {
        this.metrics.fastPathFrames++;
        this.onMatch(io);
        return;
      }
      this.scan(text);
      if (this.s0[F_TYPE]! < 0) {
        this.metrics.unknownFrames++;
        return;
      }
      const T = F_TYPE;
      if (this.is(T, "match") || this.is(T, "last_match")) this.onMatch(io);
      else if (this.is(T, "l2update")) this.onL2Update(io);
      else if (this.is(T, "ticker")) this.onTicker(io);
      else if (this.is(T, "heartbeat")) this.onHeartbeat(io);
      else if (this.is(T, "snapshot")) this.onSnapshot(io);
      else if (this.is(T, "subscriptions")) return;
      else if (this.is(T, "error")) {
        this.metrics.venueErrors++;
        const msg = `venue error: ${this.str(F_MESSAGE)}${this.s0[F_REASON]! >= 0 ? ` (${this.str(F_REASON)})` : ""}`;
        this.metrics.noteError(msg);
        io.log(msg);
      } else this.metrics.unknownFrames++;
    } catch (e) {
      this.metrics.parseErrors++;
      this.metrics.noteError(`coinbase frame: ${(e as Error).message}`);
    }
  }

  private checkSequence(p: Product): boolean {
    const seq = this.int(F_SEQUENCE);
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
    const tradeId = this.int(F_TRADE_ID);
    if (tradeId < 0) throw new FrameError("match without trade_id", 0);
    if (tradeId <= p.lastTradeId && !(p.backfill?.isMissing(tradeId) ?? false)) {
      this.metrics.outOfOrder++; // already seen (last_match after a resubscribe, or a duplicate)
      return;
    }
    const side = this.is(F_SIDE, "sell") ? Side.Buy : this.is(F_SIDE, "buy") ? Side.Sell : Side.Unknown;
    const price = this.units(F_PRICE, "price");
    let flags = this.dec.inexact ? TRADE_FLAG_INEXACT : 0;
    const size = this.units(F_SIZE, "size");
    if (this.dec.inexact) flags |= TRADE_FLAG_INEXACT;
    this.readTime(io);
    this.applyMatch(p, tradeId, side, flags, price, size, this.int(F_SEQUENCE), io);
  }

  /**
   * Publishes a new trade (time in `this.time`) and checks trade-id continuity; during a backfill the
   * trade is held back (or fills its hole when it was one of the missing).
   */
  private applyMatch(p: Product, tradeId: number, side: number, flags: number, price: bigint | number, size: bigint | number, seq: number, io: AdapterIo): void {
    if (seq >= 0) {
      if (seq < p.lastSequence) this.metrics.outOfOrder++;
      else p.lastSequence = seq;
    }
    if (p.backfill !== undefined && tradeId <= p.lastTradeId) {
      p.backfill.fill(this.pending(tradeId, side, flags, price, size));
      if (p.backfill.missing === 0) this.finishBackfill(p, io, "");
      return;
    }
    if (p.lastTradeId >= 0 && tradeId > p.lastTradeId + 1) {
      this.noteGap(p, p.lastTradeId + 1, tradeId - 1, io, `trade ids jumped to ${tradeId}: messages were lost`);
    }
    p.lastTradeId = tradeId;
    const bf = p.backfill;
    if (bf === undefined) {
      this.emit.trade(p.ins, side, flags, price, size, this.time);
      return;
    }
    bf.hold(this.pending(tradeId, side, flags, price, size));
    if (bf.heldCount > this.maxHeld) this.finishBackfill(p, io, `more than ${this.maxHeld} trades held`);
  }

  private pending(id: number, side: number, flags: number, price: bigint | number, size: bigint | number): PendingTrade {
    return { id, fromRest: false, side, flags, price, size, seconds: this.time.seconds, nanos: this.time.nanos };
  }

  private onTicker(io: AdapterIo): void {
    io.touch(CH_TICKER);
    const p = this.product();
    if (p === undefined || !this.checkSequence(p)) return;
    if (!this.tickerQuotes || this.s0[F_BEST_BID]! < 0 || this.s0[F_BEST_ASK]! < 0) return;
    const bid = this.decimal(F_BEST_BID, "best_bid");
    const bidSize = this.s0[F_BEST_BID_SIZE]! >= 0 ? this.decimal(F_BEST_BID_SIZE, "best_bid_size") : 0n;
    const ask = this.decimal(F_BEST_ASK, "best_ask");
    const askSize = this.s0[F_BEST_ASK_SIZE]! >= 0 ? this.decimal(F_BEST_ASK_SIZE, "best_ask_size") : 0n;
    this.emit.quote(p.ins, bid, bidSize, ask, askSize, this.readTime(io));
  }

  private onHeartbeat(io: AdapterIo): void {
    io.touch(CH_HEARTBEAT);
    const p = this.product();
    if (p === undefined || !this.checkSequence(p)) return;
    const last = this.int(F_LAST_TRADE_ID);
    if (this.options.matches !== false && p.lastTradeId < 0) p.lastTradeId = last;
    else if (this.options.matches !== false && last > p.lastTradeId) {
      const from = p.lastTradeId + 1;
      p.lastTradeId = last;
      this.noteGap(p, from, last, io, `heartbeat last_trade_id is ${last - from + 1} ahead of the trades received`);
    }
    if (p.bookDirty) this.maybeBook(p, io, true);
  }

  private readLevels(p: Product, f: number, bids: boolean): void {
    const c = this.cursor;
    c.pos = this.s0[f]!;
    if (c.pos < 0) return;
    const side = bids ? p.book.bids : p.book.asks;
    c.enterArray();
    while (c.nextItem()) {
      c.enterArray();
      c.decimal();
      const price = this.dec.read(c.text, c.start, c.stop, "price");
      if (!c.nextItem()) throw c.fail("level without size");
      c.decimal();
      const size = this.dec.read(c.text, c.start, c.stop, "size");
      while (c.nextItem()) c.skipValue();
      side.set(price, size);
    }
  }

  private onSnapshot(io: AdapterIo): void {
    io.touch(CH_LEVEL2);
    const p = this.product();
    if (p === undefined) return;
    p.book.clear();
    this.readLevels(p, F_BIDS, true);
    this.readLevels(p, F_ASKS, false);
    p.bookReady = true;
    const time = this.readTime(io);
    p.bookSec = time.seconds;
    p.bookNanos = time.nanos;
    this.emit.quoteFromBook(p.ins, p.book, time);
    p.bookDirty = true;
    this.maybeBook(p, io, true);
  }

  private onL2Update(io: AdapterIo): void {
    io.touch(CH_LEVEL2);
    const p = this.product();
    if (p === undefined || !p.bookReady) return; // before the snapshot: the snapshot will include it
    const c = this.cursor;
    c.pos = this.s0[F_CHANGES]!;
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
      const price = this.dec.read(c.text, c.start, c.stop, "price");
      if (!c.nextItem()) throw c.fail("change without size");
      c.decimal();
      const size = this.dec.read(c.text, c.start, c.stop, "size");
      while (c.nextItem()) c.skipValue();
      const i = (bid ? p.book.bids : p.book.asks).set(price, size);
      if (i === 0) top = true;
      if (i >= 0 && i < this.depth) depth = true;
    }
    const time = this.readTime(io);
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
  private maybeBook(p: Product, io: AdapterIo, force: boolean): void {
    if (!p.bookReady || !p.bookDirty) return;
    if (!force && io.nowMs - p.lastBookMs < this.bookIntervalMs) return;
    p.lastBookMs = io.nowMs;
    p.bookDirty = false;
    this.time.seconds = p.bookSec;
    this.time.nanos = p.bookNanos;
    this.emit.orderBook(p.ins, p.book, this.depth, BigInt(Math.max(0, p.lastSequence)), this.time);
  }
}
