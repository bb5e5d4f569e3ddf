/**
 * The one TLV walker (protocol/tlv-walk.ts) against the codec: over random TLV sequences — standard and
 * extended, at any offset of a larger buffer with junk around — it visits exactly the TLVs the codec
 * wrote; cut short anywhere, it visits exactly the whole ones before the cut and then names the fault.
 * Every reader built on it (decodeMessage) sees the same TLVs, and so do the hand-written steps kept
 * on the hottest paths: MessageView's, the relay's quickCheck and its type filter (matchesFilter).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeMessage, encodeMessage, HEADER_SIZE, HeaderOffset, MessageView, TLV_SPECS, TlvFault, tlvLength, tlvNext, tlvSpec, tlvType,
  tlvValue, typeBelongsToDomain, viewsOf, writeTlvHeader,
} from "../../protocol/mod.ts";
import { matchesFilter } from "../../relay/server/type-filter.ts";
import { QuickCheck, quickCheck } from "../../relay/wire/check.ts";
import { messageArb } from "./arbitraries.ts";

/** One TLV as written: type, value length, and whether a standard-size value is written in extended form. */
interface Spec {
  type: number;
  length: number;
  forceExtended: boolean;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  type: fc.integer({ min: 0, max: 254 }),
  length: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 256, max: 1200 })),
  forceExtended: fc.boolean(),
});

/** Specs that are often registered TLVs of their right size (so a check can pass), else anything. */
const checkedSpecArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    spec: fc.constantFrom(...TLV_SPECS),
    lengthDelta: fc.constantFrom(0, 0, 0, 1, -1),
    forceExtended: fc.boolean(),
  }).map(({ spec, lengthDelta, forceExtended }) => ({ type: spec.type, length: Math.max(0, spec.baseSize + lengthDelta), forceExtended })),
  specArb,
);

/** quickCheck's verdict rebuilt on the walker: every TLV whole, of the domain, and of its fixed size. */
function checkByWalker(u8: Uint8Array, base: number, end: number): number {
  const domain = u8[base + HeaderOffset.relayDomain]!;
  if (domain > 4) return QuickCheck.full;
  for (let p = base + HEADER_SIZE; p < end;) {
    const next = tlvNext(u8, p, end);
    if (next < 0) return QuickCheck.full;
    const type = tlvType(u8, p);
    if (domain < 1 || !typeBelongsToDomain(type, domain)) return QuickCheck.full;
    const spec = tlvSpec(type);
    if (spec !== undefined && (spec.tail !== "none" || spec.baseSize !== next - tlvValue(u8, p))) return QuickCheck.full;
    p = next;
  }
  return QuickCheck.ok;
}

interface Written {
  type: number;
  at: number;
  value: number;
  length: number;
}

/** Writes the TLVs at `start` of a junk-filled buffer (the codec's header writer; extended by hand when forced). */
function writeAll(specs: readonly Spec[], start: number, junk: number): { u8: Uint8Array; written: Written[]; end: number } {
  const size = specs.reduce((n, s) => n + 5 + s.length, 0);
  const u8 = new Uint8Array(start + size + 16).fill(junk);
  const written: Written[] = [];
  let p = start;
  for (const s of specs) {
    let header: number;
    if (s.forceExtended && s.length <= 255) {
      u8.set([255, 0, s.type, s.length & 0xff, s.length >> 8], p);
      header = 5;
    } else {
      header = writeTlvHeader(u8, p, s.type, s.length);
    }
    u8.fill((s.type * 7) & 0xff, p + header, p + header + s.length);
    written.push({ type: s.type, at: p, value: p + header, length: s.length });
    p += header + s.length;
  }
  return { u8, written, end: p };
}

/** Walks `u8[start, end)`; returns what it visited and the fault it stopped on (0 when it reached `end`). */
function walk(u8: Uint8Array, start: number, end: number): { visited: Written[]; fault: number } {
  const visited: Written[] = [];
  let p = start;
  while (p < end) {
    const next = tlvNext(u8, p, end);
    if (next < 0) return { visited, fault: next };
    const value = tlvValue(u8, p);
    expect(next - value).toBe(tlvLength(u8, p));
    visited.push({ type: tlvType(u8, p), at: p, value, length: next - value });
    p = next;
  }
  return { visited, fault: 0 };
}

describe("tlv walk", () => {
  it("visits exactly the TLVs the codec wrote, standard and extended, at any offset (property)", () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 12 }), fc.nat(40), fc.integer({ min: 0, max: 255 }), (specs, start, junk) => {
        const { u8, written, end } = writeAll(specs, start, junk);
        expect(walk(u8, start, end)).toEqual({ visited: written, fault: 0 });
      }),
    );
  });

  it("cut short anywhere, visits the whole TLVs before the cut and names why it stops (property)", () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (specs, cutSeed, junk) => {
        const { u8, written, end } = writeAll(specs, 3, junk);
        const cut = 3 + (cutSeed % (end - 3));
        const whole = written.filter((w) => w.value + w.length <= cut);
        const { visited, fault } = walk(u8, 3, cut);
        expect(visited).toEqual(whole);
        const broken = written[whole.length];
        if (broken === undefined || broken.at === cut) {
          expect(fault).toBe(0);
        } else {
          const header = broken.value - broken.at;
          // Junk after the cut may read as anything but the header bytes before it are the codec's.
          expect(fault).toBe(cut - broken.at < header ? TlvFault.truncatedHeader : TlvFault.valueOverrun);
        }
      }),
    );
  });

  it("MessageView's own step visits exactly what tlvNext visits, whole or cut short (property)", () => {
    const view = new MessageView();
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (specs, cutSeed, junk) => {
        // The TLVs after a 32-byte header whose payloadSize claims them all; the array may end early.
        const { u8, end } = writeAll(specs, HEADER_SIZE, junk);
        new DataView(u8.buffer).setUint32(24, end - HEADER_SIZE, true);
        const cut = HEADER_SIZE + (cutSeed % (end - HEADER_SIZE + 1));
        const bytes = u8.subarray(0, cut);
        const seen: Written[] = [];
        view.wrap(bytes, 0);
        if (view.firstTlv()) do seen.push({ type: view.tlvType, at: 0, value: view.tlvStart, length: view.tlvLength }); while (view.nextTlv());
        const walked = walk(u8, HEADER_SIZE, cut).visited.map((w) => ({ ...w, at: 0 }));
        expect(seen).toEqual(walked);
      }),
    );
  });

  it("quickCheck's own step accepts exactly what a check built on tlvNext accepts, whole, cut short or corrupted (property)", () => {
    let passed = 0;
    fc.assert(
      fc.property(
        fc.array(checkedSpecArb, { maxLength: 6 }), fc.integer({ min: 0, max: 5 }), fc.nat(), fc.boolean(),
        fc.option(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 }))), fc.integer({ min: 0, max: 255 }),
        (specs, domainSeed, cutSeed, cutShort, corrupt, junk) => {
          const { u8, written, end } = writeAll(specs, HEADER_SIZE, junk);
          // The domain of the first TLV, most of the time, so that whole messages can pass.
          const first = specs[0];
          const domain = domainSeed === 5 || first === undefined ? domainSeed : [1, 2, 3, 4].find((d) => typeBelongsToDomain(first.type, d)) ?? domainSeed;
          u8[HeaderOffset.relayDomain] = domain;
          if (corrupt !== null && written.length > 0) {
            const [marker, at, byte] = corrupt;
            if (marker) {
              // A TLV start made an extended marker, with its second byte as given (bad unless 0).
              const w = written[at % written.length]!;
              u8[w.at] = 255;
              u8[w.at + 1] = byte;
            } else {
              u8[HEADER_SIZE + (at % (end - HEADER_SIZE))] = byte;
            }
          }
          const cut = cutShort ? HEADER_SIZE + (cutSeed % (end - HEADER_SIZE + 1)) : end;
          const dv = new DataView(u8.buffer);
          const expected = checkByWalker(u8, 0, cut);
          if (expected === QuickCheck.ok) passed++;
          expect(quickCheck(u8, dv, 0, cut, false)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
    expect(passed).toBeGreaterThan(20); // the property saw sound messages, not only refusals
  });

  it("the type filter's own step sees exactly the TLVs tlvNext visits in a checked message (property)", () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 8 }), fc.nat(40), fc.integer({ min: 0, max: 255 }), (specs, start, junk) => {
        // The filter reads only messages the relay checked: whole TLVs after a header.
        const base = start;
        const { u8, end } = writeAll(specs, base + HEADER_SIZE, junk);
        const types = new Set(walk(u8, base + HEADER_SIZE, end).visited.map((w) => w.type));
        const filter = new Uint8Array(256);
        for (let t = 0; t < 256; t++) {
          filter[t] = 1;
          expect(matchesFilter(u8, base, end - base, filter)).toBe(types.has(t));
          filter[t] = 0;
        }
      }),
    );
  });

  it("stops on an extended TLV whose second byte is not 0", () => {
    const u8 = new Uint8Array([1, 1, 9, 255, 7, 2, 1, 0, 0]);
    expect(walk(u8, 0, u8.length)).toEqual({ visited: [{ type: 1, at: 0, value: 2, length: 1 }], fault: TlvFault.badExtendedMarker });
  });

  it("MessageView, decodeMessage and the type filter see the TLVs of encoded messages in order (property)", () => {
    const view = new MessageView();
    fc.assert(
      fc.property(messageArb(), fc.nat(24), ({ meta, tlvs }, pad) => {
        const msg = encodeMessage(meta, tlvs);
        const bytes = new Uint8Array(pad + msg.length);
        bytes.set(msg, pad);
        const { u8 } = viewsOf(bytes);
        const base = bytes.byteOffset + pad;
        const walked = walk(u8, base + HEADER_SIZE, base + msg.length);
        expect(walked.fault).toBe(0);
        expect(walked.visited.map((w) => w.type)).toEqual(tlvs.map((t) => t.type));
        expect(decodeMessage(bytes, pad).tlvs.map((t) => t.type)).toEqual(tlvs.map((t) => t.type));
        const seen: number[] = [];
        view.wrap(bytes, pad);
        if (view.firstTlv()) do seen.push(view.tlvType); while (view.nextTlv());
        expect(seen).toEqual(tlvs.map((t) => t.type));
        for (const t of tlvs) {
          const filter = new Uint8Array(256);
          filter[t.type] = 1;
          expect(matchesFilter(u8, base, msg.length, filter)).toBe(true);
        }
        expect(matchesFilter(u8, base, msg.length, new Uint8Array(256))).toBe(false);
      }),
    );
  });
});
