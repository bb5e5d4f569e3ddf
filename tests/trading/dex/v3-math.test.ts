import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, Q96, computeSwapStepExactIn, getAmount0Delta, getAmount1Delta,
  getNextSqrtPriceFromInput, getSqrtRatioAtTick, v3RangeBounds, v3RangeCapacity, v3SwapExactIn, v3VirtualReserves,
} from "../../../trading/dex/v3-math.ts";

const E18 = 10n ** 18n;
// encodePriceSqrt(r1, r0) of Uniswap's tests: floor(sqrt(r1/r0) rounded to 20 decimals × 2^96), computed by hand.
const PRICE_1_1 = Q96;
const PRICE_121_100 = 87150978765690771352898345369n; // 1.1 × 2^96
const PRICE_101_100 = 79623317895830914510487008059n; // 1.00498756211208902702 × 2^96
const PRICE_1000_100 = 250541448375047931186501464011n; // 3.16227766016837933200 × 2^96

describe("TickMath.getSqrtRatioAtTick", () => {
  it("hits the documented extremes and tick 0", () => {
    expect(getSqrtRatioAtTick(MIN_TICK)).toBe(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).toBe(MAX_SQRT_RATIO);
    expect(getSqrtRatioAtTick(0)).toBe(Q96);
    expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).toThrow(RangeError);
  });

  it("is √1.0001^tick · 2^96 rounded up (tick 60: exact value 79466191966197645195421774832.22…)", () => {
    expect(getSqrtRatioAtTick(60)).toBe(79466191966197645195421774833n);
    expect(getSqrtRatioAtTick(1)).toBe(79232123823359799118286999568n);
    expect(getSqrtRatioAtTick(-1)).toBe(79224201403219477170569942574n);
  });

  it("is strictly increasing", () => {
    fc.assert(fc.property(fc.integer({ min: MIN_TICK, max: MAX_TICK - 1 }), (t) => {
      expect(getSqrtRatioAtTick(t) < getSqrtRatioAtTick(t + 1)).toBe(true);
    }));
  });
});

describe("SqrtPriceMath (vectors of Uniswap's SqrtPriceMath.spec.ts)", () => {
  it("getNextSqrtPriceFromInput", () => {
    expect(getNextSqrtPriceFromInput(PRICE_1_1, E18, E18 / 10n, false)).toBe(87150978765690771352898345369n);
    expect(getNextSqrtPriceFromInput(PRICE_1_1, E18, E18 / 10n, true)).toBe(72025602285694852357767227579n);
    expect(getNextSqrtPriceFromInput(PRICE_1_1, E18 / 10n, 0n, true)).toBe(PRICE_1_1);
    // amount·√P overflows 256 bits: the contract's fallback formula.
    expect(getNextSqrtPriceFromInput(PRICE_1_1, 10n * E18, 1n << 100n, true)).toBe(624999999995069620n);
    expect(getNextSqrtPriceFromInput(PRICE_1_1, 1n, ((1n << 256n) - 1n) / 2n, true)).toBe(1n);
    expect(getNextSqrtPriceFromInput(1n, 1n, 1n << 255n, true)).toBe(1n);
    expect(getNextSqrtPriceFromInput(1025574284609383690408304870162715216695788925244n, 50015962439936049619261659728067971248n, 406n, true))
      .toBe(1025574284609383582644711336373707553698163132913n);
    expect(() => getNextSqrtPriceFromInput((1n << 160n) - 1n, 1024n, 1024n, false)).toThrow(RangeError);
  });

  it("getAmount0Delta / getAmount1Delta round as asked", () => {
    expect(getAmount0Delta(PRICE_1_1, PRICE_121_100, E18, true)).toBe(90909090909090910n);
    expect(getAmount0Delta(PRICE_1_1, PRICE_121_100, E18, false)).toBe(90909090909090909n);
    expect(getAmount1Delta(PRICE_1_1, PRICE_121_100, E18, true)).toBe(100000000000000000n);
    expect(getAmount1Delta(PRICE_1_1, PRICE_121_100, E18, false)).toBe(99999999999999999n);
    expect(getAmount0Delta(1025574284609383582644711336373707553698163132913n, 1025574284609383690408304870162715216695788925244n,
      50015962439936049619261659728067971248n, true)).toBe(406n);
  });
});

describe("SwapMath.computeSwapStep exact input (vectors of Uniswap's SwapMath.spec.ts)", () => {
  it("capped at the price target, one for zero", () => {
    const s = computeSwapStepExactIn(PRICE_1_1, PRICE_101_100, 2n * E18, E18, 600n);
    expect(s.amountIn).toBe(9975124224178055n);
    expect(s.feeAmount).toBe(5988667735148n);
    expect(s.amountOut).toBe(9925619580021728n);
    expect(s.sqrtNext).toBe(PRICE_101_100);
  });

  it("fully spent, one for zero", () => {
    const s = computeSwapStepExactIn(PRICE_1_1, PRICE_1000_100, 2n * E18, E18, 600n);
    expect(s.amountIn).toBe(999400000000000000n);
    expect(s.feeAmount).toBe(600000000000000n);
    expect(s.amountOut).toBe(666399946655997866n);
    expect(s.sqrtNext).toBe(getNextSqrtPriceFromInput(PRICE_1_1, 2n * E18, E18 - 600000000000000n, false));
  });

  it("target price of 1 uses partial input; entire input taken as fee", () => {
    const a = computeSwapStepExactIn(2n, 1n, 1n, 3915081100057732413702495386755767n, 1n);
    expect(a.amountIn).toBe(39614081257132168796771975168n);
    expect(a.feeAmount).toBe(39614120871253040049813n);
    expect(a.amountOut).toBe(0n);
    expect(a.sqrtNext).toBe(1n);
    const b = computeSwapStepExactIn(2413n, 79887613182836312n, 1985041575832132834610021537970n, 10n, 1872n);
    expect(b).toEqual({ sqrtNext: 2413n, amountIn: 0n, amountOut: 0n, feeAmount: 10n });
  });
});

describe("in-range swaps (hand-computed from the Uniswap formulas)", () => {
  // Pool at price 1 (√P = 2^96, tick 0), L = 1e18, fee 0.3 %, spacing 60: range [0, 60].
  const upper = getSqrtRatioAtTick(60);

  it("range bounds of the current tick's spacing interval", () => {
    expect(v3RangeBounds(0, 60)).toEqual({ lowerTick: 0, upperTick: 60, sqrtLower: Q96, sqrtUpper: upper });
    expect(v3RangeBounds(-1, 60).lowerTick).toBe(-60);
    expect(v3RangeBounds(-887272, 60)).toMatchObject({ lowerTick: MIN_TICK, upperTick: -887220 });
  });

  it("token1 in: 1e15 → 996006981039903 token0", () => {
    // less fee = 1e15·997000/1e6 = 997e12; √Q = 2^96 + ⌊997e12·2^96/1e18⌋ = 79307152992291059138124713654;
    // out = ⌊⌊1e18·2^96·(√Q − 2^96)/√Q⌋ / 2^96⌋ = 996006981039903.
    expect(v3SwapExactIn(Q96, E18, 3000n, 10n ** 15n, false, upper)).toBe(996006981039903n);
  });

  it("capacity to the range edge: netIn ⌈1e18·(√P60 − 2^96)/2^96⌉ = 3004354062741926, plus fee ⌈netIn·3000/997000⌉", () => {
    const cap = v3RangeCapacity(Q96, E18, 3000n, false, upper);
    expect(cap).toBe(3013394245478362n);
    expect(v3SwapExactIn(Q96, E18, 3000n, cap, false, upper) > 0n).toBe(true);
    expect(v3SwapExactIn(Q96, E18, 3000n, cap + 1n, false, upper)).toBe(-1n);
    // At the lower edge already: nothing can be sold into token0 → token1 within the range.
    expect(v3RangeCapacity(Q96, E18, 3000n, true, Q96)).toBe(0n);
    expect(v3SwapExactIn(Q96, E18, 3000n, 1n, true, Q96)).toBe(-1n);
  });

  it("token0 in at fee 0.05 %: 1e14 → 99630727940029 token1", () => {
    // √P = ⌊√(1.0001^-30)·2^96⌋ = 79109415290437042302807587395, L = 5e17; less fee = 99950000000000;
    // √Q = ⌈L·2^96·√P / (L·2^96 + lessFee·√P)⌉ = 79093628171427748091604941143; out = ⌊L·(√P − √Q)/2^96⌋.
    const sqrtP = 79109415290437042302807587395n;
    expect(v3SwapExactIn(sqrtP, 5n * 10n ** 17n, 500n, 10n ** 14n, true, getSqrtRatioAtTick(-60))).toBe(99630727940029n);
  });

  it("output grows with input and never exceeds the virtual reserve", () => {
    fc.assert(fc.property(fc.integer({ min: -50_000, max: 50_000 }), fc.bigInt({ min: 10n ** 10n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 22n }),
      fc.boolean(), fc.constantFrom(500, 3000, 10_000), (tick, liquidity, amount, zeroForOne, fee) => {
        const spacing = fee === 500 ? 10 : fee === 3000 ? 60 : 200;
        const range = v3RangeBounds(tick, spacing);
        // A price strictly inside the range.
        const sqrtP = (range.sqrtLower + range.sqrtUpper) / 2n;
        const target = zeroForOne ? range.sqrtLower : range.sqrtUpper;
        const cap = v3RangeCapacity(sqrtP, liquidity, BigInt(fee), zeroForOne, target);
        const a = amount > cap ? cap : amount;
        const outA = v3SwapExactIn(sqrtP, liquidity, BigInt(fee), a, zeroForOne, target);
        const outB = v3SwapExactIn(sqrtP, liquidity, BigInt(fee), a / 2n, zeroForOne, target);
        expect(outA >= outB && outB >= 0n).toBe(true);
        const [r0, r1] = v3VirtualReserves(sqrtP, liquidity);
        expect(outA <= (zeroForOne ? r1 : r0)).toBe(true);
        expect(v3SwapExactIn(sqrtP, liquidity, BigInt(fee), cap + 1n, zeroForOne, target)).toBe(-1n);
      }));
  });
});
