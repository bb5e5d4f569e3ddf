import { describe, expect, it } from "vitest";
import { Backoff, BACKOFF_CAP_MS } from "../../../adapters/common/backoff.ts";

describe("Backoff", () => {
  it("doubles per failure within [d/2, d], capped at 60 s, and resets", () => {
    const lo = new Backoff({ baseMs: 500, random: () => 0 });
    const hi = new Backoff({ baseMs: 500, random: () => 0.999999 });
    const lows = Array.from({ length: 12 }, () => lo.next());
    const highs = Array.from({ length: 12 }, () => hi.next());
    expect(lows.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(highs.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...highs)).toBe(BACKOFF_CAP_MS);
    expect(lows[11]).toBe(BACKOFF_CAP_MS / 2);
    hi.reset();
    expect(hi.next()).toBe(500);
  });

  it("spreads delays with jitter", () => {
    const b = new Backoff({ baseMs: 1000 });
    const first = new Set(Array.from({ length: 50 }, () => (b.reset(), b.next())));
    expect(first.size).toBeGreaterThan(10);
    for (const d of first) {
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});
