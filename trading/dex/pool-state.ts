/**
 * One DEX pool's state as the {@link PoolBook} (pool-book.ts) keeps it: metadata, the raw latest state in
 * preallocated words (written in place on the hot path), a float price estimate for screening, and exact
 * `bigint` values materialised on demand ({@link PoolState.materialize}), once per state change. Also the
 * pool kinds and the pair groups pools of the same two tokens form.
 *
 * @module
 */

import { parseAddress } from "../../protocol/mod.ts";
import { v3NetInToTarget, v3RangeBounds, v3VirtualReserves, type V3Range } from "./v3-math.ts";
import { u128 } from "./pool-words.ts";

/** Pool kinds as stored in {@link PoolState.kind}. */
export const PoolKind = { V2: 0, V3: 1 } as const;

/** All pools trading the same two tokens (token0 < token1 by address). */
export interface PairGroup {
  readonly token0: number;
  readonly token1: number;
  readonly pools: PoolState[];
}

/** One pool: metadata, raw latest state and lazily materialised exact values. */
export class PoolState {
  /** Index in {@link PoolBook.pools}. */
  readonly index: number;
  /** Lowercase address. */
  readonly address: string;
  /** The address's 20 bytes. */
  readonly addressBytes: Uint8Array;
  kind: number;
  venue: number;
  /** Fee in hundredths of a basis point. */
  fee: number;
  /** {@link fee} as bigint. */
  feeBig: bigint;
  tickSpacing: number;
  /** Token ids (-1 while unknown). */
  token0 = -1;
  token1 = -1;
  decimals0 = 0;
  decimals1 = 0;
  /** The pool's pair group, once its tokens are known. */
  pair: PairGroup | undefined;
  /** Position of the pool in its pair group's `pools` (−1 without a group). */
  groupIndex = -1;
  /** Raw little-endian words: V2 reserve0 [0..3], reserve1 [4..7]; V3 sqrtPriceX96 [0..4], liquidity [5..8]. */
  readonly words = new Uint32Array(10);
  /** V3 current tick. */
  tick = 0;
  /** Float estimate of the marginal price, token1 per token0 in raw units; NaN without state. */
  rate = Number.NaN;
  /** True when the pool has a usable state (non-zero reserves / price and liquidity). */
  hasState = false;
  /** Block and log index of the state (−1 before the first). */
  blockNumber = -1;
  logIndex = -1;
  /** Header timestamp (ns, as a float) of the message that set the state. */
  updatedAt = 0;
  /** Incremented on every state change. */
  version = 0;
  /** Exact values as of {@link materialize}. */
  reserve0 = 0n;
  reserve1 = 0n;
  sqrtPriceX96 = 0n;
  liquidity = 0n;
  /** V3 current tick-spacing range (cached by its lower tick). */
  range: V3Range | undefined;
  /** V3: fee-less input to the range's lower edge (token0 in) and upper edge (token1 in). */
  netToLower = 0n;
  netToUpper = 0n;
  /** V3: the current range's virtual reserves L/√P and L·√P (token0, token1). */
  virtual0 = 0n;
  virtual1 = 0n;
  private exactVersion = -1;

  /** @param index slot @param address lowercase address @param kind PoolKind @param venue venue @param fee pips @param tickSpacing V3 spacing */
  constructor(index: number, address: string, kind: number, venue: number, fee: number, tickSpacing: number) {
    this.index = index;
    this.address = address;
    this.addressBytes = parseAddress(address);
    this.kind = kind;
    this.venue = venue;
    this.fee = fee;
    this.feeBig = BigInt(fee);
    this.tickSpacing = tickSpacing;
  }

  /** Makes the exact bigint fields reflect the latest state (no-op when already current). */
  materialize(): void {
    if (this.exactVersion === this.version) return;
    const w = this.words;
    if (this.kind === PoolKind.V2) {
      this.reserve0 = u128(w, 0);
      this.reserve1 = u128(w, 4);
    } else {
      this.sqrtPriceX96 = u128(w, 0) | (BigInt(w[4]!) << 128n);
      this.liquidity = u128(w, 5);
      const lower = Math.floor(this.tick / this.tickSpacing) * this.tickSpacing;
      if (this.range === undefined || this.range.lowerTick !== Math.max(lower, -887272)) {
        this.range = v3RangeBounds(this.tick, this.tickSpacing);
      }
      this.netToLower = v3NetInToTarget(this.sqrtPriceX96, this.liquidity, true, this.range.sqrtLower);
      this.netToUpper = v3NetInToTarget(this.sqrtPriceX96, this.liquidity, false, this.range.sqrtUpper);
      [this.virtual0, this.virtual1] = v3VirtualReserves(this.sqrtPriceX96, this.liquidity);
    }
    this.exactVersion = this.version;
  }

  /** Writes the exact liquidity back into the raw words (after a V3 mint/burn). */
  setLiquidity(liquidity: bigint): void {
    const w = this.words;
    let l = liquidity < 0n ? 0n : liquidity;
    for (let i = 5; i < 9; i++) {
      w[i] = Number(l & 0xffffffffn);
      l >>= 32n;
    }
    this.liquidity = liquidity;
  }
}
