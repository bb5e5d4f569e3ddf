/**
 * The most profitable size of a two-pool cycle X →(A) Y →(B) X on exact integer pool outputs, for any
 * mix of V2 and V3 pools:
 *
 * - V2↔V2: the closed form Δ* refined on the exact outputs ({@link v2OptimalCycle}).
 * - any V3 leg: a golden-section search on integers over the exact profit `out₂(out₁(Δ)) − Δ`, where a
 *   V3 hop is exact inside its current range and infeasible beyond it (so sizes are capped there). The
 *   bracket comes from the same closed form applied to the V3 range's virtual reserves.
 *
 * Pools must be {@link PoolState.materialize}d first.
 *
 * @example
 * ```ts
 * a.materialize(); b.materialize();
 * const best = optimizeCycle(a, b, true); // start with token0: sell token0 on A, buy it back on B
 * if (best.profit > 0n) …
 * ```
 * @module
 */

import { PoolKind, type PoolState } from "./pool-book.ts";
import { DEFAULT_REFINE_WINDOW, v2AmountOut, v2OptimalCycle, v2OptimalInput, type CycleOptimum } from "./v2-math.ts";
import { v3RangeCapacity, v3SwapExactIn, v3VirtualReserves } from "./v3-math.ts";

export type { CycleOptimum } from "./v2-math.ts";

/** Exact output of swapping `amountIn` through `pool` (token0 in when `zeroForOne`); -1n beyond the known range. */
export function hopOut(pool: PoolState, zeroForOne: boolean, amountIn: bigint): bigint {
  if (pool.kind === PoolKind.V2) {
    return zeroForOne
      ? v2AmountOut(amountIn, pool.reserve0, pool.reserve1, pool.feeBig)
      : v2AmountOut(amountIn, pool.reserve1, pool.reserve0, pool.feeBig);
  }
  const range = pool.range!;
  return v3SwapExactIn(pool.sqrtPriceX96, pool.liquidity, pool.feeBig, amountIn, zeroForOne, zeroForOne ? range.sqrtLower : range.sqrtUpper);
}

/** Largest input `pool` can take in the direction without leaving its known range; -1n when unbounded (V2). */
export function hopCapacity(pool: PoolState, zeroForOne: boolean): bigint {
  if (pool.kind === PoolKind.V2) return -1n;
  const range = pool.range!;
  return v3RangeCapacity(pool.sqrtPriceX96, pool.liquidity, pool.feeBig, zeroForOne, zeroForOne ? range.sqrtLower : range.sqrtUpper);
}

/** Reserves of a pool for the closed form: real for V2, the current range's virtual reserves for V3. */
export function cycleReserves(pool: PoolState): [bigint, bigint] {
  return pool.kind === PoolKind.V2 ? [pool.reserve0, pool.reserve1] : v3VirtualReserves(pool.sqrtPriceX96, pool.liquidity);
}

const NONE = -(1n << 255n);
const GOLD_NUM = 381_966n; // 1 − 1/φ, in millionths
const GOLD_DEN = 1_000_000n;

/**
 * Optimal cycle over pools `a` then `b` on the same two tokens. `startWithToken0`: X = token0 (sell
 * token0 on `a` for token1, sell that token1 on `b` for token0); else X = token1. Profit 0 and input 0
 * when nothing is profitable.
 */
export function optimizeCycle(a: PoolState, b: PoolState, startWithToken0: boolean, refineWindow = DEFAULT_REFINE_WINDOW): CycleOptimum {
  const [a0, a1] = cycleReserves(a);
  const [b0, b1] = cycleReserves(b);
  const xa = startWithToken0 ? a0 : a1;
  const ya = startWithToken0 ? a1 : a0;
  const xb = startWithToken0 ? b0 : b1;
  const yb = startWithToken0 ? b1 : b0;
  if (a.kind === PoolKind.V2 && b.kind === PoolKind.V2) return v2OptimalCycle(xa, ya, a.feeBig, xb, yb, b.feeBig, refineWindow);

  const best: CycleOptimum = { amountIn: 0n, midAmount: 0n, amountOut: 0n, profit: 0n, proven: false };
  const seed = v2OptimalInput(xa, ya, a.feeBig, xb, yb, b.feeBig);
  if (seed <= 0n) return best;
  const dirA = startWithToken0;
  const dirB = !startWithToken0;
  let hi = 4n * seed + 4n;
  const capA = hopCapacity(a, dirA);
  if (capA >= 0n && capA < hi) hi = capA;
  if (hi < 1n) return best;

  const profit = (dx: bigint): bigint => {
    const mid = hopOut(a, dirA, dx);
    if (mid < 0n) return NONE;
    const out = hopOut(b, dirB, mid);
    if (out < 0n) return NONE;
    const p = out - dx;
    if (p > best.profit || (p === best.profit && p > 0n && dx < best.amountIn)) {
      best.amountIn = dx;
      best.midAmount = mid;
      best.amountOut = out;
      best.profit = p;
    }
    return p;
  };

  // Golden-section search for the maximum of a unimodal function on [lo, hi]; infeasible sizes form a
  // suffix (outputs grow with the input), so NONE there steers the bracket left.
  let lo = 1n;
  let c = lo + ((hi - lo) * GOLD_NUM) / GOLD_DEN;
  let d = hi - ((hi - lo) * GOLD_NUM) / GOLD_DEN;
  let fc = profit(c);
  let fd = c === d ? fc : profit(d);
  while (hi - lo > 6n) {
    if (fc < fd) {
      lo = c;
      c = d;
      fc = fd;
      d = hi - ((hi - lo) * GOLD_NUM) / GOLD_DEN;
      if (d <= c) d = c + 1n;
      if (d >= hi) break;
      fd = profit(d);
    } else {
      hi = d;
      d = c;
      fd = fc;
      c = lo + ((hi - lo) * GOLD_NUM) / GOLD_DEN;
      if (c >= d) c = d - 1n;
      if (c <= lo) break;
      fc = profit(c);
    }
  }
  for (let x = lo; x <= hi; x++) profit(x);
  return best;
}
