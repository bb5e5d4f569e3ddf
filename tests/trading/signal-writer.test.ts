/**
 * trading/signal-writer.ts: the SignalIdentity written from a number id (no bigint) is byte for byte the
 * one written from the bigint id, for edge ids and random ones across the whole u64 range a number holds;
 * ids that are not a u64 integer are refused before anything is written.
 */
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageBuilder, MessageView, RelayDomain, SignalIdentityField, TlvType, decodeMessage, validateMessage } from "../../protocol/mod.ts";
import { beginSignal, beginSignalFrom, writeDerivedSignalIdentity, writeSignalIdentity, writeSignalIdentityNumber } from "../../trading/signal-writer.ts";
import { SignalIdSpace } from "../../trading/signal-id.ts";

/** One Signal message with a SignalIdentity written by the bigint or the number writer, as hex. */
function build(asNumber: boolean, strategyId: number, confidence: number, signalId: number): string {
  const b = new MessageBuilder(256);
  beginSignal(b, 21, 1_755_893_490_123_456_789n);
  if (asNumber) writeSignalIdentityNumber(b, strategyId, confidence, signalId);
  else writeSignalIdentity(b, strategyId, confidence, BigInt(signalId));
  const bytes = b.finish();
  expect(validateMessage(bytes)).toBeUndefined();
  return Buffer.from(bytes).toString("hex");
}

describe("writeSignalIdentityNumber", () => {
  it("writes the bytes writeSignalIdentity writes for 0, 1, 2^32 − 1, 2^32, 2^53 − 1 and integers up to 2^64", () => {
    const edges = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64 - 2048];
    for (const id of edges) expect(build(true, 99, 100, id), `id ${id}`).toBe(build(false, 99, 100, id));
    const b = new MessageBuilder(256);
    beginSignal(b, 21, 0n);
    writeSignalIdentityNumber(b, 7, 80, 2 ** 53 - 1);
    const tlv = decodeMessage(b.finish()).tlvs[0]!;
    expect(tlv.type).toBe(TlvType.SignalIdentity);
    expect(tlv).toMatchObject({ strategyId: 7, confidence: 80, signalId: 2n ** 53n - 1n });
  });

  it("writes the bytes writeSignalIdentity writes for random ids, strategies and confidences", () => {
    const largeInteger = fc.double({ min: 2 ** 53, max: 2 ** 64 - 2048, noNaN: true }).map(Math.floor);
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: 2 ** 32 + 5 }), largeInteger),
        fc.nat({ max: 0xffff }),
        fc.double({ min: -20, max: 120, noNaN: true }),
        (id, strategyId, confidence) => {
          expect(build(true, strategyId, confidence, id)).toBe(build(false, strategyId, confidence, id));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses an id that is not an integer in 0..2^64 − 1, writing nothing", () => {
    for (const id of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 64]) {
      const b = new MessageBuilder(256);
      beginSignal(b, 21, 0n);
      expect(() => writeSignalIdentityNumber(b, 99, 100, id)).toThrow(RangeError);
      expect(() => writeSignalIdentityNumber(b, 99, 100, id)).toThrow(/signalId .* of strategy 99 must be an integer in 0\.\.2\^64 - 1/);
      expect(b.finishLength()).toBe(32); // the header alone: no TLV reserved
    }
  });

  it("puts the id at the SignalIdentity signalId offset, little-endian", () => {
    const b = new MessageBuilder(256);
    beginSignal(b, 21, 0n);
    writeSignalIdentityNumber(b, 99, 100, 0x0102_0304_0506);
    expect(b.dv.getBigUint64(32 + 2 + SignalIdentityField.signalId, true)).toBe(0x0102_0304_0506n);
  });
});

describe("beginSignalFrom + writeDerivedSignalIdentity", () => {
  it("write the bytes beginSignal(view.timestamp) + writeSignalIdentity(ids.derive(…)) write, for any trigger (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), (source, sequence, timestamp, ordinal, epoch) => {
        const input = new MessageBuilder(256);
        input.begin(RelayDomain.MarketData, source).setSequence(sequence).setTimestamp(timestamp);
        const view = new MessageView();
        view.wrap(input.finish(), 0);
        const a = new SignalIdSpace();
        const b = new SignalIdSpace();
        a.restore({ epoch });
        b.restore({ epoch });
        const old = new MessageBuilder(256);
        beginSignal(old, 30, view.timestamp);
        writeSignalIdentity(old, 21, 80, a.derive(21, view.source, view.sequence, ordinal));
        const now = new MessageBuilder(256);
        beginSignalFrom(now, 30, view);
        writeDerivedSignalIdentity(now, 21, 80, b, view, ordinal);
        expect(Buffer.from(now.finish()).toString("hex")).toBe(Buffer.from(old.finish()).toString("hex"));
      }),
      { numRuns: 300 },
    );
  });
});
