/**
 * The per-message line forms of `ap decode` and their inverse in `ap encode`, in process: the JSON line
 * round-trips to the same bytes for generated Trades and for every fixture message; bad lines are
 * reported by field path.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNanos, humanLine, jsonLine } from "../../cli/decode.ts";
import { LineError, encodeJsonLine } from "../../cli/encode.ts";
import { MessageBuilder, decodeMessage } from "../../protocol/mod.ts";
import { fixtureMessages } from "./messages.ts";

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function lineError(text: string): string {
  try {
    encodeJsonLine(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LineError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${text}`);
}

describe("decode --json line ↔ encode", () => {
  it("round-trips every fixture message byte for byte", () => {
    for (const bytes of fixtureMessages()) expect(encodeJsonLine(jsonLine(decodeMessage(bytes)))).toEqual(bytes);
  });

  it("round-trips generated Trades (full i64/u64 ranges) byte for byte", () => {
    const b = new MessageBuilder();
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64_MAX }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 }), fc.bigInt({ min: I64_MIN, max: I64_MAX }),
        fc.bigInt({ min: I64_MIN, max: I64_MAX }), fc.bigInt({ min: 0n, max: U64_MAX }), fc.bigInt({ min: 1n, max: U64_MAX }),
        (assetId, venue, assetType, side, flags, price, size, ts, seq) => {
          b.begin(1, 3).setSequence(seq).setTimestamp(ts).addTrade(assetId, venue, assetType, side, flags, price, size, ts);
          const bytes = b.finish().slice();
          expect(encodeJsonLine(jsonLine(decodeMessage(bytes)))).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("names the field path of a bad value, including range errors found while writing", () => {
    const good = JSON.parse(jsonLine(decodeMessage(fixtureMessages()[0]!))) as { header: Record<string, unknown>; tlvs: Record<string, unknown>[] };
    const variant = (f: (m: typeof good) => void): string => {
      const m = structuredClone(good);
      f(m);
      return JSON.stringify(m);
    };
    expect(lineError(variant((m) => (m.tlvs[0]!.price = 1.5)))).toBe("tlvs[0].price must be an integer as a decimal string, got 1.5");
    expect(lineError(variant((m) => (m.tlvs[0]!.price = (1n << 63n).toString())))).toBe("tlvs[0].price = 9223372036854775808 does not fit i64");
    expect(lineError(variant((m) => (m.tlvs[1]!.state = 256)))).toBe("tlvs[1].state must be an integer in [0, 255], got 256");
    expect(lineError(variant((m) => ((m.tlvs[0]!.instrument as Record<string, unknown>).venue = 70_000)))).toBe(
      "tlvs[0].instrument.venue must be an integer in [0, 65535], got 70000",
    );
    expect(lineError(variant((m) => delete m.tlvs[0]!.size))).toBe("tlvs[0].size is missing");
    expect(lineError(variant((m) => (m.header.sequence = "-1")))).toBe("header.sequence = -1 does not fit u64");
    expect(lineError(variant((m) => (m.header.version = 2)))).toBe("header.version must be 1, got 2");
    expect(lineError(variant((m) => (m.header.relayDomain = 3)))).toBe("tlvs[0].type 1 does not belong to relay domain 3");
    expect(lineError("[1,2]")).toBe("message must be an object");
    expect(lineError("{nope")).toMatch(/^not valid JSON: /);
  });
});

describe("human line", () => {
  it("formats timestamps in UTC with nanoseconds, 0 as unset, out-of-Date-range values raw", () => {
    expect(formatNanos(1_764_000_000_123_456_789n)).toBe("2025-11-24T16:00:00.123456789Z");
    expect(formatNanos(1n)).toBe("1970-01-01T00:00:00.000000001Z");
    expect(formatNanos(0n)).toBe("0");
    expect(formatNanos(U64_MAX)).toBe("2554-07-21T23:34:33.709551615Z");
  });

  it("shows addresses, V3 fields, signed decimals and DEX amounts as raw integers", () => {
    const [, , , pools, , signals] = fixtureMessages().map((m) => humanLine(decodeMessage(m)));
    expect(pools).toContain("PoolSwap venue=400 flags=0 tokenInDecimals=6 tokenOutDecimals=18 pool=0x45dda9cb7c25131df268515131f647d726f50608");
    expect(pools).toContain("sqrtPriceX96After=730750818665451459101842416358141509827966271489 liquidityAfter=123456789 tickAfter=-887272");
    expect(signals).toContain("netProfitUsd=-0.04 spreadBps=-12");
    expect(signals).toContain("extraHopPools=[0x2791bca1f2de4661ed88a684c6d2a1e4f2d29b4c,0x7ceb23fd6bc0add59e62ac25578270cff1b9f619]");
    expect(signals).toContain("MomentumSignal BTC/USD@coinbase direction=-1");
  });
});
