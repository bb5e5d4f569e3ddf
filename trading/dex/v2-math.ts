/**
 * Uniswap V2 constant-product math, exact on `bigint`, with the fee in hundredths of a basis point as
 * the pool cache stores it (PROTOCOL.md §8: 3000 = 0.3%). For fee 3000 the results equal the
 * pair contract's `getAmountOut` with 997/1000 bit for bit (both sides of the fraction are scaled by
 * 1000, the floor is the same).
 *
 * The two-pool optimum uses the closed form of the issue: buying Y on pool A (reserves xa of X, ya of Y)
 * and selling it on pool B (reserves yb of Y, xb of X), with γ = 1 − fee,
 *
 *   Δ* = (√(γa·γb·xa·ya·xb·yb) − xa·yb) / (γa·yb + γa·γb·ya)
 *
 * computed with an integer square root, then refined on the exact integer profit of the two
 * `getAmountOut` calls (floors included).
 *
 * @example
 * ```ts
 * v2AmountOut(1_000_000n, 10n ** 12n, 2n * 10n ** 12n, 3000n); // what the pair pays out
 * const best = v2OptimalCycle(xa, ya, 3000n, xb, yb, 3000n);  // { amountIn, amountOut, profit }
 * ```
 * @module
 */

import { isqrt } from "./int-math.ts";

/** Fee denominator: fees are in hundredths of a basis point (1e6 = 100%). */
export const FEE_SCALE = 1_000_000n;

/**
 * Output of a V2 swap of `amountIn` (floor), as the pair contract computes it:
 * `in·(1e6−fee)·rOut / (rIn·1e6 + in·(1e6−fee))`. 0 for non-positive input or empty reserves.
 */
export function v2AmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feePips: bigint): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const inWithFee = amountIn * (FEE_SCALE - feePips);
  return (inWithFee * reserveOut) / (reserveIn * FEE_SCALE + inWithFee);
}

/**
 * The smallest input whose {@link v2AmountOut} is at least `amountOut`:
 * ⌈out·rIn·1e6 / ((rOut − out)·(1e6 − fee))⌉. `-1n` when `amountOut` ≥ `reserveOut` (unreachable).
 * (The pair's own `getAmountIn` adds 1 even when the division is exact, so it can be 1 above this.)
 */
export function v2MinAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feePips: bigint): bigint {
  if (amountOut <= 0n) return 0n;
  if (amountOut >= reserveOut || reserveIn <= 0n) return -1n;
  const num = amountOut * reserveIn * FEE_SCALE;
  const den = (reserveOut - amountOut) * (FEE_SCALE - feePips);
  const q = num / den;
  return num % den === 0n ? q : q + 1n;
}

/**
 * Closed-form optimal input Δ* (floor) of the cycle X →(A) Y →(B) X, or 0 when the cycle has no
 * profitable direction at the margin (γa·γb·ya·xb ≤ xa·yb). Reserves: A holds `xa` X and `ya` Y,
 * B holds `xb` X and `yb` Y.
 */
export function v2OptimalInput(xa: bigint, ya: bigint, feeA: bigint, xb: bigint, yb: bigint, feeB: bigint): bigint {
  if (xa <= 0n || ya <= 0n || xb <= 0n || yb <= 0n) return 0n;
  const ga = FEE_SCALE - feeA;
  const gb = FEE_SCALE - feeB;
  // Multiply numerator and denominator by 1e6²: γ = g/1e6 leaves only integers.
  const root = isqrt(FEE_SCALE * FEE_SCALE * ga * gb * xa * ya * xb * yb);
  const num = root - FEE_SCALE * FEE_SCALE * xa * yb;
  if (num <= 0n) return 0n;
  const den = ga * yb * FEE_SCALE + ga * gb * ya;
  return num / den;
}

/** Exact final output of the cycle X →(A) Y →(B) X for input `dx`. */
export function v2CycleOut(dx: bigint, xa: bigint, ya: bigint, feeA: bigint, xb: bigint, yb: bigint, feeB: bigint): bigint {
  return v2AmountOut(v2AmountOut(dx, xa, ya, feeA), yb, xb, feeB);
}

/** Result of an optimal cycle: input, final output and profit (output − input), all exact raw units. */
export interface CycleOptimum {
  amountIn: bigint;
  /** Intermediate amount of Y out of the first pool. */
  midAmount: bigint;
  amountOut: bigint;
  profit: bigint;
  /**
   * True when the search proved no other input earns more (every input whose real-valued profit bound
   * exceeds the best found was tried); false when the step limit cut it short — the best found is then
   * still within 2 units of X of the optimum.
   */
  proven: boolean;
}

/** Default most refinement steps on each side of the closed form. */
export const DEFAULT_REFINE_WINDOW = 32;

/**
 * The most profitable input of the cycle X →(A) Y →(B) X on exact integer outputs (floors included).
 *
 * Start from the closed form Δ*, then scan outward while a real-valued upper bound of the integer profit
 * still beats the best found: over inputs Δ when a unit of X buys at least a unit of Y (bound: the
 * continuous profit F(Δ), concave), otherwise over intermediate amounts k, trying for each the cheapest
 * input that buys it (an optimum always is one; bound: out₂(k) − in₁(k) without floors, concave). A side
 * stops when the bound drops to the best (then nothing beyond can beat it: `proven`) or after `maxSteps`.
 * Ties keep the smaller input. Profit 0 and input 0 when no input is profitable.
 */
export function v2OptimalCycle(
  xa: bigint, ya: bigint, feeA: bigint, xb: bigint, yb: bigint, feeB: bigint,
  maxSteps: number = DEFAULT_REFINE_WINDOW,
): CycleOptimum {
  const best: CycleOptimum = { amountIn: 0n, midAmount: 0n, amountOut: 0n, profit: 0n, proven: true };
  const seed = v2OptimalInput(xa, ya, feeA, xb, yb, feeB);
  // Δ* = 0: no marginal profit, or an optimum below one unit, where the integer profit cannot be positive.
  if (seed <= 0n) return best;
  const S = FEE_SCALE;
  const ga = S - feeA;
  const gb = S - feeB;
  const consider = (dx: bigint): void => {
    if (dx <= 0n) return;
    const mid = v2AmountOut(dx, xa, ya, feeA);
    const out = v2AmountOut(mid, yb, xb, feeB);
    const profit = out - dx;
    if (profit > best.profit || (profit === best.profit && profit > 0n && dx < best.amountIn)) {
      best.amountIn = dx;
      best.midAmount = mid;
      best.amountOut = out;
      best.profit = profit;
    }
  };
  let provenLeft = false;
  let provenRight = false;
  if (ya >= xa) {
    // F(Δ) = ga·gb·Δ·ya·xb / (xa·yb·S² + Δ·(ga·yb·S + ga·gb·ya)) − Δ > best ?
    const c0 = xa * yb * S * S;
    const c1 = ga * yb * S + ga * gb * ya;
    const num = ga * gb * ya * xb;
    const above = (dx: bigint): boolean => num * dx > (best.profit + dx) * (c0 + dx * c1);
    consider(seed);
    consider(seed + 1n);
    // A candidate region far wider than the step limit (large reserves: the integer profit is flat over
    // millions of inputs) cannot be searched through: keep the closed form's neighbourhood.
    const window = 16n * BigInt(maxSteps) + 3n;
    if (above(seed + window) || (seed > window && above(seed - window))) {
      consider(seed - 1n);
      consider(seed + 2n);
      best.proven = false;
      return best;
    }
    for (let dx = seed, steps = 0; ; dx++, steps++) {
      if (dx > seed + 2n && !above(dx)) { provenRight = true; break; }
      if (steps >= maxSteps) break;
      consider(dx);
    }
    for (let dx = seed - 1n, steps = 0; ; dx--, steps++) {
      if (dx <= 0n || !above(dx)) { provenLeft = true; break; }
      if (steps >= maxSteps) break;
      consider(dx);
    }
  } else {
    // G(k) = gb·k·xb/(yb·S + gb·k) − k·xa·S/(ga·(ya − k)) > best ?
    const above = (k: bigint): boolean => {
      const d1 = yb * S + gb * k;
      const d2 = ga * (ya - k);
      return gb * k * xb * d2 - k * xa * S * d1 > best.profit * d1 * d2;
    };
    consider(seed);
    const k0 = v2AmountOut(seed, xa, ya, feeA);
    const kTop = v2AmountOut(seed + 2n, xa, ya, feeA) + 1n;
    const window = 16n * BigInt(maxSteps) + 1n;
    if ((kTop + window < ya && above(kTop + window)) || (k0 > window && above(k0 - window))) {
      for (let k = k0 - 1n; k <= kTop; k++) if (k > 0n) consider(v2MinAmountIn(k, xa, ya, feeA));
      best.proven = false;
      return best;
    }
    for (let k = k0, steps = 0; ; k++, steps++) {
      if (k >= ya || (k > kTop && !above(k))) { provenRight = true; break; }
      if (steps >= maxSteps) break;
      consider(v2MinAmountIn(k, xa, ya, feeA));
    }
    for (let k = k0 - 1n, steps = 0; ; k--, steps++) {
      if (k <= 0n || !above(k)) { provenLeft = true; break; }
      if (steps >= maxSteps) break;
      consider(v2MinAmountIn(k, xa, ya, feeA));
    }
  }
  best.proven = provenLeft && provenRight;
  return best;
}
