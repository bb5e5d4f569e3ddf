/**
 * Reading Kraken v2 frames in place: the channel kind, the trade fast path (a whole `trade` frame in
 * Kraken's exact layout, checked by one pattern) and the general readers of `trade` and `ticker` data
 * (any key order). Prices and quantities are JSON numbers, read as text, never through a float. What
 * is read goes to a {@link KrakenFrameHandler}, which checks and publishes it.
 *
 * @example
 * ```ts
 * const reader = new KrakenFrameReader(metrics, symbols, handler, new JsonCursor(), new VenueTime());
 * if (reader.isFastTrade(text)) reader.fastTrades(text, io);
 * ```
 * @module
 */

import { Side, TRADE_FLAG_INEXACT } from "../../protocol/mod.ts";
import type { AdapterIo } from "../common/adapter.ts";
import { DecimalReader } from "../common/decimal.ts";
import { FrameShape, intAt, spanIs } from "../common/frame-shape.ts";
import { FrameError, type JsonCursor } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import type { VenueTime } from "../common/venue-time.ts";
import { CH_TICKER, CH_TRADE } from "./options.ts";
import type { KrakenSymbols, SymbolState } from "./symbols.ts";

/** Channel kind: none seen yet. */
export const K_NONE = 0;
/** Channel kind: `trade`. */
export const K_TRADE = 1;
/** Channel kind: `book`. */
export const K_BOOK = 2;
/** Channel kind: `ticker`. */
export const K_TICKER = 3;
/** Channel kind: `heartbeat`. */
export const K_HEARTBEAT = 4;
/** Channel kind: `status`. */
export const K_STATUS = 5;
/** Channel kind: any other channel. */
export const K_OTHER = 6;

/** The kind (`K_*`) of the channel named in `text[start, stop)`. */
export function channelKind(text: string, start: number, stop: number): number {
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

/** Where the readers hand what they read (the adapter: checks, then publishes). */
export interface KrakenFrameHandler {
  /** One trade read by either path (-1: absent); its venue time is the reader's `time` when `timed`. */
  trade(
    s: SymbolState | undefined, symbolSeen: boolean, side: number, price: bigint | number, qty: bigint | number, flags: number, id: number,
    timed: boolean,
  ): void;
  /** One ticker entry (-1: absent); its venue time is the reader's `time` when `timed`. */
  ticker(s: SymbolState | undefined, symbolSeen: boolean, bid: bigint, bidQty: bigint, ask: bigint, askQty: bigint, timed: boolean, io: AdapterIo): void;
}

/** The frame readers of one adapter (one cursor, decimal reader and venue time, reused frame after frame). */
export class KrakenFrameReader {
  /** The cursor over the current frame (the book reads its levels with it too). */
  readonly cursor: JsonCursor;
  /** Exact decimal reader. */
  readonly dec = new DecimalReader();
  /** Venue time of the entry last read; also the scratch time of emitted messages. */
  readonly time: VenueTime;
  private readonly s0 = new Int32Array(T_SLOTS);
  private readonly s1 = new Int32Array(T_SLOTS);
  private readonly metrics: AdapterMetrics;
  private readonly symbols: KrakenSymbols;
  private readonly handler: KrakenFrameHandler;

  /**
   * @param metrics counters
   * @param symbols symbol lookup
   * @param handler receives what is read
   * @param cursor the cursor shared with the handler and the book
   * @param time the venue time shared with the handler and the book
   */
  constructor(metrics: AdapterMetrics, symbols: KrakenSymbols, handler: KrakenFrameHandler, cursor: JsonCursor, time: VenueTime) {
    this.cursor = cursor;
    this.time = time;
    this.metrics = metrics;
    this.symbols = symbols;
    this.handler = handler;
  }

  /** True when `text` is a `trade` frame in Kraken's exact layout (then {@link fastTrades} reads it). */
  isFastTrade(text: string): boolean {
    return TRADE_FRAME.test(text);
  }

  /** An entry's `timestamp` (the string under the cursor) into {@link time}, recording the latency. */
  readTimestamp(c: JsonCursor, io: AdapterIo): void {
    c.stringSpan();
    this.time.readIso(c.text, c.start, c.stop);
    this.metrics.recordLatencyMs(io.nowMs - this.time.ms);
  }

  /**
   * The fast path: a `trade` frame known (by {@link isFastTrade}) to be in Kraken's exact layout; each
   * trade is read in key order and handed over as {@link readTrades} would.
   */
  fastTrades(text: string, io: AdapterIo): void {
    this.metrics.fastPathFrames++;
    io.touch(CH_TRADE);
    const s0 = this.s0;
    const s1 = this.s1;
    const dec = this.dec;
    let p = text.indexOf('"', TRADE_TYPE_AT) + 10; // past `","data":[`
    for (;;) {
      p = TRADE_SHAPE.spans(text, p, s0, s1);
      const s = this.symbols.in(text, s0[T_SYMBOL]!, s1[T_SYMBOL]!);
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
      this.handler.trade(s, true, side, price, qty, flags, id, true);
      if (text.charCodeAt(p) !== 44 /* , */) return;
      p++;
    }
  }

  /** The general scan of a `trade` channel's `data` at `dataAt`. */
  readTrades(dataAt: number, io: AdapterIo): void {
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
          s = this.symbols.at(c);
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
      this.handler.trade(s, symbolSeen, side, price, qty, flags, id, timed);
    }
  }

  /** The general scan of a `ticker` channel's `data` at `dataAt`. */
  readTicker(dataAt: number, io: AdapterIo): void {
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
          s = this.symbols.at(c);
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
      this.handler.ticker(s, symbolSeen, bid, bidQty, ask, askQty, timed, io);
    }
  }
}
