/**
 * The latest market picture the risk manager, the paper engine, the planner and the portfolio share:
 * per instrument the last Quote, OrderBook and Trade (their TLV bytes copied into preallocated per-slot
 * storage — no allocation per message), the time of the last update, and DEX pool states through a
 * {@link PoolBook}. Values are decoded into `bigint` only when asked (orders and fills are rare next to
 * market data).
 *
 * "Now" is the latest header timestamp seen, so everything built on it is deterministic on replay.
 *
 * @example
 * ```ts
 * const market = new MarketState({ pools: poolCache.values() });
 * market.onMessage(view);               // every market-data message
 * market.quote(instrument)?.askPrice;   // bigint, 1e8
 * market.mark(instrument);              // mid of quote, else book, else last trade, else pool
 * ```
 * @module
 */

import { AssetType, POOL_FLAG_REMOVED, POOL_FLAG_V3, PRICE_SCALE, PoolMintField, TlvType, addressAssetId, type BookLevel, type InstrumentId, type MessageView } from "../../protocol/mod.ts";
import { PoolBook } from "../dex/pool-book.ts";
import type { PoolMeta } from "../dex/pool-cache.ts";
import { InstrumentTable } from "../instrument-table.ts";
import { PoolKind, type PoolState } from "../dex/pool-state.ts";
import { GasBook } from "../dex/gas-book.ts";
import { V3TickMap } from "../dex/v3-ticks.ts";

const TWO32 = 4_294_967_296;
const QUOTE = 52;
const TRADE = 40;

/** A decoded quote. */
export interface QuoteView {
  bidPrice: bigint;
  bidSize: bigint;
  askPrice: bigint;
  askSize: bigint;
  /** The venue's time of the quote (ns; 0 when the venue gave none). */
  quoteTimestamp: bigint;
}

/** A decoded book (levels best first). */
export interface BookView {
  bids: BookLevel[];
  asks: BookLevel[];
}

/** Options of a {@link MarketState}. */
export interface MarketStateOptions {
  /** Most instruments tracked (default 4096). */
  maxInstruments?: number;
  /** DEX pool metadata (PROTOCOL §8). */
  pools?: Iterable<PoolMeta>;
}

/** Latest quotes, books, trades and pools. */
export class MarketState {
  /** Instruments seen. */
  readonly instruments: InstrumentTable;
  /** DEX pools. */
  readonly pools: PoolBook;
  /** Latest gas price per chain (GasPrice TLVs). */
  readonly gas = new GasBook();
  /** Initialized ticks of V3 pools (by pool index) from the PoolMint/PoolBurn seen. */
  readonly ticks = new Map<number, V3TickMap>();
  /** Header stamp (ns, float) of the message that carried each slot's latest update; 0 = never. */
  readonly updatedAt: Float64Array;
  private readonly quotes: Uint8Array;
  private readonly quotesDv: DataView;
  private readonly tradesDv: DataView;
  private readonly hasQuote: Uint8Array;
  private readonly trades: Uint8Array;
  private readonly hasTrade: Uint8Array;
  private readonly books: (Uint8Array | undefined)[] = [];
  private readonly bookLength: Int32Array;
  private readonly poolsByAssetId = new Map<bigint, PoolState>();
  private nowHi = 0;
  private nowLo = 0;
  /** Market-data TLVs dropped because the instrument table is full. */
  dropped = 0;

  /** @param options capacity and pools */
  constructor(options: MarketStateOptions = {}) {
    const n = options.maxInstruments ?? 4096;
    this.instruments = new InstrumentTable(n);
    this.updatedAt = new Float64Array(n);
    this.quotes = new Uint8Array(n * QUOTE);
    this.quotesDv = new DataView(this.quotes.buffer);
    this.hasQuote = new Uint8Array(n);
    this.trades = new Uint8Array(n * TRADE);
    this.tradesDv = new DataView(this.trades.buffer);
    this.hasTrade = new Uint8Array(n);
    this.bookLength = new Int32Array(n);
    this.pools = new PoolBook(options.pools ?? []);
    for (const p of this.pools.pools) this.poolsByAssetId.set(addressAssetId(p.address), p);
  }

  /** Latest header timestamp seen (ns). */
  get now(): bigint {
    return (BigInt(this.nowHi) << 32n) | BigInt(this.nowLo);
  }

  /** Latest header timestamp seen, as float ns. */
  get nowNs(): number {
    return this.nowHi * TWO32 + this.nowLo;
  }

  /** Notes the message's time; stores every Quote, Trade, OrderBook and pool TLV it carries. */
  onMessage(view: MessageView): void {
    this.noteTime(view);
    if (!view.firstTlv()) return;
    do this.onTlv(view);
    while (view.nextTlv());
  }

  /** Advances "now" to the message's header time (never backwards). */
  noteTime(view: MessageView): void {
    const dv = view.dv;
    const lo = dv.getUint32(view.start + 16, true);
    const hi = dv.getUint32(view.start + 20, true);
    if (hi > this.nowHi || (hi === this.nowHi && lo > this.nowLo)) {
      this.nowHi = hi;
      this.nowLo = lo;
    }
  }

  /** Stores the TLV under the cursor if it is market data. */
  onTlv(view: MessageView): void {
    const t = view.tlvType;
    if (t === TlvType.Quote || t === TlvType.Trade || t === TlvType.OrderBook) {
      const slot = this.instruments.slotAt(view.dv, view.tlvStart, true);
      if (slot < 0) {
        this.dropped++;
        return;
      }
      // Quotes and trades are copied in 32-bit words (both sizes are multiples of 4): a subarray per
      // update would be garbage on the hot path, a byte loop costs four times the reads.
      const from = view.tlvStart;
      if (t === TlvType.Quote) {
        const src = view.dv;
        const q = this.quotesDv;
        for (let i = 0, o = slot * QUOTE; i < QUOTE; i += 4) q.setUint32(o + i, src.getUint32(from + i, true), true);
        this.hasQuote[slot] = 1;
      } else if (t === TlvType.Trade) {
        const src = view.dv;
        const tr = this.tradesDv;
        for (let i = 0, o = slot * TRADE; i < TRADE; i += 4) tr.setUint32(o + i, src.getUint32(from + i, true), true);
        this.hasTrade[slot] = 1;
      } else {
        const src = view.u8.subarray(from, from + view.tlvLength);
        let buf = this.books[slot];
        if (buf === undefined || buf.length < src.length) this.books[slot] = buf = new Uint8Array(Math.max(src.length, 32 + 16 * 20));
        buf.set(src, 0);
        this.bookLength[slot] = src.length;
      }
      // Dated by the stamp of the message that carried it, not by "now": data from an adapter whose clock
      // is behind is older than it arrived (risk judges its age), as pool states already are.
      this.updatedAt[slot] = view.dv.getUint32(view.start + 20, true) * TWO32 + view.dv.getUint32(view.start + 16, true);
    } else if (t >= TlvType.PoolSwap && t <= TlvType.PoolSync) {
      this.pools.apply(view);
      if (t === TlvType.PoolMint || t === TlvType.PoolBurn) {
        // The book reports only mints that change the active range; every position goes into the tick map.
        const pool = this.pools.byAddress(view.address(PoolMintField.pool));
        if (pool !== undefined) this.noteTicks(view, pool, t === TlvType.PoolMint);
      }
    } else if (t === TlvType.GasPrice) {
      this.gas.onGasPrice(view);
    }
  }

  /** A V3 mint/burn into the pool's tick map (reorg-removed events are left out). */
  private noteTicks(view: MessageView, pool: PoolState, mint: boolean): void {
    const flags = view.u8At(PoolMintField.flags);
    if ((flags & POOL_FLAG_V3) === 0 || (flags & POOL_FLAG_REMOVED) !== 0) return;
    let map = this.ticks.get(pool.index);
    if (map === undefined) this.ticks.set(pool.index, (map = new V3TickMap(pool.tickSpacing)));
    const l = view.u128(PoolMintField.liquidity);
    map.apply(view.i32(PoolMintField.tickLower), view.i32(PoolMintField.tickUpper), mint ? l : -l);
  }

  /** Slot of an instrument (-1 when never seen). */
  slot(id: InstrumentId): number {
    return this.instruments.slotOf(id, false);
  }

  /** Latest quote of an instrument. */
  quote(id: InstrumentId): QuoteView | undefined {
    const s = this.slot(id);
    if (s < 0 || this.hasQuote[s] === 0) return undefined;
    const dv = new DataView(this.quotes.buffer, s * QUOTE, QUOTE);
    return { bidPrice: dv.getBigInt64(12, true), bidSize: dv.getBigInt64(20, true), askPrice: dv.getBigInt64(28, true), askSize: dv.getBigInt64(36, true), quoteTimestamp: dv.getBigUint64(44, true) };
  }

  /** Latest book of an instrument. */
  book(id: InstrumentId): BookView | undefined {
    const s = this.slot(id);
    const buf = s < 0 ? undefined : this.books[s];
    if (buf === undefined) return undefined;
    const dv = new DataView(buf.buffer, 0, this.bookLength[s]);
    const bidCount = dv.getUint16(28, true);
    const askCount = dv.getUint16(30, true);
    const level = (i: number): BookLevel => ({ price: dv.getBigInt64(32 + 16 * i, true), size: dv.getBigInt64(40 + 16 * i, true) });
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (let i = 0; i < bidCount; i++) bids.push(level(i));
    for (let i = 0; i < askCount; i++) asks.push(level(bidCount + i));
    return { bids, asks };
  }

  /** Latest trade price of an instrument. */
  lastTrade(id: InstrumentId): bigint | undefined {
    const s = this.slot(id);
    if (s < 0 || this.hasTrade[s] === 0) return undefined;
    return new DataView(this.trades.buffer, s * TRADE + 16, 8).getBigInt64(0, true);
  }

  /** The pool behind a pool instrument (assetId = first 8 address bytes). */
  poolOf(id: InstrumentId): PoolState | undefined {
    if (id.assetType !== AssetType.Pool) return undefined;
    let p = this.poolsByAssetId.get(id.assetId);
    if (p === undefined) {
      for (const q of this.pools.pools) this.poolsByAssetId.set(addressAssetId(q.address), q);
      p = this.poolsByAssetId.get(id.assetId);
    }
    return p;
  }

  /** Best bid and ask: from the book when newer data is a book, else the quote. */
  topOfBook(id: InstrumentId): { bid?: bigint; ask?: bigint } {
    const b = this.book(id);
    const q = this.quote(id);
    const bid = b?.bids[0]?.price ?? (q && q.bidSize > 0n ? q.bidPrice : undefined);
    const ask = b?.asks[0]?.price ?? (q && q.askSize > 0n ? q.askPrice : undefined);
    return { bid, ask };
  }

  /**
   * Mark price (1e8): mid of the best bid/ask, else the last trade, else (pool instruments) the pool's
   * marginal price of token0 in token1 (whole units, 1e8).
   */
  mark(id: InstrumentId): bigint | undefined {
    const { bid, ask } = this.topOfBook(id);
    if (bid !== undefined && ask !== undefined) return (bid + ask) / 2n;
    const last = this.lastTrade(id);
    if (last !== undefined) return last;
    const pool = this.poolOf(id);
    return pool === undefined ? undefined : poolMidPrice(pool);
  }

  /** Header stamp (float ns) of the latest data of an instrument (pools: their latest state), 0 when never. */
  lastUpdate(id: InstrumentId): number {
    const pool = this.poolOf(id);
    if (pool !== undefined) return pool.hasState ? pool.updatedAt : 0;
    const s = this.slot(id);
    return s < 0 ? 0 : this.updatedAt[s]!;
  }
}

/** Marginal price of token0 in token1, whole units, 1e8 (e.g. a WETH/USDC pool with WETH as token0: USD per WETH). */
export function poolMidPrice(pool: PoolState): bigint | undefined {
  if (!pool.hasState) return undefined;
  pool.materialize();
  const d0 = 10n ** BigInt(pool.decimals0);
  const d1 = 10n ** BigInt(pool.decimals1);
  if (pool.kind === PoolKind.V2) return (pool.reserve1 * d0 * PRICE_SCALE) / (pool.reserve0 * d1);
  return (pool.sqrtPriceX96 * pool.sqrtPriceX96 * d0 * PRICE_SCALE) / ((1n << 192n) * d1);
}
