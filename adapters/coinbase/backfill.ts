/**
 * Recovering Coinbase trades lost in a gap over REST (`GET /products/<id>/trades`), so the Trade stream
 * has no hole and stays in trade-id order.
 *
 * Coinbase numbers a product's trades without holes, so a jump in `trade_id` (or a heartbeat whose
 * `last_trade_id` is ahead of the trades received) names exactly the ids that were missed. While a
 * backfill runs, the product's newer live trades are held back; the missing ones are fetched page by
 * page, newest first, with Coinbase's cursor pagination (`after=<trade id>` returns the trades below
 * it, at most `limit` ≤ 1000), and then everything is published in id order. A live copy of a missing
 * trade (a late frame) fills its hole too; trades fetched that were not missing are ignored, so nothing
 * is published twice.
 *
 * What cannot be recovered — a page that lacks ids it should hold, a failed request, the deadline or
 * the hold limit passed — is given up and counted (`backfillLost`), never silently skipped.
 *
 * @example
 * ```ts
 * const b = new TradeBackfill("BTC-USD", "https://api.exchange.coinbase.com", nowMs);
 * b.addMissing(101, 104);
 * b.nextUrl(); // ".../products/BTC-USD/trades?after=105&limit=4"
 * ```
 * @module
 */

import { parseJsonExact, type ExactJson, FrameError } from "../common/json-cursor.ts";
import { DecimalReader } from "../common/decimal.ts";
import { VenueTime } from "../common/venue-time.ts";
import { previewJson } from "../common/preview.ts";
import { Side, TRADE_FLAG_INEXACT } from "../../protocol/mod.ts";

/** Default REST base of Coinbase Exchange. */
export const COINBASE_REST_URL = "https://api.exchange.coinbase.com";

/** Most trades Coinbase returns per page. */
export const COINBASE_PAGE_LIMIT = 1000;

/** A trade kept until it can be published in order. */
export interface PendingTrade {
  /** Coinbase trade id. */
  readonly id: number;
  /** Taker side (Side.*). */
  readonly side: number;
  /** Trade flags (bit0 inexact). */
  readonly flags: number;
  /** Price, 10^8 units. */
  readonly price: bigint | number;
  /** Size, 10^8 units. */
  readonly size: bigint | number;
  /** True when it came from a REST page (recovered), false for a live frame. */
  readonly fromRest: boolean;
  /** Venue time: whole seconds since the epoch. */
  readonly seconds: number;
  /** Nanoseconds within the second. */
  readonly nanos: number;
}

/** What a REST page did. */
export interface PageResult {
  /** Missing trades the page supplied. */
  readonly recovered: number;
  /** Missing ids the page should have held but did not (given up). */
  readonly lost: number;
}

/** One product's backfill in progress. */
export class TradeBackfill {
  /** Product id ("BTC-USD"). */
  readonly product: string;
  /** When it started (ms, the adapter's clock). */
  readonly startedMs: number;
  private readonly restBase: string;
  private readonly need = new Set<number>();
  private readonly got = new Map<number, PendingTrade>();
  private readonly held: PendingTrade[] = [];
  /** `after` cursor of the page asked for and not answered yet (−1: none). */
  private inFlight = -1;
  private inFlightLimit = 0;
  private readonly dec = new DecimalReader();
  private readonly time = new VenueTime();

  /**
   * @param product product id
   * @param restBase REST base URL (no trailing slash)
   * @param startedMs the adapter's clock now
   */
  constructor(product: string, restBase: string, startedMs: number) {
    this.product = product;
    this.restBase = restBase;
    this.startedMs = startedMs;
  }

  /** Ids still missing. */
  get missing(): number {
    return this.need.size;
  }

  /** Live trades held back. */
  get heldCount(): number {
    return this.held.length;
  }

  /** True when a page was asked for and its answer is awaited. */
  get waiting(): boolean {
    return this.inFlight >= 0;
  }

  /** Notes ids `from`…`to` (inclusive) as missing. */
  addMissing(from: number, to: number): void {
    for (let id = from; id <= to; id++) this.need.add(id);
  }

  /** True when `id` is missing. */
  isMissing(id: number): boolean {
    return this.need.has(id);
  }

  /** A live trade whose id was missing (a late frame): it fills the hole. */
  fill(t: PendingTrade): void {
    if (this.need.delete(t.id)) this.got.set(t.id, t);
  }

  /** A live trade newer than the gap, held back until the backfill ends. */
  hold(t: PendingTrade): void {
    this.held.push(t);
  }

  /**
   * The next page to ask for — `…/trades?after=<highest missing id + 1>&limit=<span, ≤ 1000>` — or
   * undefined when nothing is missing. Marks it in flight.
   */
  nextUrl(): string | undefined {
    if (this.need.size === 0) return undefined;
    let hi = -1;
    let lo = Infinity;
    for (const id of this.need) {
      if (id > hi) hi = id;
      if (id < lo) lo = id;
    }
    const cursor = hi + 1;
    this.inFlight = cursor;
    this.inFlightLimit = Math.min(COINBASE_PAGE_LIMIT, cursor - lo);
    return this.pageUrl();
  }

  /** The URL of the page in flight ("" when none). */
  pageUrl(): string {
    if (this.inFlight < 0) return "";
    return `${this.restBase}/products/${encodeURIComponent(this.product)}/trades?after=${this.inFlight}&limit=${this.inFlightLimit}`;
  }

  /** True when `url` is the page in flight (compared from the path on: a replay may use another host). */
  isPage(url: string): boolean {
    if (this.inFlight < 0) return false;
    const want = `/products/${encodeURIComponent(this.product)}/trades?after=${this.inFlight}&limit=${this.inFlightLimit}`;
    return url.endsWith(want);
  }

  /**
   * Takes a REST page (a JSON array of `{trade_id, price, size, side, time}`, newest first). Missing
   * ids it supplies are recovered; missing ids inside the range it covers but absent from it are
   * given up; the rest stay missing for the next page. Throws {@link FrameError} on a malformed body
   * (nothing taken then).
   */
  onPage(body: string): PageResult {
    const after = this.inFlight;
    const limit = this.inFlightLimit;
    this.inFlight = -1;
    const page = parseJsonExact(body);
    if (!Array.isArray(page)) throw new FrameError("trades page is not an array", 0);
    const trades = page.map((x) => this.readTrade(x));
    let recovered = 0;
    let lowest = after;
    for (const t of trades) {
      if (t.id < lowest) lowest = t.id;
      if (t.id < after && this.need.delete(t.id)) {
        this.got.set(t.id, t);
        recovered++;
      }
    }
    // The page covers (lowest, after) — or everything below `after` when it came back short (no older
    // trades exist). Missing ids in that range were not there: give them up.
    const floor = trades.length < limit ? -Infinity : lowest;
    let lost = 0;
    for (const id of [...this.need]) {
      if (id < after && id > floor) {
        this.need.delete(id);
        lost++;
      }
    }
    return { recovered, lost };
  }

  /** One trade of a page, checked and converted like a feed match. */
  private readTrade(x: ExactJson): PendingTrade {
    if (x === null || typeof x !== "object" || Array.isArray(x)) throw new FrameError("trade is not an object", 0);
    const o = x as Record<string, ExactJson>;
    const idText = o["trade_id"];
    if (typeof idText !== "string" || !/^\d{1,15}$/.test(idText)) throw new FrameError(`trade_id ${previewJson(idText, 40)} is not an integer`, 0);
    const price = o["price"];
    const size = o["size"];
    const when = o["time"];
    if (typeof price !== "string" || typeof size !== "string" || typeof when !== "string") {
      throw new FrameError(`trade ${idText} misses price, size or time`, 0);
    }
    const p = this.dec.value(price, 0, price.length, "price");
    let flags = this.dec.inexact ? TRADE_FLAG_INEXACT : 0;
    const s = this.dec.value(size, 0, size.length, "size");
    if (this.dec.inexact) flags |= TRADE_FLAG_INEXACT;
    this.time.readIso(when, 0, when.length);
    // Coinbase's `side` is the maker's, as on the feed: the taker took the other side.
    const side = o["side"] === "sell" ? Side.Buy : o["side"] === "buy" ? Side.Sell : Side.Unknown;
    return { id: Number(idText), fromRest: true, side, flags, price: p, size: s, seconds: this.time.seconds, nanos: this.time.nanos };
  }

  /** Gives up every id still missing (the page in flight is forgotten); returns how many. */
  giveUp(): number {
    const n = this.need.size;
    this.need.clear();
    this.inFlight = -1;
    return n;
  }

  /** Everything to publish — recovered and held trades — in trade-id order (then forgotten). */
  drain(): PendingTrade[] {
    const trades = [...this.got.values(), ...this.held].sort((a, b) => a.id - b.id);
    this.got.clear();
    this.held.length = 0;
    return trades;
  }
}
