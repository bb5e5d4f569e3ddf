/**
 * Exact integer AMM arithmetic for the simulator: Uniswap V2 constant product with a 0.3% fee, and a
 * Uniswap V3 swap within one liquidity range (sqrtPriceX96 / liquidity / tick), so the simulated logs
 * carry self-consistent amounts, reserves and prices.
 *
 * @module
 */

/** 2^96, the fixed-point unit of sqrtPriceX96. */
export const Q96 = 1n << 96n;

/** Uniswap V2 `getAmountOut`: output for `amountIn` with reserves (0.3% fee, floor). */
export function v2AmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const inWithFee = amountIn * 997n;
  return (inWithFee * reserveOut) / (reserveIn * 1000n + inWithFee);
}

/** Result of a V3 exact-input swap within the current range. */
export interface V3SwapResult {
  amountOut: bigint;
  sqrtPriceX96After: bigint;
}

function divUp(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * V3 exact-input swap against liquidity `liquidity` at `sqrtPriceX96` with fee `fee` (hundredths of a
 * bp), staying in the current range (the simulator keeps swaps small enough). `zeroForOne`: token0 in.
 */
export function v3SwapExactIn(sqrtPriceX96: bigint, liquidity: bigint, fee: number, amountIn: bigint, zeroForOne: boolean): V3SwapResult {
  const amountLessFee = (amountIn * BigInt(1_000_000 - fee)) / 1_000_000n;
  if (zeroForOne) {
    // getNextSqrtPriceFromAmount0RoundingUp
    const num = liquidity * Q96;
    const next = divUp(num * sqrtPriceX96, num + amountLessFee * sqrtPriceX96);
    const amountOut = (liquidity * (sqrtPriceX96 - next)) / Q96;
    return { amountOut, sqrtPriceX96After: next };
  }
  const next = sqrtPriceX96 + (amountLessFee * Q96) / liquidity;
  const amountOut = (liquidity * Q96 * (next - sqrtPriceX96)) / next / sqrtPriceX96;
  return { amountOut, sqrtPriceX96After: next };
}

/** The tick at a sqrtPriceX96 (floor of log base 1.0001 of the price), in double precision. */
export function tickAtSqrtPrice(sqrtPriceX96: bigint): number {
  const sqrtP = Number(sqrtPriceX96) / 2 ** 96;
  return Math.floor((2 * Math.log(sqrtP)) / Math.log(1.0001));
}

/** sqrtPriceX96 at a tick, in double precision (for position amounts). */
export function sqrtPriceAtTick(tick: number): bigint {
  return BigInt(Math.round(Math.sqrt(1.0001 ** tick) * 2 ** 96));
}

/** Token amounts of `liquidity` between two ticks with the price at `sqrtPriceX96` (in range). */
export function v3PositionAmounts(sqrtPriceX96: bigint, tickLower: number, tickUpper: number, liquidity: bigint): [bigint, bigint] {
  const lower = sqrtPriceAtTick(tickLower);
  const upper = sqrtPriceAtTick(tickUpper);
  const p = sqrtPriceX96 < lower ? lower : sqrtPriceX96 > upper ? upper : sqrtPriceX96;
  const amount0 = (liquidity * Q96 * (upper - p)) / upper / p;
  const amount1 = (liquidity * (p - lower)) / Q96;
  return [amount0, amount1];
}

/** An integer-valued double to bigint (simulator amounts from floating-point sizes). */
export function toUnits(tokens: number, decimals: number): bigint {
  if (!(tokens > 0)) return 0n;
  const micro = BigInt(Math.round(tokens * 1e6));
  return decimals >= 6 ? micro * 10n ** BigInt(decimals - 6) : micro / 10n ** BigInt(6 - decimals);
}
