/**
 * Reading Binance combined-stream frames in place: the stream kind from the stream name, the trade
 * fast path (a trade payload in one of Binance's exact layouts, checked by one pattern per layout) and
 * the general readers of `trade`/`aggTrade` and `bookTicker` payloads (any key order). What is read
 * goes to a {@link BinanceFrameHandler}, which checks and publishes it.
 *
 * @example
 * ```ts
 * const reader = new BinanceFrameReader(metrics, symbols, handler);
 * if (!reader.fastTrade(text, io)) { ... the general scan: reader.cursor.reset(text) ... }
 * ```
 * @module
 */

import { Side, TRADE_FLAG_INEXACT } from "../../protocol/mod.ts";
import type { AdapterIo } from "../common/adapter.ts";
import { DecimalReader } from "../common/decimal.ts";
import { FrameShape, intAt, spanIs } from "../common/frame-shape.ts";
import { JsonCursor } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import type { VenueTime } from "../common/venue-time.ts";
import { CH_BOOK_TICKER, CH_TRADES } from "./options.ts";
import type { BinanceSymbols, SymbolState } from "./symbols.ts";

/** Stream kind: `<s>@trade`. */
export const K_TRADE = 1;
/** Stream kind: `<s>@aggTrade`. */
export const K_AGG = 2;
/** Stream kind: `<s>@bookTicker`. */
export const K_BOOK_TICKER = 3;
/** Stream kind: `<s>@depth…`. */
export const K_DEPTH = 4;

/** The kind (`K_*`) of the stream named in `t[start, stop)`, -1 when unknown. */
export function streamKind(t: string, start: number, stop: number): number {
  const at = t.indexOf("@", start);
  if (at < 0 || at >= stop) return -1;
  if (spanIs(t, at + 1, stop, "trade")) return K_TRADE;
  if (spanIs(t, at + 1, stop, "aggTrade")) return K_AGG;
  if (spanIs(t, at + 1, stop, "bookTicker")) return K_BOOK_TICKER;
  if (t.startsWith("depth", at + 1)) return K_DEPTH;
  return -1;
}

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

/** Where the readers hand what they read (the adapter: checks, then publishes). */
export interface BinanceFrameHandler {
  /** One trade read by either path (-1: absent; `eventMs` −1: no event time). */
  trade(
    s: SymbolState | undefined, id: number, price: bigint | number, size: bigint | number, flags: number, side: number, tradeMs: number,
    eventMs: number, io: AdapterIo,
  ): void;
  /** One bookTicker payload (-1: absent). */
  bookTicker(s: SymbolState | undefined, id: number, bid: bigint, bidSize: bigint, ask: bigint, askSize: bigint, eventMs: number, io: AdapterIo): void;
}

/** The frame readers of one adapter (one cursor, decimal reader and venue time, reused frame after frame). */
export class BinanceFrameReader {
  /** The cursor over the current frame (the depth book reads its diffs with it too). */
  readonly cursor = new JsonCursor();
  /** Exact decimal reader. */
  readonly dec = new DecimalReader();
  /** Scratch venue time of emitted messages (shared with the handler and the book). */
  readonly time: VenueTime;
  private readonly s0 = new Int32Array(T_SLOTS);
  private readonly s1 = new Int32Array(T_SLOTS);
  private readonly metrics: AdapterMetrics;
  private readonly symbols: BinanceSymbols;
  private readonly handler: BinanceFrameHandler;

  /**
   * @param metrics counters
   * @param symbols symbol lookup
   * @param handler receives what is read
   * @param time scratch venue time
   */
  constructor(metrics: AdapterMetrics, symbols: BinanceSymbols, handler: BinanceFrameHandler, time: VenueTime) {
    this.time = time;
    this.metrics = metrics;
    this.symbols = symbols;
    this.handler = handler;
  }

  /**
   * The fast path: when `text` is a trade frame in one of Binance's exact layouts (and its stream name
   * agrees), hands the trade over as {@link readTrade} would and returns true; otherwise does nothing
   * and returns false.
   */
  fastTrade(text: string, io: AdapterIo): boolean {
    // The stream name first (a guess until a pattern confirms the envelope): depth and bookTicker
    // frames, most of a feed, then cost one indexOf instead of three pattern tests.
    const streamEnd = text.indexOf('"', STREAM_AT);
    if (streamEnd < 0) return false;
    const kind = streamKind(text, STREAM_AT, streamEnd);
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
      this.handler.trade(
        this.symbols.in(text, s0[T_SYMBOL]!, s1[T_SYMBOL]!), intAt(text, s0[T_ID]!, s1[T_ID]!), price, size, flags,
        text.charCodeAt(s0[T_MAKER]!) === 116 /* true */ ? Side.Sell : Side.Buy,
        intAt(text, s0[T_TIME]!, s1[T_TIME]!), intAt(text, s0[T_EVENT]!, s1[T_EVENT]!), io,
      );
      return true;
    }
    return false;
  }

  /** The general scan of a `trade` (`kind` K_TRADE) or `aggTrade` (K_AGG) payload at the cursor. */
  readTrade(kind: number, io: AdapterIo): void {
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
        s = this.symbols.at(c);
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
    this.handler.trade(s, id, price, size, flags, side, tradeMs, eventMs, io);
  }

  /** The general scan of a `bookTicker` payload at the cursor. */
  readBookTicker(io: AdapterIo): void {
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
      if (k === 115 /* s */) s = this.symbols.at(c);
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
    this.handler.bookTicker(s, id, bid, bidSize, ask, askSize, eventMs, io);
  }
}
