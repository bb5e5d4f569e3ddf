import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../runtime/circuit-breaker.ts";

const T0 = 1_700_000_000_000;

describe("CircuitBreaker", () => {
  it("opens at the error threshold within the window, not below it", () => {
    const cb = new CircuitBreaker("x", { errorThreshold: 3, windowMs: 1_000, recoveryMs: 0 });
    cb.failure(T0);
    cb.failure(T0 + 100);
    expect(cb.state(T0 + 100)).toBe("closed");
    cb.failure(T0 + 200);
    expect(cb.state(T0 + 200)).toBe("open");
    expect(cb.allow(T0 + 300)).toBe(false);
    expect(cb.status(T0 + 300)).toMatchObject({ reason: "errors", trips: 1, rejected: 1 });
  });

  it("forgets errors that slid out of the window", () => {
    const cb = new CircuitBreaker("x", { errorThreshold: 3, windowMs: 1_000 });
    cb.failure(T0);
    cb.failure(T0 + 10);
    cb.failure(T0 + 1_500);
    expect(cb.state(T0 + 1_500)).toBe("closed");
    expect(cb.status(T0 + 1_500).failures).toBe(1);
  });

  it("half-opens after the cool-down, closes after good probes, re-opens on a bad probe", () => {
    const cb = new CircuitBreaker("x", { errorThreshold: 1, openMs: 500, halfOpenProbes: 2, recoveryMs: 0 });
    cb.failure(T0);
    expect(cb.state(T0 + 499)).toBe("open");
    expect(cb.state(T0 + 500)).toBe("half-open");
    expect(cb.allow(T0 + 500)).toBe(true);
    expect(cb.allow(T0 + 500)).toBe(true);
    expect(cb.allow(T0 + 500)).toBe(false); // only 2 probes in flight
    cb.success(T0 + 501);
    cb.success(T0 + 502);
    expect(cb.state(T0 + 502)).toBe("closed");
    cb.failure(T0 + 600);
    expect(cb.state(T0 + 1_100)).toBe("half-open");
    cb.allow(T0 + 1_100);
    cb.failure(T0 + 1_101);
    expect(cb.state(T0 + 1_101)).toBe("open");
    expect(cb.status(T0 + 1_101).reason).toBe("probe");
  });

  it("opens on a message rate above the limit", () => {
    const cb = new CircuitBreaker("x", { maxMessagesPerSecond: 100, windowMs: 1_000 });
    let passed = 0;
    for (let i = 0; i < 150; i++) if (cb.allow(T0 + i)) passed++;
    expect(passed).toBe(100);
    expect(cb.status(T0 + 150)).toMatchObject({ state: "open", reason: "rate" });
  });

  it("ramps traffic back up after closing", () => {
    const cb = new CircuitBreaker("x", { errorThreshold: 1, openMs: 100, halfOpenProbes: 1, recoveryMs: 1_000 });
    cb.failure(T0);
    cb.allow(T0 + 100);
    cb.success(T0 + 100);
    const admitted = (at: number) => {
      let n = 0;
      for (let i = 0; i < 1_000; i++) if (cb.allow(at)) n++;
      return n;
    };
    const early = admitted(T0 + 200);
    const late = admitted(T0 + 900);
    const after = admitted(T0 + 1_200);
    expect(early).toBeLessThan(late);
    expect(late).toBeLessThan(after);
    expect(after).toBe(1_000);
  });

  it("reset closes it at once", () => {
    const cb = new CircuitBreaker("x", { errorThreshold: 1 });
    cb.failure(T0);
    cb.reset(T0 + 1);
    expect(cb.allow(T0 + 2)).toBe(true);
    expect(cb.status(T0 + 2)).toMatchObject({ state: "closed", failures: 0 });
  });

  it("never admits more than the rate limit in any window (property)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }), (gaps) => {
      const cb = new CircuitBreaker("p", { maxMessagesPerSecond: 20, windowMs: 1_000, openMs: 1e9 });
      let t = T0;
      let admitted = 0;
      for (const g of gaps) {
        t += g;
        if (cb.allow(t)) admitted++;
      }
      const spanSeconds = Math.ceil((t - T0 + 1) / 1_000) + 1;
      return admitted <= 20 * spanSeconds;
    }));
  });
});
