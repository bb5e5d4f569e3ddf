/**
 * The most profitable size of a two-pool cycle X →(A) Y →(B) X on exact integer pool outputs, for any
 * mix of V2 and V3 pools:
 *
 * - V2↔V2: the closed form Δ* refined on the exact outputs ({@link v2OptimalCycle}).
 * - any V3 leg: a golden-section search on integers over the exact profit `out₂(out₁(Δ)) − Δ`, where a
 *   V3 hop is exact inside its current range and infeasible beyond it (so sizes are capped there),
 *   bracketed around the same closed form applied to the V3 range's virtual reserves.
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

import { PoolKind, type PoolState } from "./pool-state.ts";
import { mulDivRoundingUp } from "./int-math.ts";
import { DEFAULT_REFINE_WINDOW, FEE_SCALE, v2AmountOut, v2MinAmountIn, v2OptimalCycle, v2OptimalInput, type CycleOptimum } from "./v2-math.ts";
import { v3SwapExactIn } from "./v3-math.ts";

export type { CycleOptimum } from "./v2-math.ts";

/** Exact output of swapping `amountIn` through `pool` (token0 in when `zeroForOne`); -1n beyond the known range. */
export function hopOut(pool: PoolState, zeroForOne: boolean, amountIn: bigint): bigint {
  if (pool.kind === PoolKind.V2) {
    return zeroForOne
      ? v2AmountOut(amountIn, pool.reserve0, pool.reserve1, pool.feeBig)
      : v2AmountOut(amountIn, pool.reserve1, pool.reserve0, pool.feeBig);
  }
  const range = pool.range!;
  return zeroForOne
    ? v3SwapExactIn(pool.sqrtPriceX96, pool.liquidity, pool.feeBig, amountIn, true, range.sqrtLower, pool.netToLower)
    : v3SwapExactIn(pool.sqrtPriceX96, pool.liquidity, pool.feeBig, amountIn, false, range.sqrtUpper, pool.netToUpper);
}

/** Largest input `pool` can take in the direction without leaving its known range; -1n when unbounded (V2). */
export function hopCapacity(pool: PoolState, zeroForOne: boolean): bigint {
  if (pool.kind === PoolKind.V2) return -1n;
  const net = zeroForOne ? pool.netToLower : pool.netToUpper;
  if (net <= 0n) return 0n;
  return net + mulDivRoundingUp(net, pool.feeBig, FEE_SCALE - pool.feeBig);
}

/** Reserves of a pool for the closed form: real for V2, the current range's virtual reserves for V3. */
export function cycleReserves(pool: PoolState): [bigint, bigint] {
  return pool.kind === PoolKind.V2 ? [pool.reserve0, pool.reserve1] : [pool.virtual0, pool.virtual1];
}

const NONE = -(1n << 255n);
const GOLD_NUM = 381_966n; // 1 − 1/φ, in millionths
const GOLD_DEN = 1_000_000n;
/** Half-width of the first search bracket around the analytic seed. */
const BRACKET = 64n;

/**
 * Optimal cycle over pools `a` then `b` on the same two tokens. `startWithToken0`: X = token0 (sell
 * token0 on `a` for token1, sell that token1 on `b` for token0); else X = token1. Profit 0 and input 0
 * when nothing is profitable.
 *
 * With a V3 leg: the feasible inputs are bounded by `a`'s range capacity and by the input whose
 * intermediate output fills `b`'s range; the seed is the closed form on virtual reserves (exact for a
 * V3 pool inside its range, up to rounding). When the seed lies beyond the bound the profit still rises
 * there, so the bound (or one of the few units below it) is the answer. Otherwise a golden-section search
 * on the exact integer profit runs over ±64 around the seed; when the best point lands on a bracket
 * edge clearly above the seed's profit, the bracket grows sixteenfold on that side and the search repeats.
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

  // Largest feasible input.
  const capA = hopCapacity(a, dirA);
  let hi = capA >= 0n ? capA : 4n * seed + BRACKET;
  const capB = hopCapacity(b, dirB);
  if (capB >= 0n) {
    const midAtHi = hopOut(a, dirA, hi);
    if (midAtHi < 0n || midAtHi > capB) {
      if (a.kind === PoolKind.V2) {
        const [rin, rout] = dirA ? [a.reserve0, a.reserve1] : [a.reserve1, a.reserve0];
        const need = v2MinAmountIn(capB + 1n, rin, rout, a.feeBig);
        if (need > 0n && need - 1n < hi) hi = need - 1n;
      } else {
        let lo = 0n;
        let top = hi;
        while (lo < top) {
          const mid = (lo + top + 1n) >> 1n;
          const m = hopOut(a, dirA, mid);
          if (m >= 0n && m <= capB) lo = mid;
          else top = mid - 1n;
        }
        hi = lo;
      }
    }
  }
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

  if (seed >= hi) {
    // Capped: the profit still rises at the bound, so the best input is the bound or within the last
    // few units below it (integer floors).
    for (let x = hi; x >= 1n && x > hi - 4n; x--) profit(x);
    return best;
  }
  let width = BRACKET;
  let lo = seed > width ? seed - width : 1n;
  let top = seed + width < hi ? seed + width : hi;
  const atSeed = profit(seed);
  for (let round = 0; round < 8; round++) {
    const x = goldenMax(profit, lo, top);
    const atLow = x - lo <= 2n && lo > 1n;
    const atTop = top - x <= 2n && top < hi;
    // Widen only when the edge is clearly better than the seed: within ±2 units the integer profit is
    // flat noise (two floors), and a flat stretch holds no better optimum.
    if ((!atLow && !atTop) || best.profit - atSeed <= 2n) break;
    width *= 16n;
    if (atLow) lo = x > width ? x - width : 1n;
    if (atTop) top = x + width < hi ? x + width : hi;
  }
  return best;
}

/** Golden-section search for the maximum of `f` on the integers of [lo, hi]; returns the best point seen. */
function goldenMax(f: (x: bigint) => bigint, lo: bigint, hi: bigint): bigint {
  let bestX = lo;
  let bestF = NONE;
  const see = (x: bigint): bigint => {
    const v = f(x);
    if (v > bestF) {
      bestF = v;
      bestX = x;
    }
    return v;
  };
  let c = lo + ((hi - lo) * GOLD_NUM) / GOLD_DEN;
  let d = hi - ((hi - lo) * GOLD_NUM) / GOLD_DEN;
  let fc = see(c);
  let fd = c === d ? fc : see(d);
  while (hi - lo > 6n) {
    if (fc < fd) {
      lo = c;
      c = d;
      fc = fd;
      d = hi - ((hi - lo) * GOLD_NUM) / GOLD_DEN;
      if (d <= c) d = c + 1n;
      if (d >= hi) break;
      fd = see(d);
    } else {
      hi = d;
      d = c;
      fd = fc;
      c = lo + ((hi - lo) * GOLD_NUM) / GOLD_DEN;
      if (c >= d) c = d - 1n;
      if (c <= lo) break;
      fc = see(c);
    }
  }
  for (let x = lo; x <= hi; x++) see(x);
  return bestX;
}
