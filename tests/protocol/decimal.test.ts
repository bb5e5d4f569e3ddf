/**
 * Exact decimal text ↔ 10^8 fixed point (PROTOCOL.md §1): exact conversions, half-to-even rounding with
 * the inexact flag, exponents, signs, i64 limits, and the format/parse round trip for every i64.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { I64_MAX, I64_MIN, ProtocolError, formatDecimal, parseDecimal } from "../../protocol/mod.ts";

/** Reference: sign·int.frac × 10^8 rounded half-to-even, by exact rational arithmetic. */
function reference(negative: boolean, int: string, frac: string): { value: bigint; inexact: boolean } {
  const numerator = BigInt((int || "0") + frac) * 10n ** 8n;
  const denominator = 10n ** BigInt(frac.length);
  let q = numerator / denominator;
  const r2 = 2n * (numerator % denominator);
  if (r2 > denominator || (r2 === denominator && (q & 1n) === 1n)) q += 1n;
  return { value: negative ? -q : q, inexact: r2 !== 0n };
}

function invalid(text: string): ProtocolError {
  try {
    parseDecimal(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).kind).toBe("InvalidValue");
    return e as ProtocolError;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe("parseDecimal", () => {
  it.each([
    ["0.036", 3_600_000n],
    ["116827.85", 11_682_785_000_000n],
    ["30000.12345678", 3_000_012_345_678n],
    ["0", 0n],
    ["-0", 0n],
    ["0.00000001", 1n],
    ["1", 100_000_000n],
    ["+5", 500_000_000n],
    [".5", 50_000_000n],
    ["5.", 500_000_000n],
    ["-12", -1_200_000_000n],
    ["007.10", 710_000_000n],
    ["0.000000010000", 1n], // zeros past the 8th digit lose nothing
    ["92233720368.54775807", I64_MAX],
    ["-92233720368.54775808", I64_MIN],
  ])("%s → %s exactly", (text, value) => {
    expect(parseDecimal(text)).toEqual({ value, inexact: false });
  });

  it.each([
    // more than 8 fractional digits: half to even, flagged inexact
    ["0.000000015", 2n], // 1.5 → 2
    ["0.000000025", 2n], // 2.5 → 2 (tie to even)
    ["0.000000035", 4n], // 3.5 → 4
    ["0.0000000250", 2n], // still an exact tie
    ["0.00000002500000000000", 2n],
    ["0.0000000250000001", 3n], // just above the tie
    ["0.0000000249999999", 2n], // just below
    ["0.123456789", 12_345_679n],
    ["1.000000004", 100_000_000n],
    ["1.000000005", 100_000_000n], // tie, 0 is even
    ["1.000000015", 100_000_002n],
    ["0.000000004", 0n],
    ["0.000000005", 0n], // tie → 0
    ["0.0000000051", 1n],
    ["0.000000000000001", 0n],
    ["-0.000000015", -2n],
    ["-0.000000025", -2n],
    ["-1.000000015", -100_000_002n],
  ])("%s → %s, inexact", (text, value) => {
    expect(parseDecimal(text)).toEqual({ value, inexact: true });
  });

  it.each([
    ["1.5e-7", 15n, false],
    ["1e8", 10n ** 16n, false],
    ["1E+2", 10_000_000_000n, false],
    ["-3e2", -30_000_000_000n, false],
    ["12345e-4", 123_450_000n, false],
    ["1.5e-8", 2n, true],
    ["2.5e-8", 2n, true],
    ["5e-9", 0n, true],
    ["2.5E-9", 0n, true],
    ["1e-300", 0n, true],
    ["0e999", 0n, false],
    ["9.223372036854775807e10", I64_MAX, false],
  ])("exponent form %s → %s (inexact %s)", (text, value, inexact) => {
    expect(parseDecimal(text)).toEqual({ value, inexact });
  });

  it("honours another scale", () => {
    expect(parseDecimal("1.5", 0)).toEqual({ value: 2n, inexact: true });
    expect(parseDecimal("2.5", 0)).toEqual({ value: 2n, inexact: true });
    expect(parseDecimal("0.5", 0)).toEqual({ value: 0n, inexact: true });
    expect(parseDecimal("1.23", 2)).toEqual({ value: 123n, inexact: false });
  });

  it.each([
    "92233720368.54775808", // 2^63
    "-92233720368.54775809",
    "92233720368.547758075", // rounds (7.5 → 8) to 2^63
    "100000000000",
    "1e30",
    "-1e30",
    "1" + "0".repeat(60),
  ])("rejects %s as outside i64 (InvalidValue)", (text) => {
    expect(invalid(text).message).toContain("i64");
  });

  it("rejects an absurd exponent (InvalidValue)", () => {
    expect(invalid("1e99999").message).toContain("exponent");
    expect(invalid("1e-99999999999999999999").message).toContain("exponent");
  });

  it.each(["", ".", "+", "-", "abc", "1.2.3", "1e", "e5", " 1", "1 ", "0x10", "NaN", "Infinity", "1,5", "--1", "1e1.5"])(
    "rejects %j as not a number (InvalidValue)",
    (text) => {
      invalid(text);
    },
  );

  it("names the field in its error", () => {
    expect(() => parseDecimal("x", 8, "price")).toThrow(/price/);
  });

  it("matches exact rational half-to-even rounding for random decimal text", () => {
    const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
    fc.assert(fc.property(fc.boolean(), digits(11), digits(16), (negative, int, frac) => {
      fc.pre(int.length + frac.length > 0);
      const text = `${negative ? "-" : ""}${int}${frac.length > 0 ? "." + frac : ""}`;
      expect(parseDecimal(text)).toEqual(reference(negative, int, frac));
    }), { numRuns: 2000 });
  });

  it("treats mantissa·10^exponent like the equivalent plain decimal", () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: -20, max: 3 }), (mantissa, exp) => {
      const abs = (mantissa < 0n ? -mantissa : mantissa).toString();
      const plain = exp >= 0
        ? abs + "0".repeat(exp)
        : abs.padStart(-exp + 1, "0").slice(0, exp) + "." + abs.padStart(-exp + 1, "0").slice(exp);
      const sign = mantissa < 0n ? "-" : "";
      const outcome = (text: string) => {
        try {
          return parseDecimal(text);
        } catch (e) {
          return (e as ProtocolError).kind; // both forms must fail alike when out of range
        }
      };
      expect(outcome(`${sign}${abs}e${exp}`)).toEqual(outcome(sign + plain));
    }), { numRuns: 1000 });
  });
});

describe("formatDecimal", () => {
  it.each([
    [3_600_000n, "0.036"],
    [11_682_785_000_000n, "116827.85"],
    [0n, "0"],
    [1n, "0.00000001"],
    [-1n, "-0.00000001"],
    [100_000_000n, "1"],
    [-1_200_000_000n, "-12"],
    [I64_MAX, "92233720368.54775807"],
    [I64_MIN, "-92233720368.54775808"],
  ])("%s → %s", (value, text) => {
    expect(formatDecimal(value)).toBe(text);
  });

  it("formats with another scale", () => {
    expect(formatDecimal(123n, 2)).toBe("1.23");
    expect(formatDecimal(5n, 0)).toBe("5");
  });

  it("round-trips every i64 exactly, in shortest form", () => {
    fc.assert(fc.property(fc.bigInt({ min: I64_MIN, max: I64_MAX }), (v) => {
      const text = formatDecimal(v);
      expect(text).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
      expect(parseDecimal(text)).toEqual({ value: v, inexact: false });
    }), { numRuns: 5000 });
  });
});
