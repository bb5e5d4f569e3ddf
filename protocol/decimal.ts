/**
 * Exact decimal text ↔ fixed-point `bigint` (default scale 10^8, PROTOCOL.md §1).
 *
 * Venue prices arrive as decimal text ("0.036", "30000.12345678", Kraken's "1.5e-7"); they are converted
 * by string arithmetic, never through a float, so 0.036 stays 3_600_000 and never becomes 0.035999….
 * A value with more fractional digits than the scale is rounded half-to-even and reported `inexact`.
 *
 * @example
 * ```ts
 * parseDecimal("0.036");          // { value: 3600000n, inexact: false }
 * parseDecimal("0.000000015");    // { value: 2n, inexact: true }  (1.5 units → 2, half to even)
 * formatDecimal(3600000n);        // "0.036"
 * ```
 * @module
 */

import { PRICE_DECIMALS } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { I64_MAX, I64_MIN } from "./wide-ints.ts";

/** Result of {@link parseDecimal}: the scaled integer and whether rounding happened. */
export interface FixedPoint {
  /** The value × 10^decimals, rounded half-to-even. */
  value: bigint;
  /** True when the text had more precision than the scale holds. */
  inexact: boolean;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text into a fixed-point integer with `decimals` fractional digits (default 8).
 * Accepts an optional sign, digits, a fraction and an exponent. Throws `InvalidValue` for text that is
 * not a number or a result outside i64.
 */
export function parseDecimal(text: string, decimals: number = PRICE_DECIMALS, field = "decimal"): FixedPoint {
  const m = DECIMAL_RE.exec(text);
  const intPart = m?.[2] ?? "";
  const fracPart = m?.[3] ?? "";
  if (!m || (intPart.length === 0 && fracPart.length === 0)) {
    throw new ProtocolError("InvalidValue", `${field}: ${JSON.stringify(text)} is not a decimal number`);
  }
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 10_000) {
    throw new ProtocolError("InvalidValue", `${field}: exponent of ${JSON.stringify(text)} is out of range`);
  }
  // digits × 10^(exponent − fracLen) × 10^decimals = digits × 10^shift
  const digits = (intPart + fracPart).replace(/^0+/, "");
  const shift = exponent - fracPart.length + decimals;
  let value: bigint;
  let inexact = false;
  if (digits.length === 0) {
    value = 0n;
  } else if (shift >= 0) {
    if (digits.length + shift > 40) throw outOfRange(text, field);
    value = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const drop = -shift;
    if (drop > digits.length + 1) {
      value = 0n;
      inexact = true;
    } else {
      const keep = digits.length - drop;
      const head = keep > 0 ? BigInt(digits.slice(0, keep)) : 0n;
      const tail = keep >= 0 ? digits.slice(keep) : "0" + digits;
      value = head;
      if (/[^0]/.test(tail)) {
        inexact = true;
        const firstDropped = tail.charCodeAt(0) - 48;
        const restNonZero = /[^0]/.test(tail.slice(1));
        if (firstDropped > 5 || (firstDropped === 5 && (restNonZero || (head & 1n) === 1n))) value += 1n;
      }
    }
  }
  if (m[1] === "-") value = -value;
  if (value > I64_MAX || value < I64_MIN) throw outOfRange(text, field);
  return { value, inexact };
}

function outOfRange(text: string, field: string): ProtocolError {
  return new ProtocolError("InvalidValue", `${field}: ${JSON.stringify(text)} does not fit i64 fixed point`);
}

/**
 * Formats a fixed-point integer as the shortest exact decimal text ("0.036", "-12", "30000.5").
 * `parseDecimal(formatDecimal(v)).value === v` for every v.
 */
export function formatDecimal(value: bigint, decimals: number = PRICE_DECIMALS): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let s = abs.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, "0");
    const int = s.slice(0, s.length - decimals);
    const frac = s.slice(s.length - decimals).replace(/0+$/, "");
    s = frac.length > 0 ? `${int}.${frac}` : int;
  }
  return negative && abs !== 0n ? `-${s}` : s;
}
