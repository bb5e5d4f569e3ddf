/**
 * The symbols a Kraken adapter follows: each symbol's instrument, checksummed book and trade-id state,
 * by canonical name ("BTC/USD") and, when it differs, by the name given ("XBT/USD"); looked up from a
 * frame's `symbol` (the last symbol is remembered: consecutive trades mostly repeat it).
 *
 * @example
 * ```ts
 * const symbols = new KrakenSymbols(new InstrumentTable(Venue.Kraken), metrics, false);
 * symbols.add("XBT/USD"); // followed as BTC/USD
 * ```
 * @module
 */

import { canonicalSymbol } from "../../protocol/mod.ts";
import { OrderBook } from "../common/book.ts";
import { spanIs } from "../common/frame-shape.ts";
import type { Instrument, InstrumentTable } from "../common/instruments.ts";
import type { JsonCursor } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";

/** Per-symbol state. */
export interface SymbolState {
  /** The symbol's instrument. */
  readonly ins: Instrument;
  /** The book, kept to the subscribed depth with the levels' original text (for the checksum). */
  readonly book: OrderBook;
  /** The book holds a snapshot and the updates after it. */
  bookReady: boolean;
  /** The book changed since the last OrderBook message. */
  bookDirty: boolean;
  /** Clock time of the last OrderBook message, ms. */
  lastBookMs: number;
  /** Venue time of the last book change: whole seconds. */
  bookSec: number;
  /** Venue time of the last book change: nanoseconds within the second. */
  bookNanos: number;
  /** Last trade id seen (-1: none). */
  lastTradeId: number;
  /** Book messages applied (the OrderBook sequence). */
  updates: number;
}

/** Splits "BTC/USD" into canonical base and quote. */
export function splitKrakenSymbol(symbol: string): [string, string] | undefined {
  const m = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)$/.exec(symbol);
  return m ? [canonicalSymbol(m[1]!), canonicalSymbol(m[2]!)] : undefined;
}

/** Symbol → {@link SymbolState}. */
export class KrakenSymbols {
  /** Every symbol followed, by canonical name and by the name given. */
  readonly byName = new Map<string, SymbolState>();
  private readonly table: InstrumentTable;
  private readonly metrics: AdapterMetrics;
  private readonly anySymbol: boolean;
  private last: SymbolState | undefined;

  /**
   * @param table instruments of the venue
   * @param metrics counts skipped instruments
   * @param anySymbol follow symbols that appear without being configured
   */
  constructor(table: InstrumentTable, metrics: AdapterMetrics, anySymbol: boolean) {
    this.table = table;
    this.metrics = metrics;
    this.anySymbol = anySymbol;
  }

  /** Follows `raw`; undefined (counted skipped) when it cannot be represented. */
  add(raw: string): SymbolState | undefined {
    const parts = splitKrakenSymbol(raw);
    const venueSymbol = parts ? `${parts[0]}/${parts[1]}` : raw;
    const ins = parts ? this.table.addPair(venueSymbol, parts[0], parts[1]) : undefined;
    if (!ins) {
      this.metrics.skippedInstruments++;
      return undefined;
    }
    const s: SymbolState = {
      ins, book: new OrderBook(true), bookReady: false, bookDirty: false, lastBookMs: -Infinity, bookSec: 0, bookNanos: 0,
      lastTradeId: -1, updates: 0,
    };
    this.byName.set(venueSymbol, s);
    if (venueSymbol !== raw) this.byName.set(raw, s);
    return s;
  }

  /** The symbol of the string value under the cursor (added when `anySymbol`). */
  at(c: JsonCursor): SymbolState | undefined {
    c.stringSpan();
    const sym = c.text.slice(c.start, c.stop);
    const s = this.byName.get(sym);
    if (s !== undefined || !this.anySymbol || this.table.isSkipped(sym)) return s;
    return this.add(sym);
  }

  /** The symbol written in `text[start, stop)` (added when `anySymbol`); the last one found is remembered. */
  in(text: string, start: number, stop: number): SymbolState | undefined {
    const last = this.last;
    if (last !== undefined && spanIs(text, start, stop, last.ins.venueSymbol)) return last;
    const sym = text.slice(start, stop);
    let s = this.byName.get(sym);
    if (s === undefined && this.anySymbol && !this.table.isSkipped(sym)) s = this.add(sym);
    if (s !== undefined && s.ins.venueSymbol === sym) this.last = s;
    return s;
  }
}
