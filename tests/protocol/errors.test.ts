/**
 * Typed failures: every ProtocolError kind is produced with the offset PROTOCOL.md implies; validation
 * returns instead of throwing; decode throws the same error; the byte helpers behave like @std/bytes.
 */

import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_HELLO_TOKEN, MAX_PAYLOAD_SIZE, ProtocolError, ProtocolErrorKind, assertMessage, concat, decodeMessage,
  encodeJsonMessage, encodeMessage, equals, indexOfNeedle, isProtocolError, messageChecksum, pack37,
  pairInstrument, parseDecimal, messageToJson, validateMessage, type Tlv,
} from "../../protocol/mod.ts";

const trade: Tlv = {
  type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", 102), side: 1, flags: 0, price: 1n, size: 2n,
  execTimestamp: 3n,
};
const meta = { relayDomain: 1, source: 3, sequence: 1n, timestamp: 0n };
const good = (): Uint8Array => encodeMessage(meta, [trade, trade]); // TLVs at 32 and 74

/** Re-seals a hand-damaged message: payloadSize from its length, then the checksum. */
function seal(m: Uint8Array): Uint8Array {
  const dv = new DataView(m.buffer, m.byteOffset, m.length);
  dv.setUint32(24, m.length - 32, true);
  dv.setUint32(28, messageChecksum(m, 0, m.length), true);
  return m;
}

function withPayload(domain: number, payload: number[]): Uint8Array {
  const m = new Uint8Array(32 + payload.length);
  m.set(good().subarray(0, 32));
  m[5] = domain;
  m.set(payload, 32);
  return seal(m);
}

/** validateMessage's verdict, checked to equal what decodeMessage throws. */
function verdict(m: Uint8Array, offset = 0): ProtocolError | undefined {
  const v = validateMessage(m, offset);
  let thrown: unknown;
  try {
    decodeMessage(m, offset);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toEqual(v);
  return v;
}

function expectKind(e: ProtocolError | undefined, kind: ProtocolErrorKind, offset: number): void {
  expect(e).toBeInstanceOf(ProtocolError);
  expect([e!.kind, e!.offset]).toEqual([kind, offset]);
}

function thrownBy(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error("expected a ProtocolError");
}

const produced = new Set<string>();
function saw(e: ProtocolError | undefined): ProtocolError | undefined {
  if (e) produced.add(e.kind);
  return e;
}

describe("every ProtocolError kind, with its offset", () => {
  it("BadMagic at 0", () => {
    const m = good();
    m[2] = 0;
    expectKind(saw(verdict(m)), "BadMagic", 0);
  });

  it("UnsupportedVersion at 4", () => {
    const m = good();
    m[4] = 2;
    expectKind(saw(verdict(m)), "UnsupportedVersion", 4);
  });

  it("UnknownDomain at 5 (0 and 5 are not domains)", () => {
    for (const d of [0, 5, 255]) {
      const m = good();
      m[5] = d;
      expectKind(saw(verdict(m)), "UnknownDomain", 5);
    }
  });

  it("Truncated for a short header and a short payload", () => {
    expectKind(saw(verdict(good().subarray(0, 31))), "Truncated", 0);
    expectKind(saw(verdict(new Uint8Array(0))), "Truncated", 0);
    expectKind(saw(verdict(good().subarray(0, 100))), "Truncated", 0);
  });

  it("TooLarge at 24 for a payloadSize beyond 1 MiB", () => {
    const m = good();
    new DataView(m.buffer).setUint32(24, MAX_PAYLOAD_SIZE + 1, true);
    expectKind(saw(verdict(m)), "TooLarge", 24);
    new DataView(m.buffer).setUint32(24, 0xffffffff, true);
    expectKind(saw(verdict(m)), "TooLarge", 24);
  });

  it("ChecksumMismatch at 28 for any changed byte", () => {
    for (const at of [6, 8, 16, 33, 60, 115]) {
      const m = good();
      m[at]! ^= 0x10;
      expectKind(saw(verdict(m)), "ChecksumMismatch", 28);
    }
  });

  it("TlvOverrun at the TLV that runs past the message end", () => {
    expectKind(saw(verdict(withPayload(1, [1, 40, ...new Array<number>(39).fill(0)]))), "TlvOverrun", 32);
    const m = good();
    const tail = seal(Uint8Array.from([...m, 9])); // one stray byte after the second Trade
    expectKind(verdict(tail), "TlvOverrun", 116);
    expectKind(verdict(withPayload(1, [255, 0, 3])), "TlvOverrun", 32); // extended header cut short
    expectKind(verdict(withPayload(1, [255, 0, 9, 10, 0, 1, 2])), "TlvOverrun", 32); // value cut short
  });

  it("BadExtendedTlv at the second byte of an extended header", () => {
    expectKind(saw(verdict(withPayload(1, [255, 1, 3, 0, 0]))), "BadExtendedTlv", 33);
    const second = seal(Uint8Array.from([...good(), 255, 7, 1, 0, 0]));
    expectKind(verdict(second), "BadExtendedTlv", 117);
  });

  it("WrongTlvSize at the TLV whose length its type forbids", () => {
    expectKind(saw(verdict(withPayload(1, [1, 39, ...new Array<number>(39).fill(0)]))), "WrongTlvSize", 32);
    const m = good();
    m[75] = 39; // second Trade's length byte...
    const shortened = seal(Uint8Array.from([...m.subarray(0, 76), ...m.subarray(77)])); // ...and one byte less
    expectKind(verdict(shortened), "WrongTlvSize", 74);
    // a V3 flag on a 120-byte PoolSwap, a DEX-route flag on a 64-byte OrderRequest, a book whose counts lie
    const swap = new Array<number>(120).fill(0);
    swap[2] = 1;
    expectKind(verdict(withPayload(1, [4, 120, ...swap])), "WrongTlvSize", 32);
    const order = new Array<number>(64).fill(0);
    order[58] = 1;
    expectKind(verdict(withPayload(3, [40, 64, ...order])), "WrongTlvSize", 32);
    const book = new Array<number>(48).fill(0);
    book[28] = 2;
    expectKind(verdict(withPayload(1, [3, 48, ...book])), "WrongTlvSize", 32);
    const hello = new Array<number>(7).fill(0);
    expectKind(verdict(withPayload(4, [82, 7, ...hello])), "WrongTlvSize", 32);
  });

  it("TypeNotInDomain at the foreign TLV; System types ride on any domain", () => {
    expectKind(saw(verdict(withPayload(3, [1, 40, ...new Array<number>(40).fill(0)]))), "TypeNotInDomain", 32);
    expectKind(verdict(withPayload(1, [80, 16, ...new Array<number>(16).fill(0), 41, 32, ...new Array<number>(32).fill(0)])), "TypeNotInDomain", 50);
    expect(verdict(withPayload(3, [80, 16, ...new Array<number>(16).fill(0)]))).toBeUndefined();
  });

  it("InvalidValue for encoder input that does not fit the wire", () => {
    saw(thrownBy(() => encodeMessage(meta, [{ ...trade, price: 1n << 63n } as Tlv])));
    expect(thrownBy(() => encodeMessage(meta, [{ ...trade, price: 1n << 63n } as Tlv])).message).toContain("Trade.price");
    expect(thrownBy(() => encodeMessage({ ...meta, relayDomain: 5 }, [trade])).kind).toBe("InvalidValue");
    expect(thrownBy(() => encodeMessage({ ...meta, sequence: -1n }, [trade])).kind).toBe("InvalidValue");
    expect(thrownBy(() => encodeMessage(meta, [{ type: 82, name: "Hello", role: 1, serviceId: 1, token: "x".repeat(MAX_HELLO_TOKEN + 1) }])).kind).toBe("InvalidValue");
    expect(thrownBy(() => encodeMessage(meta, [{ type: 9, name: "Unknown", bytes: new Uint8Array(65_536) }])).kind).toBe("InvalidValue");
    expect(thrownBy(() => parseDecimal("1.2.3")).kind).toBe("InvalidValue");
    expect(thrownBy(() => pack37("TOOLONG")).kind).toBe("InvalidValue");
    const json = { header: { relayDomain: 1, source: 3, sequence: "1", timestamp: "0" }, tlvs: [{ type: 1, name: "Trade", price: 1.5 }] };
    expect(thrownBy(() => encodeJsonMessage(json)).message).toContain("tlvs[0].");
  });

  // Before: a token of bad UTF-8 decoded to U+FFFD and its JSON form encoded to other bytes.
  it("InvalidValue for a Hello token that is not UTF-8; a valid token survives decode → JSON → encode", () => {
    const good = encodeMessage({ ...meta, relayDomain: 4 }, [{ type: 82, name: "Hello", role: 1, serviceId: 7, token: "clé-✓" }]);
    expect(encodeJsonMessage(JSON.parse(JSON.stringify(messageToJson(decodeMessage(good)))))).toEqual(good);
    for (const bad of [[0xff], [0xc3], [0xe2, 0x9c], [0xed, 0xa0, 0x80]]) {
      const tokenBytes = new TextEncoder().encode("ab");
      const msg = encodeMessage({ ...meta, relayDomain: 4 }, [{ type: 82, name: "Hello", role: 1, serviceId: 7, token: "ab" }]);
      const patched = new Uint8Array(msg.length + bad.length);
      patched.set(msg);
      patched.set(bad, msg.length);
      patched[33] = 8 + tokenBytes.length + bad.length; // TLV length
      new DataView(patched.buffer).setUint32(24, patched.length - 32, true);
      new DataView(patched.buffer).setUint32(28, messageChecksum(patched, 0, patched.length), true);
      expect(validateMessage(patched)?.kind).toBe("InvalidValue"); // validate and decode agree
      const e = thrownBy(() => decodeMessage(patched));
      expect(e.kind).toBe("InvalidValue");
      expect(e.message).toContain("UTF-8");
    }
  });

  // Found by these tests: type 255 (the extended marker) and types above 255 were written silently and
  // the message did not decode back.
  it("InvalidValue for a TLV type that cannot be written (255 is the extended marker)", () => {
    for (const type of [255, 256, -1, 1.5]) {
      expect(thrownBy(() => encodeMessage(meta, [{ type, name: "Unknown", bytes: new Uint8Array(3) }])).kind).toBe("InvalidValue");
    }
  });

  it("TooLarge for a message the encoder would make larger than 1 MiB", () => {
    const tlvs: Tlv[] = Array.from({ length: 17 }, () => ({ type: 9, name: "Unknown", bytes: new Uint8Array(65_000) }));
    saw(thrownBy(() => encodeMessage(meta, tlvs)));
    expect(thrownBy(() => encodeMessage(meta, tlvs)).kind).toBe("TooLarge");
  });

  it("produced every kind above", () => {
    expect([...produced].sort()).toEqual(Object.values(ProtocolErrorKind).sort());
  });
});

describe("error values and options", () => {
  it("are ProtocolErrors: kind, offset, a message that says what and where", () => {
    const m = good();
    m[5] = 9;
    const e = validateMessage(m)!;
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ProtocolError");
    expect(e.message).toBe("UnknownDomain: relay domain 9 is not 1–4 (at byte 5)");
    expect(isProtocolError(e)).toBe(true);
    expect(isProtocolError(e, "UnknownDomain")).toBe(true);
    expect(isProtocolError(e, "BadMagic")).toBe(false);
    expect(isProtocolError(new Error("x"))).toBe(false);
  });

  it("reports offsets relative to the message when it starts inside a buffer", () => {
    const m = good();
    m[4] = 3;
    const buf = Buffer.concat([Buffer.alloc(9, 0xee), Buffer.from(m)]);
    expectKind(verdict(buf, 9), "UnsupportedVersion", 4);
    expect(validateMessage(Buffer.concat([Buffer.alloc(9), Buffer.from(good())]), 9)).toBeUndefined();
  });

  it("assertMessage returns the message length", () => {
    expect(assertMessage(good())).toBe(116);
    expect(() => assertMessage(good().subarray(0, 50))).toThrow(ProtocolError);
  });

  it("options switch off the checksum, domain and size checks", () => {
    const m = good();
    m[40]! ^= 1;
    expect(validateMessage(m, 0, m.length, { verifyChecksum: false })).toBeUndefined();
    const foreign = withPayload(3, [1, 40, ...new Array<number>(40).fill(0)]);
    expect(validateMessage(foreign, 0, foreign.length, { checkDomain: false })).toBeUndefined();
    const wrong = withPayload(1, [1, 39, ...new Array<number>(39).fill(0)]);
    expect(validateMessage(wrong, 0, wrong.length, { checkTlvSizes: false })).toBeUndefined();
  });

  // Found by these tests: an `available` larger than the array made validateMessage read past it, into
  // whatever else shares the buffer (a Node Buffer pool), and accept bytes the caller does not hold.
  it("never reads past the array it was given, whatever `available` says", () => {
    const m = good();
    const backing = new Uint8Array(m.length + 10);
    backing.set(m);
    const short = backing.subarray(0, 60);
    expectKind(validateMessage(short, 0, m.length), "Truncated", 0);
    expectKind(validateMessage(short, 0, 1_000_000), "Truncated", 0);
  });

  it("validateMessage returns, never throws, for any bytes, offset and available", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -5, max: 250 }), fc.integer({ min: -10, max: 300 }), (b, off, avail) => {
      const r = validateMessage(b, Math.max(0, off), avail);
      expect(r === undefined || r instanceof ProtocolError).toBe(true);
    }), { numRuns: 1000 });
  });
});

describe("bytes helpers behave like @std/bytes", () => {
  const u = (...b: number[]) => new Uint8Array(b);

  it("concat joins in order into a new array", () => {
    const a = u(1, 2);
    const out = concat([a, u(), u(3), u(4, 5)]);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5]);
    expect(concat([]).length).toBe(0);
    const single = concat([a]);
    expect(Array.from(single)).toEqual([1, 2]);
    single[0] = 9;
    expect(a[0]).toBe(1); // a copy, not the input
    expect(Array.from(concat([Buffer.from([7, 8]).subarray(1), u(9)]))).toEqual([8, 9]);
  });

  it("equals compares length and bytes, including views at odd offsets", () => {
    expect(equals(u(1, 2, 3), u(1, 2, 3))).toBe(true);
    expect(equals(u(1, 2, 3), u(1, 2, 4))).toBe(false);
    expect(equals(u(1, 2), u(1, 2, 3))).toBe(false);
    expect(equals(u(), u())).toBe(true);
    const big = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
    const copy = new Uint8Array(503);
    copy.set(big, 3);
    expect(equals(big, copy.subarray(3))).toBe(true);
    copy[400]! ^= 1;
    expect(equals(big, copy.subarray(3))).toBe(false);
  });

  it("indexOfNeedle matches @std/bytes' documented examples and edge cases", () => {
    const source = u(0, 1, 2, 1, 2, 1, 2, 3);
    expect(indexOfNeedle(source, u(1, 2))).toBe(1);
    expect(indexOfNeedle(source, u(5, 0))).toBe(-1);
    expect(indexOfNeedle(source, u(1, 2), 2)).toBe(3);
    expect(indexOfNeedle(source, u(1, 2), 6)).toBe(-1);
    expect(indexOfNeedle(u(1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 3), u(0, 1, 2))).toBe(2);
    expect(indexOfNeedle(u(0, 0, 1), u(0, 1))).toBe(1);
    expect(indexOfNeedle(u(), u(0, 1))).toBe(-1);
    expect(indexOfNeedle(u(0, 1, 2, 0, 1, 2), u(0, 1), 7)).toBe(-1);
    expect(indexOfNeedle(u(0, 1, 2, 0, 1, 2), u(0, 1), -3)).toBe(3); // negative start counts from the end
    expect(indexOfNeedle(u(0, 1, 2, 0, 1, 2), u(0, 1), -100)).toBe(0);
    expect(indexOfNeedle(u(1, 2, 3), u(3, 4))).toBe(-1); // needle running off the end
    // Found by these tests: an empty needle returned `start`; @std/bytes never finds it (-1).
    expect(indexOfNeedle(u(1, 2, 3), u())).toBe(-1);
    expect(indexOfNeedle(u(), u())).toBe(-1);
  });

  it("indexOfNeedle finds the first occurrence at or after start (property)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }).map((a) => a.map((x) => x & 3)), fc.uint8Array({ minLength: 1, maxLength: 4 }).map((a) => a.map((x) => x & 3)), fc.integer({ min: -50, max: 50 }), (src, needle, start) => {
      const from = start < 0 ? Math.max(0, src.length + start) : start;
      let expected = -1;
      for (let i = from; i + needle.length <= src.length; i++) {
        if (needle.every((b, j) => src[i + j] === b)) {
          expected = i;
          break;
        }
      }
      expect(indexOfNeedle(src, needle, start)).toBe(expected);
    }), { numRuns: 2000 });
  });
});
