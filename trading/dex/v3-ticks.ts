/**
 * V3 swaps across initialized ticks: a pool's initialized ticks (liquidityGross and liquidityNet, kept
 * from the PoolMint/PoolBurn events seen) and the exact-input swap loop of UniswapV3Pool.swap over them —
 * the tick search of TickBitmap.nextInitializedTickWithinOneWord (steps end at bitmap word boundaries,
 * as on chain, because each step rounds on its own), one SwapMath.computeSwapStep per step
 * ({@link computeSwapStepExactIn}), liquidityNet applied at every crossed tick.
 *
 * A map built from the events a process has seen knows only the positions minted since; it is
 * {@link V3TickMap.consistentWith} a pool when the liquidity of its positions covering the current tick
 * equals the pool's reported liquidity — only then does a swap beyond the current range mean anything.
 *
 * @example
 * ```ts
 * const ticks = new V3TickMap(60);
 * ticks.apply(-120, 120, 1_000_000n);      // a mint (a burn passes a negative liquidity)
 * const r = v3SwapAcrossTicks(sqrtP, tick, liquidity, 3000n, amountIn, true, ticks);
 * ```
 * @module
 */

import { MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, computeSwapStepExactIn, getSqrtRatioAtTick } from "./v3-math.ts";

/** Initialized ticks of one V3 pool. */
export class V3TickMap {
  /** Tick spacing of the pool. */
  readonly tickSpacing: number;
  /** liquidityNet per initialized tick. */
  readonly net = new Map<number, bigint>();
  /** liquidityGross per initialized tick. */
  readonly gross = new Map<number, bigint>();

  /** @param tickSpacing the pool's tick spacing */
  constructor(tickSpacing: number) {
    this.tickSpacing = tickSpacing;
  }

  /** A position's liquidity change between two ticks (mint: positive, burn: negative). */
  apply(tickLower: number, tickUpper: number, liquidityDelta: bigint): void {
    this.bump(tickLower, liquidityDelta, liquidityDelta);
    this.bump(tickUpper, liquidityDelta, -liquidityDelta);
  }

  private bump(tick: number, grossDelta: bigint, netDelta: bigint): void {
    const g = (this.gross.get(tick) ?? 0n) + grossDelta;
    if (g <= 0n) {
      this.gross.delete(tick);
      this.net.delete(tick);
      return;
    }
    this.gross.set(tick, g);
    this.net.set(tick, (this.net.get(tick) ?? 0n) + netDelta);
  }

  /** Liquidity of the known positions active at `tick` (Σ liquidityNet of initialized ticks ≤ tick). */
  activeAt(tick: number): bigint {
    let l = 0n;
    for (const [t, n] of this.net) if (t <= tick) l += n;
    return l;
  }

  /** True when the known positions account for all of `liquidity` at `tick`. */
  consistentWith(tick: number, liquidity: bigint): boolean {
    return this.activeAt(tick) === liquidity;
  }

  /** TickBitmap.nextInitializedTickWithinOneWord: the next tick to step to and whether it is initialized. */
  nextWithinOneWord(tick: number, lte: boolean): { next: number; initialized: boolean } {
    const s = this.tickSpacing;
    let compressed = Math.trunc(tick / s);
    if (tick < 0 && tick % s !== 0) compressed--;
    if (lte) {
      const bitPos = compressed & 255;
      const lowest = compressed - bitPos;
      let best: number | undefined;
      for (const t of this.gross.keys()) {
        const c = t / s;
        if (c <= compressed && c >= lowest && (best === undefined || c > best)) best = c;
      }
      return best === undefined ? { next: lowest * s, initialized: false } : { next: best * s, initialized: true };
    }
    const start = compressed + 1;
    const bitPos = start & 255;
    const highest = start + (255 - bitPos);
    let best: number | undefined;
    for (const t of this.gross.keys()) {
      const c = t / s;
      if (c >= start && c <= highest && (best === undefined || c < best)) best = c;
    }
    return best === undefined ? { next: highest * s, initialized: false } : { next: best * s, initialized: true };
  }
}

/** Result of {@link v3SwapAcrossTicks}. */
export interface V3SwapResult {
  /** Output paid. */
  amountOut: bigint;
  /** Input left unswapped (> 0: the price limit was reached — the pool ran out of liquidity). */
  amountRemaining: bigint;
  sqrtPriceX96After: bigint;
  liquidityAfter: bigint;
  tickAfter: number;
  /** Initialized ticks crossed. */
  crossed: number;
}

/**
 * UniswapV3Pool.swap for an exact input `amountIn` (fee included) from the state (`sqrtP`, `tick`,
 * `liquidity`) over the initialized ticks of `ticks`, with the widest price limit
 * (MIN_SQRT_RATIO + 1 / MAX_SQRT_RATIO − 1). The pool itself is not changed.
 */
export function v3SwapAcrossTicks(
  sqrtP: bigint, tick: number, liquidity: bigint, feePips: bigint, amountIn: bigint, zeroForOne: boolean, ticks: V3TickMap,
): V3SwapResult {
  const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
  let remaining = amountIn;
  let out = 0n;
  let crossed = 0;
  while (remaining > 0n && sqrtP !== limit) {
    const step = ticks.nextWithinOneWord(tick, zeroForOne);
    const next = Math.max(MIN_TICK, Math.min(MAX_TICK, step.next));
    const sqrtNext = getSqrtRatioAtTick(next);
    const target = zeroForOne ? (sqrtNext < limit ? limit : sqrtNext) : (sqrtNext > limit ? limit : sqrtNext);
    const r = computeSwapStepExactIn(sqrtP, target, liquidity, remaining, feePips);
    remaining -= r.amountIn + r.feeAmount;
    out += r.amountOut;
    sqrtP = r.sqrtNext;
    if (sqrtP === sqrtNext) {
      if (step.initialized) {
        const net = ticks.net.get(next) ?? 0n;
        liquidity += zeroForOne ? -net : net;
        crossed++;
      }
      tick = zeroForOne ? next - 1 : next;
    } else {
      tick = tickAtSqrtRatio(sqrtP);
    }
  }
  return { amountOut: out, amountRemaining: remaining, sqrtPriceX96After: sqrtP, liquidityAfter: liquidity, tickAfter: tick, crossed };
}

/** TickMath.getTickAtSqrtRatio: the greatest tick whose sqrt ratio is ≤ `sqrtP` (binary search on the exact ratio). */
export function tickAtSqrtRatio(sqrtP: bigint): number {
  let lo = MIN_TICK;
  let hi = MAX_TICK;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (getSqrtRatioAtTick(mid) <= sqrtP) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
