import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameError } from "../../../adapters/common/json-cursor.ts";
import { VenueTime, writeVenueTime } from "../../../adapters/common/venue-time.ts";

describe("VenueTime", () => {
  it("reads RFC 3339 with microseconds exactly", () => {
    const t = new VenueTime();
    const s = "2025-08-22T20:11:30.012637Z";
    t.readIso(s, 0, s.length);
    expect(t.toNanos()).toBe(1_755_893_490_012_637_000n);
    const n = "2023-10-06T17:35:55.440295123Z";
    t.readIso(n, 0, n.length);
    expect(t.toNanos()).toBe(1_696_613_755_440_295_123n);
  });

  it("agrees with Date.parse to the millisecond for any instant, and writes the u64 exactly", () => {
    const t = new VenueTime();
    const dv = new DataView(new ArrayBuffer(8));
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 0, max: 999_999 }), (ms, sub) => {
      const iso = new Date(ms).toISOString().replace("Z", `${String(sub).padStart(6, "0")}Z`);
      t.readIso(iso, 0, iso.length);
      expect(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toBe(ms);
      const expected = BigInt(ms) * 1_000_000n + BigInt(sub);
      expect(t.toNanos()).toBe(expected);
      writeVenueTime(dv, 0, t);
      expect(dv.getBigUint64(0, true)).toBe(expected);
    }), { numRuns: 1000 });
  });

  it("checks the date's separators even when the date is the one read last (day cache)", () => {
    const t = new VenueTime();
    const ok = "2025-08-22T20:11:30.012637Z";
    t.readIso(ok, 0, ok.length);
    for (const bad of ["2025/08-22T20:11:30.012637Z", "2025-08/22T20:11:30.012637Z"]) expect(() => t.readIso(bad, 0, bad.length)).toThrow(FrameError);
    const next = "2025-08-23T00:00:00Z";
    t.readIso(next, 0, next.length);
    expect(t.toNanos()).toBe(BigInt(Date.parse(next)) * 1_000_000n);
  });

  it("converts epoch milliseconds", () => {
    expect(new VenueTime().setMillis(1_633_998_523_963).toNanos()).toBe(1_633_998_523_963_000_000n);
  });

  it("rejects text that is not an RFC 3339 UTC time", () => {
    const t = new VenueTime();
    for (const bad of ["2025-08-22", "2025-13-22T20:11:30Z", "2025-08-22T25:11:30Z", "2025-08-22T20:11:30+02:00", "yesterday at noon, roughly"]) {
      expect(() => t.readIso(bad, 0, bad.length), bad).toThrow(FrameError);
    }
  });
});
