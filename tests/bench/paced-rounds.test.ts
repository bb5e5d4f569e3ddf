import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { measureRounds, medianOfRounds, roundsText, type PacedRound } from "../../bench/paced-rounds.ts";

const round = (p99: number, p50 = 6): PacedRound => ({ sent: 100, delivered: 99, p50Micros: p50, p99Micros: p99, p999Micros: p99 * 2, maxMicros: p99 * 3 });

describe("medianOfRounds", () => {
  it("reports the median of each percentile, the summed counts, the worst maximum and every round", () => {
    const r = medianOfRounds(10_000, [round(147.3, 7.8), round(39.5, 6.1), round(48.8, 5.8)]);
    expect(r).toMatchObject({ rate: 10_000, sent: 300, delivered: 297, p50Micros: 6.1, p99Micros: 48.8, p999Micros: 97.6 });
    expect(r.maxMicros).toBeCloseTo(147.3 * 3, 9);
    expect(r.rounds?.map((x) => x.p99Micros)).toEqual([147.3, 39.5, 48.8]);
    expect(roundsText(r, (x) => x.p99Micros)).toBe("147.3 / 39.5 / 48.8");
  });

  it("passes one round through unchanged and refuses none", () => {
    expect(medianOfRounds(100_000, [round(20)])).toEqual({ rate: 100_000, ...round(20) });
    expect(() => medianOfRounds(10_000, [])).toThrow(/no round was run at 10000 msgs\/s/);
  });

  it("lies between the rounds' least and greatest, for any rounds (property)", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 9 }), (p99s) => {
      const r = medianOfRounds(10_000, p99s.map((x) => round(x)));
      expect(r.p99Micros).toBeGreaterThanOrEqual(Math.min(...p99s));
      expect(r.p99Micros).toBeLessThanOrEqual(Math.max(...p99s));
      const below = p99s.filter((x) => x < r.p99Micros).length;
      const above = p99s.filter((x) => x > r.p99Micros).length;
      expect(Math.abs(below - above)).toBeLessThanOrEqual(1);
    }));
  });
});

describe("measureRounds", () => {
  it("runs the round n times, one after another, and returns medianOfRounds of the results in order (property)", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 9 }), async (p99s) => {
      let calls = 0;
      let running = 0;
      const r = await measureRounds(10_000, p99s.length, async () => {
        expect(running).toBe(0); // the previous round has resolved before the next starts
        running++;
        const x = round(p99s[calls++]!);
        await Promise.resolve();
        running--;
        return x;
      });
      expect(calls).toBe(p99s.length);
      expect(r).toEqual(medianOfRounds(10_000, p99s.map((x) => round(x))));
      if (p99s.length > 1) expect(r.rounds?.map((x) => x.p99Micros)).toEqual(p99s);
    }));
  });

  it("runs one round once and passes it through; zero rounds run nothing and throw", async () => {
    let calls = 0;
    expect(await measureRounds(100_000, 1, async () => (calls++, round(20)))).toEqual({ rate: 100_000, ...round(20) });
    expect(calls).toBe(1);
    await expect(measureRounds(10_000, 0, async () => (calls++, round(20)))).rejects.toThrow(/no round was run at 10000 msgs\/s/);
    expect(calls).toBe(1);
  });
});
