/**
 * Latest state of every DEX pool, kept from PoolSync (V2 reserves), PoolSwap (V3 price, liquidity and
 * tick after the swap) and V3 PoolMint/PoolBurn (active liquidity inside the current range), per pool
 * address, with the token pair and fee from the pool cache (PROTOCOL.md §8).
 *
 * The hot path allocates nothing: the pool is found from the address bytes ({@link AddressTable}), the
 * raw u128/u160 words are copied into the pool's preallocated `Uint32Array`, and a float estimate of the
 * price is kept for cheap screening. Exact `bigint` values are materialised only when someone asks
 * ({@link PoolState.materialize}), once per state change.
 *
 * Pools missing from the cache are learnt when possible: a V2 pool from its first PoolSwap (tokens in the
 * TLV, tokens sorted as the factory sorts them, the configured default V2 fee); its reserves from a
 * PoolSync seen before that are kept. A V3 pool needs its fee, so an unknown V3 pool is counted and
 * skipped.
 *
 * The pool itself ({@link PoolState}, {@link PoolKind}, pair groups) is in pool-state.ts, its raw words in
 * pool-words.ts.
 *
 * @example
 * ```ts
 * const book = new PoolBook(poolCache.values());
 * if (view.firstTlv()) do { const pool = book.apply(view); if (pool) react(pool); } while (view.nextTlv());
 * ```
 * @module
 */

import { PoolSyncField, PoolSwapField, PoolMintField, POOL_FLAG_REMOVED, POOL_FLAG_V3, TlvType, parseAddress, type MessageView } from "../../protocol/mod.ts";
import { AddressTable } from "./address-table.ts";
import type { PoolMeta } from "./pool-cache.ts";
import { type PairGroup, PoolKind, PoolState } from "./pool-state.ts";
import { readWords, TWO128, TWO32, TWO96, words128 } from "./pool-words.ts";

/** A token seen in the pool cache or learnt from swaps. */
export interface TokenInfo {
  readonly id: number;
  readonly address: string;
  /** The address's 20 bytes. */
  readonly addressBytes: Uint8Array;
  /** Token decimals; −1 while unknown. */
  decimals: number;
}

/** Counters of everything the book ignored, for metrics. */
export interface PoolBookCounters {
  /** Pool TLVs for a pool neither cached nor learnable. */
  unknownPool: number;
  /** Pool updates flagged removed-by-reorg (the pool's state is invalidated until its next update). */
  removed: number;
  /** Updates older (block, log index) than the state held. */
  outOfOrder: number;
  /** A V2 TLV for a V3 pool or the reverse. */
  kindMismatch: number;
  /** V2 pools learnt from swaps. */
  learnt: number;
}

/** Options of a {@link PoolBook}. */
export interface PoolBookOptions {
  /** Fee of V2 pools learnt from swaps (pips; default 3000). */
  defaultV2Fee?: number;
  /** Learn V2 pools missing from the cache from their swaps (default true). */
  learnV2?: boolean;
}

/** The pools, their tokens and pair groups, updated in place from market data. */
export class PoolBook {
  /** Every pool by index. */
  readonly pools: PoolState[] = [];
  /** Every token by id. */
  readonly tokens: TokenInfo[] = [];
  /** Pair groups by `token0 * 2^20 + token1`. */
  readonly pairs = new Map<number, PairGroup>();
  /** What was ignored. */
  readonly counters: PoolBookCounters = { unknownPool: 0, removed: 0, outOfOrder: 0, kindMismatch: 0, learnt: 0 };
  private readonly table = new AddressTable();
  private readonly tokenIds = new Map<string, number>();
  private readonly defaultV2Fee: number;
  private readonly learnV2: boolean;

  /** @param meta pools from the cache @param options learning behaviour */
  constructor(meta: Iterable<PoolMeta> = [], options: PoolBookOptions = {}) {
    this.defaultV2Fee = options.defaultV2Fee ?? 3000;
    this.learnV2 = options.learnV2 ?? true;
    for (const m of meta) this.register(m);
  }

  /** The pool at a `0x…` address, if known. */
  byAddress(address: string): PoolState | undefined {
    const i = this.table.lookupHex(address);
    return i < 0 ? undefined : this.pools[i];
  }

  /**
   * The id of a token address (interned on first sight). `decimals` −1 means not known yet; a later call
   * that knows them fills them in.
   */
  tokenId(address: string, decimals = -1): number {
    const a = address.toLowerCase();
    let id = this.tokenIds.get(a);
    if (id === undefined) {
      id = this.tokens.length;
      this.tokens.push({ id, address: a, addressBytes: parseAddress(a), decimals });
      this.tokenIds.set(a, id);
    } else if (decimals >= 0 && this.tokens[id]!.decimals < 0) {
      this.tokens[id]!.decimals = decimals;
    }
    return id;
  }

  /** The id of a known token address, or -1. */
  findToken(address: string): number {
    return this.tokenIds.get(address.toLowerCase()) ?? -1;
  }

  /** Adds (or replaces the metadata of) a pool from the cache. */
  register(m: PoolMeta): PoolState {
    const existing = this.byAddress(m.address);
    const pool = existing ?? this.newPool(m.address, m.kind === "v3" ? PoolKind.V3 : PoolKind.V2, m.venue, m.fee, m.tickSpacing);
    pool.kind = m.kind === "v3" ? PoolKind.V3 : PoolKind.V2;
    pool.venue = m.venue;
    pool.fee = m.fee;
    pool.feeBig = BigInt(m.fee);
    pool.tickSpacing = m.tickSpacing;
    this.setTokens(pool, m.token0, m.decimals0, m.token1, m.decimals1);
    return pool;
  }

  private newPool(address: string, kind: number, venue: number, fee: number, tickSpacing: number): PoolState {
    const pool = new PoolState(this.pools.length, address.toLowerCase(), kind, venue, fee, tickSpacing);
    this.pools.push(pool);
    this.table.insert(pool.address, pool.index);
    return pool;
  }

  private setTokens(pool: PoolState, token0: string, decimals0: number, token1: string, decimals1: number): void {
    pool.token0 = this.tokenId(token0, decimals0);
    pool.token1 = this.tokenId(token1, decimals1);
    pool.decimals0 = decimals0;
    pool.decimals1 = decimals1;
    const key = pool.token0 * 1_048_576 + pool.token1;
    let group = this.pairs.get(key);
    if (group === undefined) {
      group = { token0: pool.token0, token1: pool.token1, pools: [] };
      this.pairs.set(key, group);
    }
    if (pool.pair !== group) {
      if (pool.pair !== undefined) {
        const old = pool.pair.pools;
        old.splice(old.indexOf(pool), 1);
        for (let i = 0; i < old.length; i++) old[i]!.groupIndex = i;
      }
      pool.groupIndex = group.pools.length;
      group.pools.push(pool);
      pool.pair = group;
    }
  }

  /**
   * Applies the pool TLV under the view's cursor (PoolSync, PoolSwap, PoolMint, PoolBurn). Returns the
   * pool when its usable state changed, else `undefined` (other TLVs, V2 swaps, ignored updates).
   */
  apply(view: MessageView): PoolState | undefined {
    switch (view.tlvType) {
      case TlvType.PoolSync: return this.applySync(view);
      case TlvType.PoolSwap: return this.applySwap(view);
      case TlvType.PoolMint: return this.applyLiquidity(view, 1n);
      case TlvType.PoolBurn: return this.applyLiquidity(view, -1n);
      default: return undefined;
    }
  }

  private order(pool: PoolState, dv: DataView, blockOff: number, logOff: number): boolean {
    const block = dv.getUint32(blockOff, true) + dv.getUint32(blockOff + 4, true) * TWO32;
    const log = dv.getUint32(logOff, true);
    if (block < pool.blockNumber || (block === pool.blockNumber && log <= pool.logIndex)) {
      this.counters.outOfOrder++;
      return false;
    }
    pool.blockNumber = block;
    pool.logIndex = log;
    return true;
  }

  private removed(pool: PoolState): undefined {
    this.counters.removed++;
    pool.hasState = false;
    pool.rate = Number.NaN;
    pool.version++;
    return undefined;
  }

  private applySync(view: MessageView): PoolState | undefined {
    const dv = view.dv;
    const base = view.tlvStart;
    let index = this.table.lookup(dv, base + PoolSyncField.pool);
    if (index < 0) {
      if (!this.learnV2) {
        this.counters.unknownPool++;
        return undefined;
      }
      index = this.newPool(view.address(PoolSyncField.pool), PoolKind.V2, dv.getUint16(base + PoolSyncField.venue, true), this.defaultV2Fee, 1).index;
    }
    const pool = this.pools[index]!;
    if (pool.kind !== PoolKind.V2) {
      this.counters.kindMismatch++;
      return undefined;
    }
    if ((view.u8At(PoolSyncField.flags) & POOL_FLAG_REMOVED) !== 0) return this.removed(pool);
    if (!this.order(pool, dv, base + PoolSyncField.blockNumber, base + PoolSyncField.logIndex)) return undefined;
    const w = pool.words;
    readWords(dv, base + PoolSyncField.reserve0, w, 0, 8);
    const r0 = words128(w, 0);
    const r1 = words128(w, 4);
    pool.hasState = r0 > 0 && r1 > 0;
    pool.rate = pool.hasState ? r1 / r0 : Number.NaN;
    pool.updatedAt = view.dv.getUint32(view.start + 16, true) + view.dv.getUint32(view.start + 20, true) * TWO32;
    pool.version++;
    if (pool.pair === undefined) {
      if (pool.decimals0 === 0 && pool.decimals1 === 0) {
        pool.decimals0 = view.u8At(PoolSyncField.token0Decimals);
        pool.decimals1 = view.u8At(PoolSyncField.token1Decimals);
      }
      return undefined; // tokens not known yet: kept until a swap tells them
    }
    return pool;
  }

  private applySwap(view: MessageView): PoolState | undefined {
    const dv = view.dv;
    const base = view.tlvStart;
    const v3 = (view.u8At(PoolSwapField.flags) & POOL_FLAG_V3) !== 0;
    let index = this.table.lookup(dv, base + PoolSwapField.pool);
    if (index < 0) {
      if (v3 || !this.learnV2) {
        this.counters.unknownPool++;
        return undefined;
      }
      index = this.newPool(view.address(PoolSwapField.pool), PoolKind.V2, dv.getUint16(base + PoolSwapField.venue, true), this.defaultV2Fee, 1).index;
    }
    const pool = this.pools[index]!;
    if (pool.pair === undefined && !v3) {
      const tokenIn = view.address(PoolSwapField.tokenIn);
      const tokenOut = view.address(PoolSwapField.tokenOut);
      const decIn = view.u8At(PoolSwapField.tokenInDecimals);
      const decOut = view.u8At(PoolSwapField.tokenOutDecimals);
      if (tokenIn < tokenOut) this.setTokens(pool, tokenIn, decIn, tokenOut, decOut);
      else this.setTokens(pool, tokenOut, decOut, tokenIn, decIn);
      this.counters.learnt++;
      return pool.hasState ? pool : undefined;
    }
    if (!v3) return undefined; // V2 state comes from PoolSync
    if (pool.kind !== PoolKind.V3 || view.tlvLength < 160) {
      this.counters.kindMismatch++;
      return undefined;
    }
    if ((view.u8At(PoolSwapField.flags) & POOL_FLAG_REMOVED) !== 0) return this.removed(pool);
    if (!this.order(pool, dv, base + PoolSwapField.blockNumber, base + PoolSwapField.logIndex)) return undefined;
    const w = pool.words;
    readWords(dv, base + PoolSwapField.sqrtPriceX96After, w, 0, 5);
    readWords(dv, base + PoolSwapField.liquidityAfter, w, 5, 4);
    pool.tick = dv.getInt32(base + PoolSwapField.tickAfter, true);
    this.refreshV3(pool);
    pool.updatedAt = view.dv.getUint32(view.start + 16, true) + view.dv.getUint32(view.start + 20, true) * TWO32;
    pool.version++;
    return pool.pair === undefined ? undefined : pool;
  }

  private refreshV3(pool: PoolState): void {
    const w = pool.words;
    const sqrtP = (words128(w, 0) + w[4]! * TWO128) / TWO96;
    const liquidity = words128(w, 5);
    pool.hasState = sqrtP > 0 && liquidity > 0;
    pool.rate = pool.hasState ? sqrtP * sqrtP : Number.NaN;
  }

  /** V3 mint/burn (one layout: PoolMintField = PoolBurnField): active liquidity changes when the position's range holds the current tick. */
  private applyLiquidity(view: MessageView, sign: bigint): PoolState | undefined {
    if ((view.u8At(PoolMintField.flags) & POOL_FLAG_V3) === 0) return undefined; // V2: a PoolSync follows
    const index = this.table.lookup(view.dv, view.tlvStart + PoolMintField.pool);
    if (index < 0) {
      this.counters.unknownPool++;
      return undefined;
    }
    const pool = this.pools[index]!;
    if (pool.kind !== PoolKind.V3 || pool.blockNumber < 0) return undefined;
    if ((view.u8At(PoolMintField.flags) & POOL_FLAG_REMOVED) !== 0) return this.removed(pool);
    const lower = view.i32(PoolMintField.tickLower);
    const upper = view.i32(PoolMintField.tickUpper);
    if (!this.order(pool, view.dv, view.tlvStart + PoolMintField.blockNumber, view.tlvStart + PoolMintField.logIndex)) return undefined;
    if (pool.tick < lower || pool.tick >= upper) return undefined;
    pool.materialize();
    pool.setLiquidity(pool.liquidity + sign * view.u128(PoolMintField.liquidity));
    this.refreshV3(pool);
    pool.version++;
    return pool.pair === undefined ? undefined : pool;
  }
}
