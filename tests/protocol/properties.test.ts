/**
 * Property tests of the Protocol V2 codec: every registered TLV type and Unknown TLVs round-trip through
 * bytes and through the JSON form; random and damaged inputs produce a typed ProtocolError or success,
 * never another exception.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  HEADER_SIZE, ProtocolError, ProtocolErrorKind, StreamFramer, decodeMessage, encodeJsonMessage, encodeMessage,
  messageChecksum, messageToJson, validateMessage, type MessageMeta, type Tlv,
} from "../../protocol/mod.ts";
import {
  TLV_NAMES, UNREGISTERED_IN_DOMAIN, messageArb, metaArb, reservedUnknownTlvArb, tlvArbs, unknownTlvArb,
} from "./arbitraries.ts";

const KINDS = new Set<string>(Object.values(ProtocolErrorKind));
const RUNS = { numRuns: 200 };

/** Domain a registered type belongs to. */
function domainOf(type: number): 1 | 2 | 3 | 4 {
  return type < 20 ? 1 : type < 40 ? 2 : type < 80 ? 3 : 4;
}

/** Encodes, decodes and checks the typed and the JSON round trip; returns the bytes. */
function roundTrip(meta: MessageMeta, tlvs: Tlv[], options?: { checkDomain?: boolean }): Uint8Array {
  const bytes = encodeMessage(meta, tlvs);
  expect(validateMessage(bytes, 0, bytes.length, options)).toBeUndefined();
  const msg = decodeMessage(bytes, 0, options);
  expect(msg.header).toMatchObject({ ...meta, magic: 0xdeadbeef, version: 1, payloadSize: bytes.length - HEADER_SIZE });
  expect(msg.tlvs).toStrictEqual(tlvs);
  expect(encodeMessage(msg.header, msg.tlvs)).toEqual(bytes);
  const json = JSON.parse(JSON.stringify(messageToJson(msg)));
  expect(encodeJsonMessage(json)).toEqual(bytes);
  return bytes;
}

/** Runs `f`; passes when it returns or throws a ProtocolError of a known kind. */
function onlyTyped(f: () => unknown): ProtocolError | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`non-typed exception: ${String(e)}`, { cause: e });
    expect(KINDS.has(e.kind)).toBe(true);
    return e;
  }
}

describe("round trip of every registered TLV type", () => {
  it("covers all 22 registered types", () => {
    expect(TLV_NAMES).toHaveLength(22);
  });

  for (const name of TLV_NAMES) {
    it(`${name}: bytes and JSON form round-trip`, () => {
      const arb = tlvArbs[name] as fc.Arbitrary<Tlv>;
      const type = fc.sample(arb, { numRuns: 1, seed: 1 })[0]!.type;
      fc.assert(fc.property(metaArb(domainOf(type)), arb, (meta, tlv) => {
        roundTrip(meta, [tlv]);
      }), RUNS);
    });
  }

  it("standard and extended TLV forms are both produced (by size)", () => {
    let standard = 0;
    let extended = 0;
    fc.assert(fc.property(metaArb(1), tlvArbs.OrderBook, (meta, book) => {
      const bytes = roundTrip(meta, [book]);
      const valueSize = 32 + 16 * (book.bids.length + book.asks.length);
      if (valueSize > 255) {
        expect(Array.from(bytes.subarray(32, 35))).toEqual([255, 0, 3]);
        expect(bytes[35]! | (bytes[36]! << 8)).toBe(valueSize);
        extended++;
      } else {
        expect(Array.from(bytes.subarray(32, 34))).toEqual([3, valueSize]);
        standard++;
      }
    }), RUNS);
    expect(standard).toBeGreaterThan(0);
    expect(extended).toBeGreaterThan(0);
  });
});

describe("round trip of Unknown TLVs", () => {
  it("unregistered types inside the header's domain pass default validation and keep their bytes", () => {
    fc.assert(fc.property(
      fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const).chain((d) =>
        fc.tuple(metaArb(d), unknownTlvArb([...UNREGISTERED_IN_DOMAIN[d], ...UNREGISTERED_IN_DOMAIN[4]]))),
      ([meta, tlv]) => {
        roundTrip(meta, [tlv]);
      },
    ), RUNS);
  });

  it("reserved types 100–254 are carried as raw bytes (validated with checkDomain: false)", () => {
    fc.assert(fc.property(metaArb(1), reservedUnknownTlvArb, tlvArbs.Trade, (meta, unknown, trade) => {
      roundTrip(meta, [trade, unknown, trade], { checkDomain: false });
    }), RUNS);
  });

  it("reserved types 100–254 are outside every domain under default validation (TypeNotInDomain)", () => {
    fc.assert(fc.property(metaArb(1), reservedUnknownTlvArb, (meta, unknown) => {
      const err = validateMessage(encodeMessage(meta, [unknown]));
      expect(err?.kind).toBe("TypeNotInDomain");
      expect(err?.offset).toBe(32);
    }), RUNS);
  });
});

describe("round trip of random valid messages", () => {
  it("1..n TLVs of the header's domain plus System types", () => {
    fc.assert(fc.property(messageArb(6), ({ meta, tlvs }) => {
      roundTrip(meta, tlvs);
    }), { numRuns: 300 });
  });

  it("several messages back to back split into the same messages by the framer", () => {
    fc.assert(fc.property(fc.array(messageArb(3), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 97 }), (msgs, chunk) => {
      const encoded = msgs.map(({ meta, tlvs }) => encodeMessage(meta, tlvs));
      const stream = new Uint8Array(encoded.reduce((n, m) => n + m.length, 0));
      let at = 0;
      for (const m of encoded) {
        stream.set(m, at);
        at += m.length;
      }
      const out: Uint8Array[] = [];
      const framer = new StreamFramer();
      for (let i = 0; i < stream.length; i += chunk) {
        framer.push(stream.subarray(i, i + chunk), (b, o, n) => out.push(b.slice(o, o + n)));
      }
      expect(out).toEqual(encoded);
      expect(framer.buffered).toBe(0);
    }), RUNS);
  });
});

/** Corrupts a valid message in one of several ways, optionally repairing payloadSize and checksum. */
const damagedArb = fc
  .tuple(messageArb(4), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.boolean())
  .chain(([{ meta, tlvs }, a, b, byte, extra, fixSize, fixCrc]) =>
    fc.constantFrom("flip", "set", "truncate", "extend", "splice", "payloadSize").map((how) => {
      const m = encodeMessage(meta, tlvs);
      let out: Uint8Array;
      switch (how) {
        case "flip": out = m.slice(); out[a % m.length]! ^= 1 << (b % 8); break;
        case "set": out = m.slice(); out[a % m.length] = byte; break;
        case "truncate": out = m.slice(0, a % (m.length + 1)); break;
        case "extend": out = new Uint8Array([...m, ...extra]); break;
        case "splice": out = new Uint8Array([...m.subarray(0, a % (m.length + 1)), ...extra, ...m.subarray(b % (m.length + 1))]); break;
        default: out = m.slice(); new DataView(out.buffer).setUint32(24, a * 7919 + b, true);
      }
      if (out.length >= HEADER_SIZE) {
        const dv = new DataView(out.buffer);
        if (fixSize) dv.setUint32(24, out.length - HEADER_SIZE, true);
        const total = HEADER_SIZE + dv.getUint32(24, true);
        if (fixCrc && total <= out.length) dv.setUint32(28, messageChecksum(out, 0, total), true);
      }
      return out;
    }));

/** Checks one input through every decoding entry point. */
function robust(bytes: Uint8Array, chunk: number): void {
  let verdict: ProtocolError | undefined;
  expect(() => { verdict = validateMessage(bytes); }).not.toThrow();
  if (verdict !== undefined) {
    expect(verdict).toBeInstanceOf(ProtocolError);
    expect(KINDS.has(verdict.kind)).toBe(true);
  }
  const decodeError = onlyTyped(() => decodeMessage(bytes));
  expect(decodeError?.kind).toBe(verdict?.kind);
  const framer = new StreamFramer();
  onlyTyped(() => {
    for (let i = 0; i < bytes.length; i += chunk) framer.push(bytes.subarray(i, i + chunk), (b, o, n) => validateMessage(b, o, n));
  });
}

describe("damaged input yields a typed ProtocolError or success, never another exception", () => {
  it("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), robust), { numRuns: 500 });
  });

  it("random bytes behind a plausible header start", () => {
    const headed = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ minLength: 26, maxLength: 400 }))
      .map(([d, rest]) => new Uint8Array([0xef, 0xbe, 0xad, 0xde, 1, d, ...rest]));
    fc.assert(fc.property(headed, fc.integer({ min: 1, max: 64 }), robust), { numRuns: 500 });
  });

  it("mutated valid messages (bit flips, byte sets, truncation, extension, splices, payloadSize edits)", () => {
    fc.assert(fc.property(damagedArb, fc.integer({ min: 1, max: 64 }), robust), { numRuns: 1000 });
  });

  it("damaged JSON forms are rejected with InvalidValue (or encode), never another exception", () => {
    const jsonLeafEdit = fc.tuple(messageArb(3), fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([{ meta, tlvs }, pick, replacement]) => {
      const json = JSON.parse(JSON.stringify(messageToJson(decodeMessage(encodeMessage(meta, tlvs)))));
      const leaves: [Record<string, unknown>, string][] = [];
      const walk = (o: unknown): void => {
        if (o && typeof o === "object") {
          for (const [k, v] of Object.entries(o)) {
            leaves.push([o as Record<string, unknown>, k]);
            walk(v);
          }
        }
      };
      walk(json);
      const [parent, key] = leaves[pick % leaves.length]!;
      parent[key] = replacement;
      return json;
    });
    fc.assert(fc.property(jsonLeafEdit, (json) => {
      const err = onlyTyped(() => encodeJsonMessage(json));
      if (err) expect(["InvalidValue", "TooLarge"]).toContain(err.kind);
    }), { numRuns: 500 });
  });
});
