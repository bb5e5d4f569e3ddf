import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isqrt } from "../../../trading/dex/int-math.ts";
import { v2AmountOut, v2MinAmountIn, v2OptimalCycle, v2OptimalInput } from "../../../trading/dex/v2-math.ts";

/** The pair contract's getAmountOut with 997/1000, transcribed from UniswapV2Library. */
function uniswapV2GetAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const amountInWithFee = amountIn * 997n;
  return (amountInWithFee * reserveOut) / (reserveIn * 1000n + amountInWithFee);
}

/** Exact floor division on safe integers (products stay below 2^53 in these tests). */
function out(dx: number, rin: number, rout: number, fee: number): number {
  if (dx <= 0) return 0;
  const w = dx * (1e6 - fee);
  const num = w * rout;
  const den = rin * 1e6 + w;
  let q = Math.floor(num / den);
  if (q * den > num) q--;
  if ((q + 1) * den <= num) q++;
  return q;
}

/** Best integer profit of X →(A) Y →(B) X over every input 1…2·xa. */
function bruteForce(xa: number, ya: number, fa: number, xb: number, yb: number, fb: number): number {
  let best = 0;
  for (let dx = 1; dx <= 2 * xa; dx++) {
    const p = out(out(dx, xa, ya, fa), yb, xb, fb) - dx;
    if (p > best) best = p;
  }
  return best;
}

const reserve = fc.integer({ min: 100, max: 20_000 });
const fee = fc.oneof(fc.constantFrom(0, 500, 2500, 3000, 10_000), fc.integer({ min: 0, max: 30_000 }));
/** Two pools on the same pair whose prices differ by −5 %…+15 %, so many cases are profitable. */
const pools = fc.record({ xa: reserve, ya: reserve, xb: reserve, skew: fc.double({ min: -0.05, max: 0.15, noNaN: true }), fa: fee, fb: fee })
  .map(({ xa, ya, xb, skew, fa, fb }) => ({ xa, ya, xb, yb: Math.max(1, Math.floor((xb * ya) / xa / (1 + skew))), fa, fb }));

describe("isqrt", () => {
  it("is the floor square root", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 400n }), (n) => {
      const r = isqrt(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }));
    expect(isqrt(0n)).toBe(0n);
    expect(isqrt(99n)).toBe(9n);
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });
});

describe("v2AmountOut", () => {
  it("equals the pair's 997/1000 getAmountOut at fee 3000", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 1n << 112n }), fc.bigInt({ min: 1n, max: 1n << 112n }), fc.bigInt({ min: 1n, max: 1n << 100n }),
      (rin, rout, amountIn) => {
        expect(v2AmountOut(amountIn, rin, rout, 3000n)).toBe(uniswapV2GetAmountOut(amountIn, rin, rout));
      }));
  });

  it("hand-computed vector: 1 ETH into 1000 ETH / 2,000,000 USDC", () => {
    // 1e18·997·2e12 / (1000e18·1000 + 1e18·997) = 1992013962.079… → 1992013962 (1,992.013962 USDC)
    expect(v2AmountOut(10n ** 18n, 1000n * 10n ** 18n, 2_000_000n * 10n ** 6n, 3000n)).toBe(1_992_013_962n);
  });

  it("v2MinAmountIn is the least input reaching an output", () => {
    fc.assert(fc.property(fc.integer({ min: 10, max: 1_000_000 }), fc.integer({ min: 10, max: 1_000_000 }), fee, fc.integer({ min: 1, max: 1_000_000 }),
      (rin, rout, f, k) => {
        fc.pre(k < rout);
        const dx = v2MinAmountIn(BigInt(k), BigInt(rin), BigInt(rout), BigInt(f));
        expect(v2AmountOut(dx, BigInt(rin), BigInt(rout), BigInt(f)) >= BigInt(k)).toBe(true);
        expect(v2AmountOut(dx - 1n, BigInt(rin), BigInt(rout), BigInt(f)) < BigInt(k)).toBe(true);
      }));
  });
});

describe("v2OptimalCycle (closed form + exact refinement)", () => {
  it("matches a brute-force search over every integer input", () => {
    fc.assert(fc.property(pools, ({ xa, ya, xb, yb, fa, fb }) => {
      const brute = bruteForce(xa, ya, fa, xb, yb, fb);
      const r = v2OptimalCycle(BigInt(xa), BigInt(ya), BigInt(fa), BigInt(xb), BigInt(yb), BigInt(fb));
      // The reported profit is what the exact outputs give at the reported input.
      if (r.profit > 0n) {
        const mid = v2AmountOut(r.amountIn, BigInt(xa), BigInt(ya), BigInt(fa));
        expect(mid).toBe(r.midAmount);
        expect(v2AmountOut(mid, BigInt(yb), BigInt(xb), BigInt(fb)) - r.amountIn).toBe(r.profit);
      } else {
        expect(r.amountIn).toBe(0n);
      }
      expect(Number(r.profit)).toBeLessThanOrEqual(brute);
      expect(Number(r.profit)).toBeGreaterThanOrEqual(brute - 2);
      if (r.proven) expect(Number(r.profit)).toBe(brute);
      // With room to finish the search it is always proven and exact.
      const full = v2OptimalCycle(BigInt(xa), BigInt(ya), BigInt(fa), BigInt(xb), BigInt(yb), BigInt(fb), 1_000_000);
      expect(full.proven).toBe(true);
      expect(Number(full.profit)).toBe(brute);
    }), { numRuns: 150 });
  });

  it("closed form Δ* is the real optimum's floor (checked against the derivative's sign)", () => {
    fc.assert(fc.property(fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }), fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }), fc.integer({ min: 1, max: 300 }),
      (xa, ya, bps) => {
        // Pool B priced `bps` above A: xb/yb = (xa/ya)·(1 + bps/1e4).
        const xb = xa * BigInt(10_000 + bps);
        const yb = ya * 10_000n;
        const d = v2OptimalInput(xa, ya, 3000n, xb, yb, 3000n);
        // Continuous profit F(Δ) = γ²Δ·ya·xb / (xa·yb + Δ(γ·yb + γ²·ya)) − Δ; F'(Δ) > 0 ⟺ γ²·ya·xb·xa·yb > (xa·yb + Δ(γ·yb + γ²·ya))².
        const g = 997_000n;
        const S = 1_000_000n;
        const rising = (x: bigint): boolean => g * g * ya * xb * xa * yb * S * S > (xa * yb * S * S + x * (g * yb * S + g * g * ya)) ** 2n;
        if (d > 0n) expect(rising(d - 1n)).toBe(true);
        expect(rising(d + 1n)).toBe(false);
      }));
  });

  it("no profit when the pools agree after fees", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1000n, max: 10n ** 27n }), fc.bigInt({ min: 1000n, max: 10n ** 27n }), fc.bigInt({ min: 1000n, max: 10n ** 27n }),
      fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100 }),
      (xa, ya, xb, fa, fb, withinPct) => {
        // B's price differs from A's by less than the two fees together: γa·γb·(ya/xa)·(xb/yb) ≤ 1.
        const gamma = BigInt((1_000_000 - fa)) * BigInt(1_000_000 - fb);
        const yb = (gamma * ya * xb * BigInt(100 + withinPct)) / (100n * 10n ** 12n * xa) + 1n;
        fc.pre(gamma * ya * xb <= 10n ** 12n * xa * yb);
        const r = v2OptimalCycle(xa, ya, BigInt(fa), xb, yb, BigInt(fb));
        expect(r.profit).toBe(0n);
        expect(r.amountIn).toBe(0n);
      }));
  });
});
