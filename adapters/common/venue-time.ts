/**
 * Venue timestamps → seconds + nanoseconds, without a lossy `number` of nanoseconds.
 *
 * Coinbase and Kraken send RFC 3339 text ("2025-08-22T20:11:30.012637Z"), Binance epoch milliseconds.
 * Both are read into a reused {@link VenueTime} (whole seconds and a nanosecond remainder, each exact in
 * a double); {@link writeVenueTime} puts it on the wire as a u64 with no bigint, and {@link VenueTime.ms}
 * gives the float milliseconds used only for latency metrics.
 *
 * @example
 * ```ts
 * const t = new VenueTime();
 * t.readIso("2025-08-22T20:11:30.012637Z", 0, 27); // t.seconds = 1755893490, t.nanos = 12637000
 * t.toNanos();                                     // 1755893490012637000n
 * ```
 * @module
 */

import { writeNanosParts } from "../../protocol/mod.ts";
import { FrameError } from "./json-cursor.ts";

/** A venue event time: whole seconds since the epoch plus nanoseconds. */
export class VenueTime {
  /** Whole seconds since the Unix epoch. */
  seconds = 0;
  /** Nanoseconds within the second (0 … 999 999 999). */
  nanos = 0;
  /** The last date read, as YYYYMMDD (−1: none), and its midnight in epoch seconds. */
  private day = -1;
  private daySeconds = 0;

  /** Milliseconds since the epoch as a float (for latency metrics only). */
  get ms(): number {
    return this.seconds * 1000 + this.nanos / 1e6;
  }

  /** The time as u64 nanoseconds. */
  toNanos(): bigint {
    return BigInt(this.seconds) * 1_000_000_000n + BigInt(this.nanos);
  }

  /** Sets the time from epoch milliseconds (integer). */
  setMillis(ms: number): this {
    const s = Math.floor(ms / 1000);
    this.seconds = s;
    this.nanos = (ms - s * 1000) * 1_000_000;
    return this;
  }

  /** Sets the time to zero ("unknown"). */
  clear(): this {
    this.seconds = 0;
    this.nanos = 0;
    return this;
  }

  /**
   * Reads `YYYY-MM-DDTHH:MM:SS[.fraction]` followed by `Z` or `+00:00` from `text[start, end)`.
   * Up to 9 fractional digits are kept exactly; further digits are cut. Throws {@link FrameError}.
   */
  readIso(text: string, start: number, end: number): this {
    if (end - start < 20 || (text.charCodeAt(start + 10) !== 84 /* T */ && text.charCodeAt(start + 10) !== 32)) {
      throw new FrameError(`timestamp ${JSON.stringify(text.slice(start, end))} is not RFC 3339`, start);
    }
    const y = digitsAt(text, start, 4);
    const mo = digitsAt(text, start + 5, 2);
    const d = digitsAt(text, start + 8, 2);
    const day = y * 10_000 + mo * 100 + d;
    if (day !== this.day || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) {
      if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) {
        throw new FrameError(`date in ${JSON.stringify(text.slice(start, end))} is not YYYY-MM-DD`, start);
      }
      this.daySeconds = Date.UTC(y, mo - 1, d) / 1000;
      this.day = day;
    }
    const h = digitsAt(text, start + 11, 2);
    const mi = digitsAt(text, start + 14, 2);
    const s = digitsAt(text, start + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) {
      throw new FrameError(`time in ${JSON.stringify(text.slice(start, end))} is not HH:MM:SS`, start);
    }
    let p = start + 19;
    let nanos = 0;
    if (text.charCodeAt(p) === 46) {
      p++;
      let scale = 100_000_000;
      for (; p < end; p++) {
        const dgt = text.charCodeAt(p) - 48;
        if (dgt < 0 || dgt > 9) break;
        nanos += dgt * scale;
        scale /= 10;
        if (scale < 1) scale = 0;
      }
    }
    const tz = text.charCodeAt(p);
    if (!(tz === 90 /* Z */ || (tz === 43 && text.startsWith("+00:00", p)))) {
      throw new FrameError(`timestamp ${JSON.stringify(text.slice(start, end))} is not UTC`, p);
    }
    this.seconds = this.daySeconds + h * 3600 + mi * 60 + s;
    this.nanos = Math.floor(nanos);
    return this;
  }
}

function digitsAt(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(at + i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Writes `t` as a little-endian u64 of nanoseconds at `off`, allocation-free. */
export function writeVenueTime(dv: DataView, off: number, t: VenueTime): void {
  writeNanosParts(dv, off, t.seconds, t.nanos);
}
