/**
 * The products a Coinbase adapter follows: each product's instrument, book and sequence state, looked
 * up from the span of a frame's `product_id` (the last product is remembered: consecutive frames are
 * mostly of one product).
 *
 * @example
 * ```ts
 * const products = new CoinbaseProducts(new InstrumentTable(Venue.Coinbase), metrics, false);
 * products.add("BTC-USD");
 * products.at(text, start, stop); // the product, or undefined (counted unknown)
 * ```
 * @module
 */

import { OrderBook } from "../common/book.ts";
import type { Instrument, InstrumentTable } from "../common/instruments.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { spanIs } from "../common/frame-shape.ts";
import type { TradeBackfill } from "./backfill.ts";

/** Per-product state. */
export interface Product {
  /** The product's instrument. */
  readonly ins: Instrument;
  /** The maintained level-2 book. */
  readonly book: OrderBook;
  /** The book holds a snapshot and the updates after it. */
  bookReady: boolean;
  /** The book changed since the last OrderBook message. */
  bookDirty: boolean;
  /** Clock time of the last OrderBook message, ms. */
  lastBookMs: number;
  /** Last `sequence` seen (-1: none). */
  lastSequence: number;
  /** Last `trade_id` seen (-1: none). */
  lastTradeId: number;
  /** The backfill of a trade gap in progress (newer trades are held back meanwhile). */
  backfill: TradeBackfill | undefined;
  /** Venue time of the last book change: whole seconds. */
  bookSec: number;
  /** Venue time of the last book change: nanoseconds within the second. */
  bookNanos: number;
}

/** Product id → {@link Product}. */
export class CoinbaseProducts {
  /** Every product followed, by id. */
  readonly byId = new Map<string, Product>();
  private readonly table: InstrumentTable;
  private readonly metrics: AdapterMetrics;
  private readonly anySymbol: boolean;
  /** The product of the last frame, and its id. */
  private last: Product | undefined;
  private lastId = "";

  /**
   * @param table instruments of the venue
   * @param metrics counts skipped and unknown instruments
   * @param anySymbol follow products that appear without being configured
   */
  constructor(table: InstrumentTable, metrics: AdapterMetrics, anySymbol: boolean) {
    this.table = table;
    this.metrics = metrics;
    this.anySymbol = anySymbol;
  }

  /** Follows product `id` ("BTC-USD"); undefined (counted skipped) when it cannot be represented. */
  add(id: string): Product | undefined {
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
    this.byId.set(id, p);
    return p;
  }

  /** The product named by `text[a, b)`; undefined (counted unknown) when not followed. */
  at(text: string, a: number, b: number): Product | undefined {
    if (this.last !== undefined && spanIs(text, a, b, this.lastId)) return this.last;
    const p = this.byIdOrNew(text.slice(a, b));
    if (p !== undefined) {
      this.last = p;
      this.lastId = p.ins.venueSymbol;
    }
    return p;
  }

  private byIdOrNew(id: string): Product | undefined {
    let p = this.byId.get(id);
    if (p === undefined && this.anySymbol && !this.table.isSkipped(id)) p = this.add(id);
    if (p === undefined) this.metrics.unknownInstruments++;
    return p;
  }
}
