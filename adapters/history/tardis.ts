/**
 * tardis.dev CSV → Protocol V2 market data, one message per event, exact decimals:
 *
 * - `trades` → Trade (side = the taker side as tardis gives it: `buy`, `sell`, `unknown` → 0);
 * - `quotes` → Quote (an empty side → price and size 0);
 * - `book_snapshot_N` → OrderBook with the N levels a side the row holds (empty cells end a side);
 * - `incremental_book_L2` → a book kept per instrument (exact bigint levels, `amount` 0 removes a level,
 *   a run of `is_snapshot=true` rows replaces the book) published as an OrderBook of the best
 *   `bookDepth` levels after each venue update — the rows of one instrument with one `timestamp` —
 *   the way the live adapters express depth changes (the OrderBook TLV is a snapshot of the top levels).
 *
 * Header timestamp = the venue's event time (`timestamp`, µs → ns), as are the Trade/Quote/OrderBook
 * times; sequence counts up from 1 over the whole import for the one `source`. A row that cannot be
 * turned into a message is a bad row in the {@link FileReport} with its line and reason.
 *
 * @example
 * ```ts
 * const t = new TardisImporter(recording, { source: 90, symbols: new SymbolResolver() });
 * await t.importFile("binance-futures_trades_BTCUSDT_2020-02-22.csv", report.file("trades.csv"));
 * ```
 * @module
 */

import { isProtocolError, MessageBuilder, RelayDomain, Side, TlvType, TRADE_FLAG_INEXACT, U64_MAX } from "../../protocol/mod.ts";
import { OrderBook } from "../common/book.ts";
import { DecimalReader } from "../common/decimal.ts";
import type { MessageSink } from "../common/sink.ts";
import { ImportError, ImportErrorKind } from "./errors.ts";
import { readFileLineBatches, type FileLine } from "./lines.ts";
import type { FileReport } from "./report.ts";
import { detectTardisFormat, TARDIS_FORMATS, type TardisFormat } from "./tardis-format.ts";
import { importVenue, unknownExchangeReason, type ImportInstrument, type ImportVenueInfo, type SymbolResolver } from "./venues.ts";

/** Options of {@link TardisImporter}. */
export interface TardisOptions {
  /** Header `source` (PROTOCOL §6: replay/recorder 90–99). */
  readonly source: number;
  /** Venue symbol → instrument. */
  readonly symbols: SymbolResolver;
  /** Extra exchange names → venue (`--venue-map`). */
  readonly venueMap?: ReadonlyMap<string, ImportVenueInfo>;
  /** Levels a side published from an incremental book (default 25). */
  readonly bookDepth?: number;
}

/** A row that yields no message, and why. */
class RowError extends Error {}

interface L2State {
  readonly book: OrderBook;
  readonly ins: ImportInstrument;
  inSnapshot: boolean;
}

/** Imports tardis.dev CSV files into one message stream. */
export class TardisImporter {
  /** Values rounded to 10^8 (Trade rows also carry the `inexact` flag). */
  inexact = 0;
  private readonly sink: MessageSink;
  private readonly source: number;
  private readonly symbols: SymbolResolver;
  private readonly venueMap: ReadonlyMap<string, ImportVenueInfo> | undefined;
  private readonly bookDepth: number;
  private readonly b = new MessageBuilder(1 << 20);
  private readonly dec = new DecimalReader();
  private lastExchange = "";
  private lastSymbol = "";
  private lastIns: ImportInstrument | undefined;

  /** @param sink where messages go @param options see {@link TardisOptions} */
  constructor(sink: MessageSink, options: TardisOptions) {
    this.sink = sink;
    this.source = options.source;
    this.symbols = options.symbols;
    this.venueMap = options.venueMap;
    this.bookDepth = options.bookDepth ?? 25;
    if (!Number.isInteger(this.bookDepth) || this.bookDepth < 1 || this.bookDepth > 2000) {
      throw new ImportError(ImportErrorKind.BadOption, "", 0, `book depth ${this.bookDepth} must be an integer in 1…2000`);
    }
  }

  /** Imports one file; its first line must be a tardis header. */
  async importFile(path: string, report: FileReport): Promise<void> {
    await this.importLines(readFileLineBatches(path), path, report);
  }

  /** Imports numbered lines of one file, in batches (`name` for messages). */
  async importLines(batches: AsyncIterable<readonly FileLine[]>, name: string, report: FileReport): Promise<void> {
    let format: TardisFormat | undefined;
    const l2 = new Map<string, L2State>();
    let pending: L2State | undefined;
    let pendingTime = -1n;
    const flushL2 = (): void => {
      if (pending !== undefined) report.messages += this.writeBook(pending.ins, pending.book, this.bookDepth, pendingTime);
      pending = undefined;
    };
    for await (const batch of batches) for (const { line, text } of batch) {
      if (format === undefined) {
        format = detectTardisFormat(text);
        if (format === undefined) {
          throw new ImportError(ImportErrorKind.UnknownFormat, name, line,
            `the first line is not a tardis.dev CSV header of ${TARDIS_FORMATS} (got ${JSON.stringify(text.slice(0, 120))})`);
        }
        report.format = format.name;
        continue;
      }
      if (text.length === 0) continue;
      report.rows++;
      try {
        const f = text.split(",");
        if (f.length !== format.columns) throw new RowError(`${f.length} fields where the header has ${format.columns}`);
        const ins = this.instrument(f[format.common.exchange]!, f[format.common.symbol]!);
        const ts = microsToNanos(f[format.common.timestamp]!);
        switch (format.kind) {
          case "trades":
            report.messages += this.trade(ins, f, format, ts);
            break;
          case "quotes":
            report.messages += this.quote(ins, f, format, ts);
            break;
          case "book_snapshot":
            report.messages += this.snapshot(ins, f, format, ts);
            break;
          case "incremental_book_L2": {
            const key = `${ins.venue}:${ins.assetType}:${ins.assetId}`;
            let st = l2.get(key);
            if (st === undefined) l2.set(key, (st = { book: new OrderBook(), ins, inSnapshot: false }));
            if (pending !== undefined && (pending !== st || pendingTime !== ts)) flushL2();
            this.applyL2(st, f, format);
            pending = st;
            pendingTime = ts;
            break;
          }
        }
      } catch (e) {
        if (e instanceof RowError) report.bad(line, e.message);
        else if (isProtocolError(e)) report.bad(line, e.message.replace(/^[A-Za-z]+: /, ""));
        else throw e;
      }
    }
    flushL2();
    if (format === undefined) throw new ImportError(ImportErrorKind.UnknownFormat, name, 0, "the file is empty (no tardis.dev CSV header)");
  }

  private instrument(exchange: string, symbol: string): ImportInstrument {
    if (exchange === this.lastExchange && symbol === this.lastSymbol && this.lastIns !== undefined) return this.lastIns;
    const venue = importVenue(exchange, this.venueMap);
    if (venue === undefined) throw new RowError(unknownExchangeReason(exchange));
    const r = this.symbols.resolve(symbol, venue);
    if (typeof r === "string") throw new RowError(r);
    this.lastExchange = exchange;
    this.lastSymbol = symbol;
    this.lastIns = r;
    return r;
  }

  private decimal(text: string, field: string, allowEmpty = false): bigint {
    if (text.length === 0) {
      if (allowEmpty) return 0n;
      throw new RowError(`${field} is empty`);
    }
    const v = this.dec.read(text, 0, text.length, field);
    if (v < 0n) throw new RowError(`${field} ${JSON.stringify(text)} is negative`);
    if (this.dec.inexact) this.inexact++;
    return v;
  }

  private begin(ts: bigint): MessageBuilder {
    return this.b.begin(RelayDomain.MarketData, this.source, 0).setTimestamp(ts);
  }

  private trade(ins: ImportInstrument, f: string[], fmt: Extract<TardisFormat, { kind: "trades" }>, ts: bigint): number {
    const s = f[fmt.side]!;
    const side = s === "buy" ? Side.Buy : s === "sell" ? Side.Sell : s === "unknown" || s === "" ? Side.Unknown : -1;
    if (side < 0) throw new RowError(`side ${JSON.stringify(s)} is not buy, sell or unknown`);
    const price = this.decimal(f[fmt.price]!, "price");
    const priceInexact = this.dec.inexact;
    const size = this.decimal(f[fmt.amount]!, "amount");
    const flags = priceInexact || this.dec.inexact ? TRADE_FLAG_INEXACT : 0;
    this.sink.publish(this.begin(ts).addTrade(ins.assetId, ins.venue, ins.assetType, side, flags, price, size, ts).finish());
    return 1;
  }

  private quote(ins: ImportInstrument, f: string[], fmt: Extract<TardisFormat, { kind: "quotes" }>, ts: bigint): number {
    const bidPrice = this.decimal(f[fmt.bidPrice]!, "bid_price", true);
    const bidSize = this.decimal(f[fmt.bidAmount]!, "bid_amount", true);
    const askPrice = this.decimal(f[fmt.askPrice]!, "ask_price", true);
    const askSize = this.decimal(f[fmt.askAmount]!, "ask_amount", true);
    this.sink.publish(this.begin(ts).addQuote(ins.assetId, ins.venue, ins.assetType, bidPrice, bidSize, askPrice, askSize, ts).finish());
    return 1;
  }

  private snapshot(ins: ImportInstrument, f: string[], fmt: Extract<TardisFormat, { kind: "book_snapshot" }>, ts: bigint): number {
    const bids = this.levels(f, fmt.bidPrice, fmt.bidAmount, "bids", true);
    const asks = this.levels(f, fmt.askPrice, fmt.askAmount, "asks", false);
    const b = this.begin(ts);
    const at = b.reserve(TlvType.OrderBook, 32 + 16 * (bids.length + asks.length) / 2);
    writeBookHead(b.dv, at, ins, ts, bids.length / 2, asks.length / 2);
    let p = at + 32;
    for (const v of bids) (b.dv.setBigInt64(p, v, true), (p += 8));
    for (const v of asks) (b.dv.setBigInt64(p, v, true), (p += 8));
    this.sink.publish(b.finish());
    return 1;
  }

  /** One side's levels as [price, size, price, size, …], best first; checks order and gaps. */
  private levels(f: string[], prices: readonly number[], amounts: readonly number[], side: string, descending: boolean): bigint[] {
    const out: bigint[] = [];
    let ended = -1;
    for (let i = 0; i < prices.length; i++) {
      const pt = f[prices[i]!]!;
      const at = f[amounts[i]!]!;
      if (pt.length === 0 && at.length === 0) {
        if (ended < 0) ended = i;
        continue;
      }
      if (ended >= 0) throw new RowError(`${side}[${i}] has a value after the empty ${side}[${ended}]`);
      const price = this.decimal(pt, `${side}[${i}].price`);
      const size = this.decimal(at, `${side}[${i}].amount`);
      const prev = out.length >= 2 ? out[out.length - 2]! : undefined;
      if (prev !== undefined && (descending ? price >= prev : price <= prev)) {
        throw new RowError(`${side}[${i}].price ${pt} is not ${descending ? "below" : "above"} ${side}[${i - 1}].price`);
      }
      out.push(price, size);
    }
    return out;
  }

  private applyL2(st: L2State, f: string[], fmt: Extract<TardisFormat, { kind: "incremental_book_L2" }>): void {
    const snap = f[fmt.isSnapshot]!;
    if (snap !== "true" && snap !== "false") throw new RowError(`is_snapshot ${JSON.stringify(snap)} is not true or false`);
    const s = f[fmt.side]!;
    if (s !== "bid" && s !== "ask") throw new RowError(`side ${JSON.stringify(s)} is not bid or ask`);
    const price = this.decimal(f[fmt.price]!, "price");
    const size = this.decimal(f[fmt.amount]!, "amount");
    if (snap === "true") {
      if (!st.inSnapshot) st.book.clear();
      st.inSnapshot = true;
    } else {
      st.inSnapshot = false;
    }
    (s === "bid" ? st.book.bids : st.book.asks).set(price, size);
  }

  private writeBook(ins: ImportInstrument, book: OrderBook, depth: number, ts: bigint): number {
    const nb = Math.min(depth, book.bids.length);
    const na = Math.min(depth, book.asks.length);
    const b = this.begin(ts);
    const at = b.reserve(TlvType.OrderBook, 32 + 16 * (nb + na));
    writeBookHead(b.dv, at, ins, ts, nb, na);
    let p = at + 32;
    for (let i = 0; i < nb; i++, p += 16) {
      b.dv.setBigInt64(p, book.bids.prices[i]!, true);
      b.dv.setBigInt64(p + 8, book.bids.sizes[i]!, true);
    }
    for (let i = 0; i < na; i++, p += 16) {
      b.dv.setBigInt64(p, book.asks.prices[i]!, true);
      b.dv.setBigInt64(p + 8, book.asks.sizes[i]!, true);
    }
    this.sink.publish(b.finish());
    return 1;
  }
}

function writeBookHead(dv: DataView, at: number, ins: ImportInstrument, ts: bigint, bids: number, asks: number): void {
  dv.setBigUint64(at, ins.assetId, true);
  dv.setUint16(at + 8, ins.venue, true);
  dv.setUint8(at + 10, ins.assetType);
  dv.setUint8(at + 11, 0);
  dv.setBigUint64(at + 12, ts, true);
  dv.setBigUint64(at + 20, 0n, true); // tardis gives no exchange sequence
  dv.setUint16(at + 28, bids, true);
  dv.setUint16(at + 30, asks, true);
}

/** tardis µs text → ns; a {@link RowError} unless it is 1–17 digits. */
function microsToNanos(text: string): bigint {
  if (!/^\d{1,17}$/.test(text)) throw new RowError(`timestamp ${JSON.stringify(text)} is not µs since the epoch`);
  const ns = BigInt(text) * 1000n;
  if (ns > U64_MAX) throw new RowError(`timestamp ${text} is out of range`);
  return ns;
}
