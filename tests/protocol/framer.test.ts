/**
 * StreamFramer (PROTOCOL.md §5): messages split at every byte boundary, many per chunk, one byte at a
 * time; oversize and corrupt headers reported with their stream offset before anything is buffered;
 * Node Buffer pool slices (non-zero byteOffset) handled.
 */

import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  MAX_PAYLOAD_SIZE, ProtocolError, fromHex, StreamFramer, decodeMessage, encodeMessage, pairInstrument,
  toHex, validateMessage, type Tlv,
} from "../../protocol/mod.ts";

const trade = (price: bigint): Tlv => ({
  type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", 102), side: 1, flags: 0, price, size: 3_600_000n,
  execTimestamp: 1_700_000_000_000_000_000n,
});
const book: Tlv = {
  type: 3, name: "OrderBook", instrument: pairInstrument("ETH", "USD", 101), bookTimestamp: 1n, exchangeSequence: 2n,
  bids: Array.from({ length: 20 }, (_, i) => ({ price: 100n - BigInt(i), size: 1n })),
  asks: Array.from({ length: 20 }, (_, i) => ({ price: 101n + BigInt(i), size: 1n })),
};

function message(seq: number, tlvs: Tlv[] = [trade(BigInt(seq) * 100n)]): Uint8Array {
  return encodeMessage({ relayDomain: 1, source: 3, sequence: BigInt(seq), timestamp: 0n }, tlvs);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds `chunks` and returns the messages the framer emitted, as hex (cheap to compare). */
function frame(framer: StreamFramer, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) framer.push(c, (bytes, offset, length) => out.push(toHex(bytes, offset, offset + length)));
  return out;
}

/** A stream header with a chosen payloadSize (checksum irrelevant to framing). */
function headerWithPayloadSize(size: number): Uint8Array {
  const h = message(1).slice(0, 32);
  new DataView(h.buffer).setUint32(24, size, true);
  return h;
}

function thrown(f: () => void): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error("expected a ProtocolError");
}

describe("StreamFramer", () => {
  const messages = [message(1), message(2, [book]), message(3), message(4, [trade(1n), trade(2n), book])];
  const stream = messages.map((m) => toHex(m));
  const bytes = concat(messages);

  it("splits a stream at every byte boundary into the same messages", () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const framer = new StreamFramer();
      const out = frame(framer, [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(out).toEqual(stream);
      expect(framer.buffered).toBe(0);
      expect(framer.position).toBe(bytes.length);
    }
  });

  it("splits at every pair of boundaries (three chunks) into the same messages", () => {
    const two = concat([message(7), message(8)]);
    for (let a = 0; a <= two.length; a++) {
      for (let b = a; b <= two.length; b += 3) {
        expect(frame(new StreamFramer(), [two.subarray(0, a), two.subarray(a, b), two.subarray(b)])).toEqual([toHex(message(7)), toHex(message(8))]);
      }
    }
  });

  it("hands out many messages of one chunk in place, without copying", () => {
    const framer = new StreamFramer();
    const seen: [Uint8Array, number, number][] = [];
    framer.push(bytes, (b, o, n) => seen.push([b, o, n]));
    expect(seen).toHaveLength(4);
    let at = 0;
    for (const [i, [b, o, n]] of seen.entries()) {
      expect(b).toBe(bytes); // the chunk itself
      expect(o).toBe(at);
      expect(n).toBe(messages[i]!.length);
      expect(validateMessage(b, o, n)).toBeUndefined();
      at += n;
    }
  });

  it("assembles messages fed one byte at a time", () => {
    const framer = new StreamFramer();
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    const out = frame(framer, chunks);
    expect(out).toEqual(stream);
    expect(out.map((m) => decodeMessage(fromHex(m)).header.sequence)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("reports the bytes it holds of an incomplete message", () => {
    const framer = new StreamFramer();
    expect(frame(framer, [bytes.subarray(0, 10)])).toEqual([]);
    expect(framer.buffered).toBe(10);
    expect(frame(framer, [bytes.subarray(10, 50)])).toEqual([]);
    expect(framer.buffered).toBe(50);
    expect(frame(framer, [bytes.subarray(50, messages[0]!.length)])).toEqual([stream[0]]);
    expect(framer.buffered).toBe(0);
  });

  it("rejects an oversize payloadSize before buffering its payload (TooLarge at the stream offset)", () => {
    const first = message(1);
    const framer = new StreamFramer();
    const err = thrown(() => frame(framer, [first, headerWithPayloadSize(MAX_PAYLOAD_SIZE + 1)]));
    expect(err.kind).toBe("TooLarge");
    expect(err.offset).toBe(first.length + 24); // the payloadSize field of the second message
    expect(framer.buffered).toBeLessThanOrEqual(32);
  });

  it("rejects an oversize payloadSize whose header arrives byte by byte, holding at most the header", () => {
    const first = message(1);
    const framer = new StreamFramer();
    frame(framer, [first]);
    const header = headerWithPayloadSize(0xffffffff);
    for (let i = 0; i < 31; i++) frame(framer, [header.subarray(i, i + 1)]);
    expect(framer.buffered).toBe(31);
    const err = thrown(() => frame(framer, [header.subarray(31)]));
    expect(err.kind).toBe("TooLarge");
    expect(err.offset).toBe(first.length + 24);
    expect(framer.buffered).toBeLessThanOrEqual(32);
  });

  it("accepts the largest legal message (1 MiB) split across chunks", () => {
    const big = new Uint8Array(32 + MAX_PAYLOAD_SIZE);
    big.set(headerWithPayloadSize(MAX_PAYLOAD_SIZE));
    const framer = new StreamFramer();
    const out = frame(framer, [big.subarray(0, 100), big.subarray(100, 600_000), big.subarray(600_000)]);
    expect(out).toHaveLength(1);
    expect(out[0]!.length).toBe(2 * 1024 * 1024); // hex digits of 1 MiB
  });

  it("reports bad magic at its stream offset, whole-chunk and split", () => {
    const good = concat([message(1), message(2)]);
    const bad = message(3);
    bad[0] = 0x00;
    const s = concat([good, bad]);
    expect(thrown(() => frame(new StreamFramer(), [s])).offset).toBe(good.length);
    for (const cut of [1, good.length - 5, good.length, good.length + 3, good.length + 31]) {
      const err = thrown(() => frame(new StreamFramer(), [s.subarray(0, cut), s.subarray(cut)]));
      expect(err.kind).toBe("BadMagic");
      expect(err.offset).toBe(good.length);
    }
  });

  it("reports a bad version and an unknown domain at their field offsets", () => {
    const good = message(1);
    const v = message(2);
    v[4] = 2;
    const err = thrown(() => frame(new StreamFramer(), [good, v.subarray(0, 7), v.subarray(7)]));
    expect([err.kind, err.offset]).toEqual(["UnsupportedVersion", good.length + 4]);
    const d = message(2);
    d[5] = 9;
    const err2 = thrown(() => frame(new StreamFramer(), [concat([good, d])]));
    expect([err2.kind, err2.offset]).toEqual(["UnknownDomain", good.length + 5]);
  });

  it("starts over after reset()", () => {
    const framer = new StreamFramer();
    const bad = message(1);
    bad[1] = 0;
    thrown(() => frame(framer, [bad]));
    framer.reset();
    expect(framer.position).toBe(0);
    expect(frame(framer, [message(2)])).toEqual([toHex(message(2))]);
  });

  it("works on Node Buffer pool slices (non-zero byteOffset), whole and split", () => {
    const pooled = Buffer.from(bytes); // small: allocated from the shared pool
    const sliced = Buffer.from(bytes).subarray(3); // a view starting inside its buffer
    expect(pooled.byteOffset + sliced.byteOffset).toBeGreaterThan(0);
    expect(frame(new StreamFramer(), [pooled])).toEqual(stream);
    const junkThenStream = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    expect(junkThenStream.byteOffset).toBeGreaterThan(0);
    expect(frame(new StreamFramer(), [junkThenStream])).toEqual(stream);
    for (const cut of [1, 17, 31, 32, 33, 60, messages[0]!.length, bytes.length - 1]) {
      const a = Buffer.from(bytes.subarray(0, cut));
      const b = Buffer.from(bytes.subarray(cut));
      expect(frame(new StreamFramer(), [a, b])).toEqual(stream);
    }
  });

  it("reports stream offsets correctly from pool slices", () => {
    const bad = message(2);
    bad[3] = 0;
    const s = Buffer.concat([Buffer.alloc(5), Buffer.from(message(1)), Buffer.from(bad)]).subarray(5);
    const err = thrown(() => frame(new StreamFramer(), [s]));
    expect([err.kind, err.offset]).toEqual(["BadMagic", message(1).length]);
  });
});
