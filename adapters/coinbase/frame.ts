/**
 * Reading Coinbase frames in place: the fast path (a `match` frame in Coinbase's exact layout, checked
 * by one pattern) and the general scan (any frame, one pass over the top-level object). Both note the
 * span of every field of interest in slots (`F_*`), which the readers here turn into integers, exact
 * decimals and venue times without copying the frame.
 *
 * @example
 * ```ts
 * const frame = new CoinbaseFrame(metrics);
 * if (!frame.scanMatch(text)) frame.scan(text);
 * frame.is(F_TYPE, "match"); frame.int(F_TRADE_ID);
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import { DecimalReader } from "../common/decimal.ts";
import { FrameShape, spanIs } from "../common/frame-shape.ts";
import { FrameError, JsonCursor } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { VenueTime } from "../common/venue-time.ts";

/** Slot of `type`. */
export const F_TYPE = 0;
/** Slot of `product_id`. */
export const F_PRODUCT = 1;
/** Slot of `price`. */
export const F_PRICE = 2;
/** Slot of `size`. */
export const F_SIZE = 3;
/** Slot of `side`. */
export const F_SIDE = 4;
/** Slot of `time`. */
export const F_TIME = 5;
/** Slot of `sequence`. */
export const F_SEQUENCE = 6;
/** Slot of `trade_id`. */
export const F_TRADE_ID = 7;
/** Slot of `best_bid`. */
export const F_BEST_BID = 8;
/** Slot of `best_bid_size`. */
export const F_BEST_BID_SIZE = 9;
/** Slot of `best_ask`. */
export const F_BEST_ASK = 10;
/** Slot of `best_ask_size`. */
export const F_BEST_ASK_SIZE = 11;
/** Slot of `last_trade_id`. */
export const F_LAST_TRADE_ID = 12;
/** Slot of `changes` (the value's start only). */
export const F_CHANGES = 13;
/** Slot of `bids` (the value's start only). */
export const F_BIDS = 14;
/** Slot of `asks` (the value's start only). */
export const F_ASKS = 15;
/** Slot of `message`. */
export const F_MESSAGE = 16;
/** Slot of `reason`. */
export const F_REASON = 17;
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

/** The field spans of the frame last scanned, and the readers of their values. */
export class CoinbaseFrame {
  /** The cursor over the frame text (also used to walk `changes`, `bids`, `asks`). */
  readonly cursor = new JsonCursor();
  /** Exact decimal reader; `inexact` tells whether the last value lost digits. */
  readonly dec = new DecimalReader();
  /** Venue time of the frame once read ({@link readTime}); also the scratch time of emitted messages. */
  readonly time = new VenueTime();
  /** Start of each slot's span, -1 when absent. */
  readonly s0 = new Int32Array(SLOTS);
  /** End of each slot's span. */
  readonly s1 = new Int32Array(SLOTS);
  private readonly metrics: AdapterMetrics;

  /** @param metrics counts inexact decimals and records latencies */
  constructor(metrics: AdapterMetrics) {
    this.metrics = metrics;
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

  /** The general scan: the top-level object once, noting the span of every field of interest. */
  scan(text: string): void {
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

  /**
   * The fast path: true when `text` is a match frame in Coinbase's exact layout, its spans noted in the
   * slots as {@link scan} would note them (nothing else is done, so a false costs only the comparison).
   */
  scanMatch(text: string): boolean {
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

  /** True when slot `f` is present and holds exactly `value`. */
  is(f: number, value: string): boolean {
    return this.s0[f]! >= 0 && spanIs(this.cursor.text, this.s0[f]!, this.s1[f]!, value);
  }

  /** The text of slot `f`, "" when absent. */
  str(f: number): string {
    return this.s0[f]! < 0 ? "" : this.cursor.text.slice(this.s0[f]!, this.s1[f]!);
  }

  /** Slot `f` as a non-negative integer below 2^53, -1 when absent; FrameError when not one. */
  int(f: number): number {
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

  /** Slot `f` as an exact 10^8 decimal (`name` for errors); counts an inexact one. */
  decimal(f: number, name: string): bigint {
    const a = this.s0[f]!;
    if (a < 0) throw new FrameError(`missing ${name}`, 0);
    const v = this.dec.read(this.cursor.text, a, this.s1[f]!, name);
    if (this.dec.inexact) this.metrics.inexact++;
    return v;
  }

  /** Like {@link decimal}, as {@link DecimalReader.value}: a safe-integer number on the common shapes. */
  units(f: number, name: string): bigint | number {
    const a = this.s0[f]!;
    if (a < 0) throw new FrameError(`missing ${name}`, 0);
    const v = this.dec.value(this.cursor.text, a, this.s1[f]!, name);
    if (this.dec.inexact) this.metrics.inexact++;
    return v;
  }

  /** The frame's `time` into {@link time} (the clock when absent), recording the latency. */
  readTime(io: AdapterIo): VenueTime {
    const a = this.s0[F_TIME]!;
    if (a < 0) return this.time.setMillis(Math.floor(io.nowMs));
    this.time.readIso(this.cursor.text, a, this.s1[F_TIME]!);
    this.metrics.recordLatencyMs(io.nowMs - this.time.ms);
    return this.time;
  }
}
