/**
 * The symbols a Binance adapter follows: each symbol's instrument (from REST `exchangeInfo`, which
 * splits "BTCUSDT" into base and quote), depth book and id state, looked up from a frame's `s` span
 * (the last symbol is remembered: consecutive frames mostly repeat it).
 *
 * @example
 * ```ts
 * const symbols = new BinanceSymbols(new InstrumentTable(Venue.Binance), metrics, false);
 * symbols.add("BTCUSDT");
 * symbols.onExchangeInfo(body, io); // instruments of the listed symbols
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import { OrderBook } from "../common/book.ts";
import { spanIs } from "../common/frame-shape.ts";
import type { Instrument, InstrumentTable } from "../common/instruments.ts";
import { FrameError, type JsonCursor } from "../common/json-cursor.ts";
import type { AdapterMetrics } from "../common/metrics.ts";
import { DepthSync } from "./depth-sync.ts";

/** Per-symbol state. */
export interface SymbolState {
  /** Venue spelling ("BTCUSDT"). */
  readonly venueSymbol: string;
  /** The instrument once exchangeInfo listed the symbol. */
  ins: Instrument | undefined;
  /** The depth book. */
  readonly book: OrderBook;
  /** Bridging of diffs and snapshot. */
  readonly sync: DepthSync;
  /** Diff frames buffered while the snapshot is awaited… */
  buffered: string[];
  /** …and where each one's `data` starts. */
  bufferedPos: number[];
  /** Last trade id seen (-1: none). */
  lastTradeId: number;
  /** Last bookTicker update id seen (-1: none). */
  lastTickerId: number;
  /** The book changed since the last OrderBook message. */
  bookDirty: boolean;
  /** Clock time of the last OrderBook message, ms. */
  lastBookMs: number;
  /** Venue time of the last book change, ms. */
  bookMs: number;
}

/** Venue symbol → {@link SymbolState}. */
export class BinanceSymbols {
  /** Every symbol followed. */
  readonly byName = new Map<string, SymbolState>();
  private readonly table: InstrumentTable;
  private readonly metrics: AdapterMetrics;
  private readonly anySymbol: boolean;
  private last: SymbolState | undefined;

  /**
   * @param table instruments of the venue
   * @param metrics counts skipped instruments
   * @param anySymbol follow every symbol exchangeInfo lists
   */
  constructor(table: InstrumentTable, metrics: AdapterMetrics, anySymbol: boolean) {
    this.table = table;
    this.metrics = metrics;
    this.anySymbol = anySymbol;
  }

  /** Follows `s` (upper case); its instrument comes with exchangeInfo. */
  add(s: string): SymbolState {
    const state: SymbolState = {
      venueSymbol: s, ins: undefined, book: new OrderBook(), sync: new DepthSync(), buffered: [], bufferedPos: [],
      lastTradeId: -1, lastTickerId: -1, bookDirty: false, lastBookMs: -Infinity, bookMs: 0,
    };
    this.byName.set(s, state);
    return state;
  }

  /** The symbol of the string value under the cursor. */
  at(c: JsonCursor): SymbolState | undefined {
    c.stringSpan();
    return this.byName.get(c.text.slice(c.start, c.stop));
  }

  /** The symbol written in `text[start, stop)`; the last one found is remembered (frames mostly repeat it). */
  in(text: string, start: number, stop: number): SymbolState | undefined {
    const last = this.last;
    if (last !== undefined && spanIs(text, start, stop, last.venueSymbol)) return last;
    const s = this.byName.get(text.slice(start, stop));
    if (s !== undefined) this.last = s;
    return s;
  }

  /** The `exchangeInfo` answer: instruments of the symbols it lists (and, with `anySymbol`, every one). */
  onExchangeInfo(body: string, io: AdapterIo): void {
    const info = JSON.parse(body) as { symbols?: { symbol?: string; baseAsset?: string; quoteAsset?: string }[] };
    if (!Array.isArray(info.symbols)) throw new FrameError("exchangeInfo without symbols", 0);
    for (const x of info.symbols) {
      if (typeof x.symbol !== "string") continue;
      let s = this.byName.get(x.symbol);
      if (s === undefined && this.anySymbol) s = this.add(x.symbol);
      if (!s || typeof x.baseAsset !== "string" || typeof x.quoteAsset !== "string") continue;
      s.ins = this.table.addPair(s.venueSymbol, x.baseAsset, x.quoteAsset);
      if (!s.ins) {
        this.metrics.skippedInstruments++;
        if (!this.anySymbol) io.log(`skipping ${s.venueSymbol}: ${x.baseAsset}/${x.quoteAsset} cannot be represented`);
      }
    }
    for (const s of this.byName.values()) {
      if (!s.ins && !this.table.isSkipped(s.venueSymbol) && !this.anySymbol) io.log(`exchangeInfo does not list ${s.venueSymbol}; it is not subscribed`);
    }
  }
}
