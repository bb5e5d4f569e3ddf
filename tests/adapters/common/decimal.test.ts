import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecimalReader } from "../../../adapters/common/decimal.ts";
import { parseDecimal } from "../../../protocol/mod.ts";

describe("DecimalReader", () => {
  const r = new DecimalReader();

  it("reads the precision edges exactly", () => {
    expect(r.readString("0.036")).toBe(3_600_000n);
    expect(r.inexact).toBe(false);
    expect(r.readString("116827.85")).toBe(11_682_785_000_000n);
    expect(r.readString("0.00004147")).toBe(4147n);
    expect(r.readString("105944.20")).toBe(10_594_420_000_000n);
    expect(r.readString("-3.25")).toBe(-325_000_000n);
    expect(r.inexact).toBe(false);
  });

  it("rounds more than 8 decimals half-to-even and reports inexact", () => {
    expect(r.readString("0.000000015")).toBe(2n);
    expect(r.inexact).toBe(true);
    expect(r.readString("0.000000025")).toBe(2n);
    expect(r.inexact).toBe(true);
    expect(r.readString("1.123456789")).toBe(112_345_679n);
    expect(r.inexact).toBe(true);
    expect(r.readString("1.123456780")).toBe(112_345_678n);
    expect(r.inexact).toBe(false);
  });

  it("reads a span in place", () => {
    const text = '{"p":"0.036","q":1e-7}';
    expect(r.read(text, 6, 11)).toBe(3_600_000n);
    expect(r.read(text, 17, 21)).toBe(10n);
  });

  it("rejects what is not a decimal, and what does not fit i64", () => {
    expect(() => r.readString("abc")).toThrow(/not a decimal/);
    expect(() => r.readString("")).toThrow(/not a decimal/);
    expect(() => r.readString("1.2.3")).toThrow(/not a decimal/);
    expect(() => r.readString("123456789012.5")).toThrow(/does not fit/);
  });

  it("agrees with the protocol's parseDecimal on any decimal text", () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
    const decimalText = fc.tuple(fc.constantFrom("", "-", "+"), digits(0, 14), fc.option(digits(0, 12)), fc.option(fc.integer({ min: -12, max: 6 })))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === null ? "" : `.${frac}`}${exp === null ? "" : `e${exp}`}`);
    fc.assert(fc.property(decimalText, (text) => {
      let expected: { value: bigint; inexact: boolean } | Error;
      try {
        expected = parseDecimal(text);
      } catch (e) {
        expected = e as Error;
      }
      if (expected instanceof Error) {
        expect(() => r.readString(text)).toThrow();
        return;
      }
      expect(r.readString(text)).toBe(expected.value);
      expect(r.inexact).toBe(expected.inexact);
    }), { numRuns: 3000 });
  });
});
