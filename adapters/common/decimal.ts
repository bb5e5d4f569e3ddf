/**
 * Exact decimal text → 10^8 fixed point, read in place from a frame (a span of the text).
 *
 * The common shapes ("116827.85", "0.00004147", "0.036": at most 8 fractional digits and a scaled
 * value below 2^53) are read digit by digit into an integer-valued double — exact, because every
 * intermediate is an integer below 2^53 — and turned into a bigint. Everything else (more than 8
 * fractional digits, exponents, huge values, odd signs) goes to the protocol's `parseDecimal` on the
 * raw text, which rounds half-to-even and reports `inexact`. Both paths give identical results; a
 * property test checks that against `parseDecimal` over arbitrary decimal text.
 *
 * @example
 * ```ts
 * const r = new DecimalReader();
 * r.read("0.036", 0, 5);          // 3_600_000n, r.inexact === false
 * r.read("0.000000015", 0, 11);   // 2n, r.inexact === true
 * ```
 * @module
 */

import { parseDecimal } from "../../protocol/mod.ts";

const POW10 = [1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Reads decimal spans as 10^8 fixed point; `inexact` tells whether the last read rounded. */
export class DecimalReader {
  /** True when the last {@link read} rounded its value. */
  inexact = false;

  /**
   * The value of `text[start, end)` × 10^8, exact or rounded half-to-even (then {@link inexact} is set).
   * Throws the protocol's `InvalidValue` error for text that is not a decimal or does not fit i64.
   */
  read(text: string, start: number, end: number, field = "decimal"): bigint {
    const u = this.fast(text, start, end);
    return u === u ? BigInt(u) : this.slow(text, start, end, field);
  }

  /**
   * Like {@link read}, but a value of the common shapes comes back as a number — the exact 10^8 units,
   * a safe integer — so the hot path builds no bigint; anything else comes back as {@link read}'s bigint.
   */
  value(text: string, start: number, end: number, field = "decimal"): number | bigint {
    const u = this.fast(text, start, end);
    return u === u ? u : this.slow(text, start, end, field);
  }

  /** The exact units of a common-shape decimal (then `inexact` is cleared), or NaN for the slow path. */
  private fast(text: string, start: number, end: number): number {
    let p = start;
    let neg = false;
    if (text.charCodeAt(p) === 45) {
      neg = true;
      p++;
    }
    let v = 0;
    let digits = 0;
    let frac = 0;
    let dot = false;
    for (; p < end; p++) {
      const c = text.charCodeAt(p);
      if (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        digits++;
        if (dot) frac++;
      } else if (c === 46 && !dot) {
        dot = true;
      } else {
        return NaN;
      }
    }
    if (digits === 0 || digits > 15 || frac > 8) return NaN;
    const scaled = v * POW10[frac]!;
    if (scaled > MAX_SAFE) return NaN;
    this.inexact = false;
    return neg ? -scaled : scaled;
  }

  /** Reads a whole string. */
  readString(text: string, field = "decimal"): bigint {
    return this.read(text, 0, text.length, field);
  }

  private slow(text: string, start: number, end: number, field: string): bigint {
    const r = parseDecimal(text.slice(start, end), 8, field);
    this.inexact = r.inexact;
    return r.value;
  }
}
