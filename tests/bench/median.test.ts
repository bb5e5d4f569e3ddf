import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { median } from "../../bench/median.ts";

describe("median", () => {
  it("is the middle value of an odd count and the mean of the middle two of an even one", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1.2, 2, 1.1, 1.6])).toBe(1.4);
    expect(median([5])).toBe(5);
  });

  it("is NaN for no values and leaves its input as it was", () => {
    expect(median([])).toBeNaN();
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("has as many values at or below it as at or above it", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const m = median(xs);
        expect(xs.filter((x) => x <= m).length * 2).toBeGreaterThanOrEqual(xs.length);
        expect(xs.filter((x) => x >= m).length * 2).toBeGreaterThanOrEqual(xs.length);
      }),
    );
  });
});
