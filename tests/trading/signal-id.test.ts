/**
 * Signal ids (trading/signal-id.ts) against an independent bigint reference of splitmix64: the word
 * arithmetic must give exactly the ids the bigint version gave, so recordings replay into the same bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deriveId, mix64, SignalIdSpace } from "../../trading/signal-id.ts";
import { HeaderOffset, MessageView } from "../../protocol/mod.ts";

const M64 = (1n << 64n) - 1n;
function refMix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
function refDerive(strategyId: number, source: number, sequence: bigint, ordinal: number): bigint {
  const a = refMix64((BigInt(strategyId) << 48n) ^ (BigInt(source) << 32n) ^ BigInt(ordinal));
  const id = refMix64(a ^ (sequence & M64));
  return id === 0n ? 1n : id;
}
function refSalted(id: bigint, epoch: number, generation: number): bigint {
  if (epoch === 0 && generation === 0) return id;
  const s = refMix64(id ^ refMix64((BigInt(epoch) << 32n) | BigInt(generation)));
  return s === 0n ? 1n : s;
}

/** A header-only message from `source` with `sequence`, wrapped in a view. */
function trigger(source: number, sequence: bigint): MessageView {
  const bytes = new Uint8Array(64);
  const dv = new DataView(bytes.buffer);
  dv.setUint16(8 + HeaderOffset.source, source, true);
  dv.setBigUint64(8 + HeaderOffset.sequence, sequence, true);
  const v = new MessageView();
  v.wrap(bytes, 8);
  return v;
}

const u64 = fc.bigInt({ min: 0n, max: M64 });

describe("signal ids", () => {
  it("mix64 is splitmix64's finaliser, bit for bit (property, and the known value of 0)", () => {
    expect(mix64(0n)).toBe(0xe220a8397b1dcdafn);
    fc.assert(fc.property(u64, (x) => {
      expect(mix64(x)).toBe(refMix64(x));
    }), { numRuns: 2000 });
    for (const x of [M64, 1n << 63n, 0xffff_ffffn, 1n << 32n, 0x7f4a7c15n, 0x60c8_8d6a_80b5_83ebn]) expect(mix64(x)).toBe(refMix64(x));
  });

  it("deriveId gives the bigint reference's ids for every u16 strategy and source, u64 sequence, u32 ordinal (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), u64, fc.integer({ min: 0, max: 0xffff_ffff }), (st, src, seq, ord) => {
        expect(deriveId(st, src, seq, ord)).toBe(refDerive(st, src, seq, ord));
      }),
      { numRuns: 2000 },
    );
  });

  it("SignalIdSpace: salted by epoch and source restarts exactly as before; deriveInto writes the same id in place", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.record({ src: fc.integer({ min: 1, max: 3 }), seq: fc.bigInt({ min: 1n, max: 40n }), ord: fc.integer({ min: 0, max: 2 }), inPlace: fc.boolean() }), { maxLength: 40 }),
        (epoch, steps) => {
          const ids = new SignalIdSpace();
          ids.restore({ epoch });
          const run = epoch > 0 ? ids.nextRun() : 0;
          if (epoch === 0) ids.restore({ epoch: 0 });
          // The reference: a generation per source restart, detected as the bigint version did.
          let generation = 0;
          const used = new Map<number, { seq: bigint; ord: number }>();
          const out = new DataView(new ArrayBuffer(16));
          for (const s of steps) {
            const last = used.get(s.src);
            if (last !== undefined && (s.seq < last.seq || (s.seq === last.seq && s.ord <= last.ord))) {
              generation++;
              used.clear();
            }
            used.set(s.src, { seq: s.seq, ord: s.ord });
            const want = refSalted(refDerive(21, s.src, s.seq, s.ord), run, generation);
            if (s.inPlace) {
              ids.deriveInto(out, 4, 21, trigger(s.src, s.seq), s.ord);
              expect(out.getBigUint64(4, true)).toBe(want);
            } else expect(ids.derive(21, s.src, s.seq, s.ord)).toBe(want);
          }
          expect(ids.sourceRestarts).toBe(generation);
        },
      ),
      { numRuns: 300 },
    );
  });
});
