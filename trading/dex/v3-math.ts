/**
 * Uniswap V3 swap math on `bigint`, ported operation for operation from v3-core's `TickMath`,
 * `SqrtPriceMath` and `SwapMath` (same roundings, same overflow fallbacks), so an exact-input swap inside
 * one liquidity range gives the pool's own integer output.
 *
 * Only the current range is known from market data (PoolSwap carries sqrtPriceX96, liquidity and tick
 * after the swap, not the tick bitmap). The next initialized tick is therefore unknown; we assume the
 * current liquidity holds up to the edge of the current tick-spacing interval,
 * `[⌊tick/spacing⌋·spacing, (⌊tick/spacing⌋+1)·spacing]`, and cap every swap there. An initialized tick can
 * only sit on a multiple of the spacing, so inside that interval the liquidity is certainly constant:
 * the cap is conservative, never optimistic.
 *
 * @example
 * ```ts
 * const range = v3RangeBounds(tick, 60);
 * const out = v3SwapExactIn(sqrtP, liquidity, 3000n, amountIn, true, range.sqrtLower); // -1n if beyond range
 * ```
 * @module
 */

import { UINT256_MAX, divRoundingUp, mulDiv, mulDivRoundingUp } from "./int-math.ts";
import { FEE_SCALE } from "./v2-math.ts";

/** Smallest tick (log base √1.0001 of 2^-128). */
export const MIN_TICK = -887272;
/** Largest tick. */
export const MAX_TICK = 887272;
/** getSqrtRatioAtTick(MIN_TICK). */
export const MIN_SQRT_RATIO = 4295128739n;
/** getSqrtRatioAtTick(MAX_TICK). */
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
/** 2^96, the Q64.96 unit. */
export const Q96 = 1n << 96n;
const U160_MAX = (1n << 160n) - 1n;

const TICK_FACTORS: readonly bigint[] = [
  0xfff97272373d413259a46990580e213an, 0xfff2e50f5f656932ef12357cf3c7fdccn, 0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n, 0xff973b41fa98c081472e6896dfb254c0n, 0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n, 0xfcbe86c7900a88aedcffc83b479aa3a4n, 0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n, 0xe7159475a2c29b7443b29c7fa6e889d9n, 0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n, 0x70d869a156d2a1b890bb3df62baf32f7n, 0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n, 0x5d6af8dedb81196699c329225ee604n, 0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** TickMath.getSqrtRatioAtTick: √(1.0001^tick)·2^96 as Q64.96, rounded up. `RangeError` outside ±887272. */
export function getSqrtRatioAtTick(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) throw new RangeError(`tick ${tick} is outside ±${MAX_TICK}`);
  const absTick = tick < 0 ? -tick : tick;
  let ratio = (absTick & 1) !== 0 ? 0xfffcb933bd6fad37aa2d162d1a594001n : 0x100000000000000000000000000000000n;
  for (let bit = 1; bit < 20; bit++) {
    if ((absTick & (1 << bit)) !== 0) ratio = (ratio * TICK_FACTORS[bit - 1]!) >> 128n;
  }
  if (tick > 0) ratio = UINT256_MAX / ratio;
  return (ratio >> 32n) + ((ratio & 0xffffffffn) === 0n ? 0n : 1n);
}

/** Tick spacing of the standard fee tiers (v3 factory): 100→1, 500→10, 3000→60, 10000→200; else undefined. */
export function defaultTickSpacing(feePips: number): number | undefined {
  switch (feePips) {
    case 100: return 1;
    case 500: return 10;
    case 3000: return 60;
    case 10000: return 200;
    default: return undefined;
  }
}

/** The tick-spacing interval holding `tick`, clamped to the tick limits, with its sqrt prices. */
export interface V3Range {
  lowerTick: number;
  upperTick: number;
  sqrtLower: bigint;
  sqrtUpper: bigint;
}

/** The tick-spacing interval `[⌊tick/s⌋·s, ⌊tick/s⌋·s + s]` (clamped to ±887272) and its sqrt prices. */
export function v3RangeBounds(tick: number, tickSpacing: number): V3Range {
  const lower = Math.floor(tick / tickSpacing) * tickSpacing;
  const lowerTick = Math.max(lower, MIN_TICK);
  const upperTick = Math.min(lower + tickSpacing, MAX_TICK);
  return { lowerTick, upperTick, sqrtLower: getSqrtRatioAtTick(lowerTick), sqrtUpper: getSqrtRatioAtTick(upperTick) };
}

/**
 * SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp with `add = true` (token0 in), including the
 * contract's fallback formula when amount·√P or the denominator overflows 256 bits.
 */
export function nextSqrtPriceFromAmount0In(sqrtP: bigint, liquidity: bigint, amount: bigint): bigint {
  if (amount === 0n) return sqrtP;
  const numerator1 = liquidity << 96n;
  const product = amount * sqrtP;
  if (product <= UINT256_MAX) {
    const denominator = numerator1 + product;
    if (denominator <= UINT256_MAX) return mulDivRoundingUp(numerator1, sqrtP, denominator);
  }
  return divRoundingUp(numerator1, numerator1 / sqrtP + amount);
}

/** SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown with `add = true` (token1 in). `RangeError` past u160. */
export function nextSqrtPriceFromAmount1In(sqrtP: bigint, liquidity: bigint, amount: bigint): bigint {
  const next = sqrtP + (amount << 96n) / liquidity;
  if (next > U160_MAX) throw new RangeError("sqrt price overflows u160");
  return next;
}

/** SqrtPriceMath.getNextSqrtPriceFromInput. */
export function getNextSqrtPriceFromInput(sqrtP: bigint, liquidity: bigint, amountIn: bigint, zeroForOne: boolean): bigint {
  if (sqrtP <= 0n || liquidity <= 0n) throw new RangeError("sqrt price and liquidity must be positive");
  return zeroForOne ? nextSqrtPriceFromAmount0In(sqrtP, liquidity, amountIn) : nextSqrtPriceFromAmount1In(sqrtP, liquidity, amountIn);
}

/** SqrtPriceMath.getAmount0Delta: L·2^96·(√B − √A)/(√B·√A), rounded as asked. */
export function getAmount0Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtA > sqrtB) [sqrtA, sqrtB] = [sqrtB, sqrtA];
  if (sqrtA <= 0n) throw new RangeError("sqrt price must be positive");
  const numerator1 = liquidity << 96n;
  const numerator2 = sqrtB - sqrtA;
  return roundUp
    ? divRoundingUp(mulDivRoundingUp(numerator1, numerator2, sqrtB), sqrtA)
    : mulDiv(numerator1, numerator2, sqrtB) / sqrtA;
}

/** SqrtPriceMath.getAmount1Delta: L·(√B − √A)/2^96, rounded as asked. */
export function getAmount1Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtA > sqrtB) [sqrtA, sqrtB] = [sqrtB, sqrtA];
  return roundUp ? mulDivRoundingUp(liquidity, sqrtB - sqrtA, Q96) : mulDiv(liquidity, sqrtB - sqrtA, Q96);
}

/** One exact-input SwapMath.computeSwapStep result. */
export interface SwapStep {
  sqrtNext: bigint;
  /** Input consumed, fee excluded. */
  amountIn: bigint;
  amountOut: bigint;
  feeAmount: bigint;
}

/** SwapMath.computeSwapStep for exact input (`amountRemaining` ≥ 0) towards `sqrtTarget`. */
export function computeSwapStepExactIn(
  sqrtCurrent: bigint, sqrtTarget: bigint, liquidity: bigint, amountRemaining: bigint, feePips: bigint,
): SwapStep {
  const zeroForOne = sqrtCurrent >= sqrtTarget;
  const lessFee = mulDiv(amountRemaining, FEE_SCALE - feePips, FEE_SCALE);
  let amountIn = zeroForOne
    ? getAmount0Delta(sqrtTarget, sqrtCurrent, liquidity, true)
    : getAmount1Delta(sqrtCurrent, sqrtTarget, liquidity, true);
  const sqrtNext = lessFee >= amountIn ? sqrtTarget : getNextSqrtPriceFromInput(sqrtCurrent, liquidity, lessFee, zeroForOne);
  const max = sqrtNext === sqrtTarget;
  let amountOut: bigint;
  if (zeroForOne) {
    if (!max) amountIn = getAmount0Delta(sqrtNext, sqrtCurrent, liquidity, true);
    amountOut = getAmount1Delta(sqrtNext, sqrtCurrent, liquidity, false);
  } else {
    if (!max) amountIn = getAmount1Delta(sqrtCurrent, sqrtNext, liquidity, true);
    amountOut = getAmount0Delta(sqrtCurrent, sqrtNext, liquidity, false);
  }
  const feeAmount = !max ? amountRemaining - amountIn : mulDivRoundingUp(amountIn, feePips, FEE_SCALE - feePips);
  return { sqrtNext, amountIn, amountOut, feeAmount };
}

/**
 * Largest exact input (fee included) that a swap can take without leaving the range bounded by
 * `sqrtTarget` (the range's lower price for token0 in, upper for token1 in). At exactly this input the
 * price lands on the boundary with nothing left over.
 */
export function v3RangeCapacity(sqrtP: bigint, liquidity: bigint, feePips: bigint, zeroForOne: boolean, sqrtTarget: bigint): bigint {
  if (liquidity <= 0n) return 0n;
  if (zeroForOne ? sqrtTarget >= sqrtP : sqrtTarget <= sqrtP) return 0n;
  const netIn = zeroForOne ? getAmount0Delta(sqrtTarget, sqrtP, liquidity, true) : getAmount1Delta(sqrtP, sqrtTarget, liquidity, true);
  return netIn + mulDivRoundingUp(netIn, feePips, FEE_SCALE - feePips);
}

/**
 * Input (fee excluded) that moves the price from `sqrtP` to `sqrtTarget`, rounded up as SwapMath does:
 * the amount a step compares its fee-less remainder with. 0 when the target is not on the swap's side.
 */
export function v3NetInToTarget(sqrtP: bigint, liquidity: bigint, zeroForOne: boolean, sqrtTarget: bigint): bigint {
  if (liquidity <= 0n || (zeroForOne ? sqrtTarget >= sqrtP : sqrtTarget <= sqrtP)) return 0n;
  return zeroForOne ? getAmount0Delta(sqrtTarget, sqrtP, liquidity, true) : getAmount1Delta(sqrtP, sqrtTarget, liquidity, true);
}

/**
 * Exact output of swapping `amountIn` (fee included) inside the current range, as the pool would pay it;
 * `-1n` when the input would carry the price past `sqrtTarget` (beyond the known range), 0n for no input.
 * `netToTarget` is {@link v3NetInToTarget} of the same state (computed when omitted); the result is
 * that of SwapMath.computeSwapStep for an exact input, operation for operation.
 */
export function v3SwapExactIn(
  sqrtP: bigint, liquidity: bigint, feePips: bigint, amountIn: bigint, zeroForOne: boolean, sqrtTarget: bigint,
  netToTarget: bigint = v3NetInToTarget(sqrtP, liquidity, zeroForOne, sqrtTarget),
): bigint {
  if (amountIn <= 0n) return 0n;
  if (liquidity <= 0n) return -1n;
  if (zeroForOne ? sqrtTarget >= sqrtP : sqrtTarget <= sqrtP) return -1n;
  const lessFee = mulDiv(amountIn, FEE_SCALE - feePips, FEE_SCALE);
  if (lessFee >= netToTarget) {
    // The step reaches the range edge; any input left beyond input + fee would cross it.
    if (amountIn - netToTarget - mulDivRoundingUp(netToTarget, feePips, FEE_SCALE - feePips) > 0n) return -1n;
    return zeroForOne ? getAmount1Delta(sqrtTarget, sqrtP, liquidity, false) : getAmount0Delta(sqrtP, sqrtTarget, liquidity, false);
  }
  const next = getNextSqrtPriceFromInput(sqrtP, liquidity, lessFee, zeroForOne);
  return zeroForOne ? getAmount1Delta(next, sqrtP, liquidity, false) : getAmount0Delta(sqrtP, next, liquidity, false);
}

/**
 * Virtual reserves of a V3 pool inside its current range, x = L·2^96/√P (token0), y = L·√P/2^96
 * (token1): the constant-product curve the range follows, used to seed searches with the V2 closed form.
 */
export function v3VirtualReserves(sqrtP: bigint, liquidity: bigint): [reserve0: bigint, reserve1: bigint] {
  if (sqrtP <= 0n) return [0n, 0n];
  return [(liquidity << 96n) / sqrtP, (liquidity * sqrtP) >> 96n];
}
