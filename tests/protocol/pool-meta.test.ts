/**
 * The one §8 pool-metadata validator (protocol/pool-meta.ts) that the EVM adapter's cache and the
 * strategies' pool files both use: valid entries come back normalised, every bad field is named.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_FEE, ProtocolError, parsePoolMetaEntry, readPoolMetaEntry } from "../../protocol/mod.ts";

const A = "0x" + "Ab".repeat(20);
const B = "0x" + "cD".repeat(20);
const entry = { kind: "v3", venue: 401, token0: A, token1: B, decimals0: 18, decimals1: 6, fee: 500 };

describe("parsePoolMetaEntry (PROTOCOL §8)", () => {
  it("returns any valid entry normalised: lowercase addresses, only §8 keys, fee defaulting to 3000", () => {
    const hex = fc.array(fc.constantFrom(..."0123456789abcdefABCDEF"), { minLength: 40, maxLength: 40 }).map((cs) => "0x" + cs.join(""));
    fc.assert(fc.property(
      fc.constantFrom("v2", "v3"), fc.integer({ min: 0, max: 65535 }), hex, hex, fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }), fc.option(fc.integer({ min: 0, max: 999_999 }), { nil: undefined }),
      (kind, venue, t0, t1, d0, d1, fee) => {
        fc.pre(t0.toLowerCase() !== t1.toLowerCase());
        const got = parsePoolMetaEntry({ kind, venue, token0: t0.toUpperCase().replace("0X", "0x"), token1: t1, decimals0: d0, decimals1: d1, fee, extra: 1 }, "0xpool");
        expect(got).toEqual({ kind, venue, token0: t0.toLowerCase(), token1: t1.toLowerCase(), decimals0: d0, decimals1: d1, fee: fee ?? DEFAULT_POOL_FEE });
      },
    ));
  });

  it("names the bad field, for every field", () => {
    const cases: [Record<string, unknown> | unknown, RegExp][] = [
      [null, /entry must be an object/],
      [[1], /entry must be an object/],
      [{ ...entry, kind: "v4" }, /kind must be "v2" or "v3"/],
      [{ ...entry, venue: 70_000 }, /venue must be an integer/],
      [{ ...entry, token0: "0x12" }, /token0 must be 0x \+ 40 hex digits/],
      [{ ...entry, token1: 5 }, /token1 must be/],
      [{ ...entry, decimals0: 256 }, /decimals0 must be an integer 0–255/],
      [{ ...entry, decimals1: 1.5 }, /decimals1 must be/],
      [{ ...entry, fee: 1_000_000 }, /fee must be an integer 0–999999/],
      [{ ...entry, token1: A.toLowerCase() }, /token0 and token1 must differ/],
    ];
    for (const [value, re] of cases) {
      expect(readPoolMetaEntry(value)).toMatch(re);
      let thrown: unknown;
      try {
        parsePoolMetaEntry(value, "0xfeed");
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ProtocolError);
      expect((thrown as ProtocolError).kind).toBe("InvalidValue");
      expect((thrown as Error).message).toMatch(/pool 0xfeed: /);
    }
  });
});
