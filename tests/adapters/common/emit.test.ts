/**
 * MarketDataEmitter: a Trade from safe-integer units (the hot path, no bigint) is byte for byte the
 * Trade the protocol's bigint builder path writes; out-of-range numbers are refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarketDataEmitter } from "../../../adapters/common/emit.ts";
import { InstrumentTable } from "../../../adapters/common/instruments.ts";
import { AdapterMetrics } from "../../../adapters/common/metrics.ts";
import { CollectingSink } from "../../../adapters/common/sink.ts";
import { VenueTime } from "../../../adapters/common/venue-time.ts";
import { validateMessage } from "../../../protocol/mod.ts";

const ins = new InstrumentTable(102).addPair("BTC-USD", "BTC", "USD")!;

describe("MarketDataEmitter.trade", () => {
  it("writes the same bytes from numbers as from bigints", () => {
    const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(safe, safe, fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1), fc.nat({ max: 4_000_000_000 }), fc.nat({ max: 999_999_999 }), (price, size, side, flags, sec, nanos) => {
        const out: Uint8Array[] = [];
        for (const asNumber of [true, false]) {
          const sink = new CollectingSink();
          const emit = new MarketDataEmitter(sink, 3, new AdapterMetrics());
          emit.headerTime = 1_755_893_490_123_456_789n;
          const t = new VenueTime();
          t.seconds = sec;
          t.nanos = nanos;
          if (asNumber) emit.trade(ins, side, flags, price, size, t);
          else emit.trade(ins, side, flags, BigInt(price), BigInt(size), t);
          out.push(sink.messages[0]!);
        }
        expect(validateMessage(out[0]!)).toBeUndefined();
        expect(Buffer.from(out[0]!).toString("hex")).toBe(Buffer.from(out[1]!).toString("hex"));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses numbers that are not safe integers", () => {
    const emit = new MarketDataEmitter(new CollectingSink(), 3, new AdapterMetrics());
    const t = new VenueTime();
    expect(() => emit.trade(ins, 1, 0, 2 ** 53, 1, t)).toThrow(RangeError);
    expect(() => emit.trade(ins, 1, 0, 1.5, 1, t)).toThrow(RangeError);
    expect(() => emit.trade(ins, 256, 0, 1, 1, t)).toThrow(RangeError);
  });
});
