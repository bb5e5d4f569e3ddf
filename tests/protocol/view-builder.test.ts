/**
 * MessageView (zero-copy reads in place) and MessageBuilder (reused buffer): every Trade/Quote field read
 * in place equals the decoded value; builder output validates and decodes, sequences count 1, 2, 3…,
 * the positional add* paths write exactly what the generic add() writes.
 */

import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ChunkViews, I64_MAX, I64_MIN, MessageBuilder, MessageView, PoolSwapField, U64_MAX, fitsI64, fitsU64, PoolSyncField, ProtocolError, QuoteField, TradeField, TlvType,
  decodeMessage, encodeMessage, pairInstrument, toHex, validateMessage,
  type MessageMeta, type PoolSwapTlv, type PoolSyncTlv, type QuoteTlv, type Tlv, type TradeTlv,
} from "../../protocol/mod.ts";
import { metaArb, tlvArbs } from "./arbitraries.ts";

/** Places `msg` at `pad` bytes into a larger buffer, so absolute and relative offsets differ. */
function embedded(msg: Uint8Array, pad: number): { bytes: Uint8Array; offset: number } {
  const bytes = new Uint8Array(pad + msg.length + 7).fill(0xaa);
  bytes.set(msg, pad);
  return { bytes: bytes.subarray(3), offset: pad - 3 };
}

function expectInvalidValue(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).kind).toBe("InvalidValue");
    return;
  }
  throw new Error("expected InvalidValue");
}

const trade: TradeTlv = {
  type: 1, name: "Trade", instrument: pairInstrument("BTC", "USD", 102), side: 2, flags: 1, price: 3_000_012_345_678n,
  size: 3_600_000n, execTimestamp: 1_700_000_000_123_456_789n,
};
const quote: QuoteTlv = {
  type: 2, name: "Quote", instrument: pairInstrument("ETH", "USDT", 100), bidPrice: 200_050_000_000n, bidSize: 1n,
  askPrice: 200_051_000_000n, askSize: -5n, quoteTimestamp: 17n,
};

describe("MessageView", () => {
  const view = new MessageView();

  it("reads every header and Trade field in place, equal to the decoded values", () => {
    fc.assert(fc.property(metaArb(1), tlvArbs.Trade, fc.integer({ min: 3, max: 40 }), (meta, t, pad) => {
      const msg = encodeMessage(meta, [t]);
      const { bytes, offset } = embedded(msg, pad);
      view.wrap(bytes, offset);
      expect(view.validate()).toBeUndefined();
      const decoded = decodeMessage(msg);
      expect([view.relayDomain, view.source, view.sequence, view.timestamp, view.payloadSize, view.checksum]).toEqual([
        decoded.header.relayDomain, decoded.header.source, decoded.header.sequence, decoded.header.timestamp,
        decoded.header.payloadSize, decoded.header.checksum,
      ]);
      expect((BigInt(view.sequenceHi) << 32n) | BigInt(view.sequenceLo)).toBe(meta.sequence);
      expect(view.length).toBe(msg.length);
      expect(toHex(view.messageBytes())).toBe(toHex(msg));
      expect(view.findTlv(TlvType.Trade)).toBe(true);
      expect([view.tlvType, view.tlvLength]).toEqual([1, 40]);
      const d = decoded.tlvs[0] as TradeTlv;
      expect({
        assetId: view.u64(TradeField.assetId), venue: view.u16(TradeField.venue), assetType: view.u8At(TradeField.assetType),
      }).toEqual(d.instrument);
      expect(view.u8At(TradeField.side)).toBe(d.side);
      expect(view.u8At(TradeField.flags)).toBe(d.flags);
      expect(view.i64(TradeField.price)).toBe(d.price);
      expect(view.i64(TradeField.size)).toBe(d.size);
      expect(view.u64(TradeField.execTimestamp)).toBe(d.execTimestamp);
    }), { numRuns: 300 });
  });

  it("reads every Quote field in place, equal to the decoded values", () => {
    fc.assert(fc.property(metaArb(1), tlvArbs.Quote, fc.integer({ min: 3, max: 40 }), (meta, q, pad) => {
      const msg = encodeMessage(meta, [q]);
      const { bytes, offset } = embedded(msg, pad);
      view.wrap(bytes, offset);
      expect(view.findTlv(TlvType.Quote)).toBe(true);
      const d = decodeMessage(msg).tlvs[0] as QuoteTlv;
      expect({
        assetId: view.u64(QuoteField.assetId), venue: view.u16(QuoteField.venue), assetType: view.u8At(QuoteField.assetType),
      }).toEqual(d.instrument);
      expect([view.i64(QuoteField.bidPrice), view.i64(QuoteField.bidSize), view.i64(QuoteField.askPrice), view.i64(QuoteField.askSize)])
        .toEqual([d.bidPrice, d.bidSize, d.askPrice, d.askSize]);
      expect(view.u64(QuoteField.quoteTimestamp)).toBe(d.quoteTimestamp);
    }), { numRuns: 300 });
  });

  it("reads PoolSwap (V2 and V3) and PoolSync fields in place", () => {
    fc.assert(fc.property(metaArb(1), tlvArbs.PoolSwap, tlvArbs.PoolSync, (meta, swap, sync) => {
      view.wrap(encodeMessage(meta, [sync, swap]));
      expect(view.findTlv(TlvType.PoolSwap)).toBe(true);
      const s = swap as PoolSwapTlv;
      expect([view.u16(PoolSwapField.venue), view.u8At(PoolSwapField.flags), view.u8At(PoolSwapField.tokenInDecimals), view.u8At(PoolSwapField.tokenOutDecimals)])
        .toEqual([s.venue, s.flags, s.tokenInDecimals, s.tokenOutDecimals]);
      expect([view.address(PoolSwapField.pool), view.address(PoolSwapField.tokenIn), view.address(PoolSwapField.tokenOut)])
        .toEqual([s.pool, s.tokenIn, s.tokenOut]);
      expect([view.u128(PoolSwapField.amountIn), view.u128(PoolSwapField.amountOut), view.u64(PoolSwapField.blockNumber), view.u32(PoolSwapField.logIndex), view.u64(PoolSwapField.blockTimestamp)])
        .toEqual([s.amountIn, s.amountOut, s.blockNumber, s.logIndex, s.blockTimestamp]);
      expect(view.tlvLength).toBe(s.flags & 1 ? 160 : 120);
      if (s.flags & 1) {
        expect([view.u160(PoolSwapField.sqrtPriceX96After), view.u128(PoolSwapField.liquidityAfter), view.i32(PoolSwapField.tickAfter)])
          .toEqual([s.sqrtPriceX96After, s.liquidityAfter, s.tickAfter]);
      }
      expect(view.findTlv(TlvType.PoolSync)).toBe(true);
      const y = sync as PoolSyncTlv;
      expect([view.address(PoolSyncField.pool), view.u128(PoolSyncField.reserve0), view.u128(PoolSyncField.reserve1), view.u64(PoolSyncField.blockNumber), view.u32(PoolSyncField.logIndex), view.u64(PoolSyncField.blockTimestamp)])
        .toEqual([y.pool, y.reserve0, y.reserve1, y.blockNumber, y.logIndex, y.blockTimestamp]);
    }), { numRuns: 200 });
  });

  it("walks standard and extended TLVs with its cursor, and finds a later TLV", () => {
    const book: Tlv = {
      type: 3, name: "OrderBook", instrument: trade.instrument, bookTimestamp: 0n, exchangeSequence: 0n,
      bids: Array.from({ length: 20 }, () => ({ price: 1n, size: 1n })), asks: [],
    };
    const msg = encodeMessage({ relayDomain: 1, source: 1, sequence: 1n, timestamp: 0n }, [trade, book, quote]);
    view.wrap(Buffer.from(msg)); // a pool slice
    const seen: [number, number][] = [];
    if (view.firstTlv()) do seen.push([view.tlvType, view.tlvLength]); while (view.nextTlv());
    expect(seen).toEqual([[1, 40], [3, 352], [2, 52]]);
    expect(view.findTlv(TlvType.Quote)).toBe(true);
    expect(view.i64(QuoteField.askSize)).toBe(-5n);
    expect(view.findTlv(TlvType.Fill)).toBe(false);
  });

  it("wraps a message in a Node Buffer pool slice", () => {
    const msg = encodeMessage({ relayDomain: 1, source: 9, sequence: 5n, timestamp: 6n }, [trade]);
    // Node's Buffer.from takes small buffers from a shared pool; Deno's does not, so slice one explicitly too.
    for (const buf of [Buffer.from(msg), Buffer.concat([Buffer.alloc(5), Buffer.from(msg)]).subarray(5)]) {
      view.wrap(buf);
      expect(view.validate()).toBeUndefined();
      expect(view.findTlv(1) && view.i64(TradeField.price)).toBe(trade.price);
    }
    expect(Buffer.concat([Buffer.alloc(5), Buffer.from(msg)]).subarray(5).byteOffset).toBeGreaterThanOrEqual(5);
  });

  // wrap() keeps the wrapped array's byteOffset between calls (a getter call per message on Node 20):
  // switching between arrays over one buffer at different offsets must still read the right bytes.
  it("reads the right message when re-wrapped across arrays that share one buffer", () => {
    const msgs = [1n, 2n, 3n].map((price) => encodeMessage({ relayDomain: 1, source: 1, sequence: price, timestamp: 0n }, [{ ...trade, price }]));
    const backing = new Uint8Array(11 + msgs.reduce((n, m) => n + m.length, 0));
    let at = 11;
    const arrays = msgs.map((m) => {
      backing.set(m, at);
      const a = backing.subarray(at - 5, at + m.length);
      at += m.length;
      return a;
    });
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 1, 0, 2, 2]]) {
      for (const i of order) {
        view.wrap(arrays[i]!, 5);
        expect(view.validate()).toBeUndefined();
        expect(view.findTlv(TlvType.Trade) && view.i64(TradeField.price)).toBe(BigInt(i + 1));
      }
    }
    view.wrap(backing, 11 + msgs[0]!.length); // the whole buffer, the second message
    expect(view.sequence).toBe(2n);
  });

  // Found by these tests: wrap() read payloadSize past the end of a short buffer (RangeError) and the
  // TLV cursor followed a corrupt payloadSize past the wrapped bytes.
  it("wraps fewer than 32 bytes without throwing; validate() then reports Truncated", () => {
    for (const n of [0, 1, 27, 31]) {
      view.wrap(new Uint8Array(n));
      expect(view.validate()?.kind).toBe("Truncated");
      expect(view.firstTlv()).toBe(false);
    }
  });

  it("never walks its cursor past the wrapped bytes, whatever payloadSize claims", () => {
    const msg = encodeMessage({ relayDomain: 1, source: 1, sequence: 1n, timestamp: 0n }, [trade]);
    const backing = new Uint8Array(200);
    backing.set(msg);
    backing.set([1, 40], msg.length); // a plausible TLV header just past the message
    const short = backing.subarray(0, msg.length);
    new DataView(backing.buffer).setUint32(24, 200, true); // claims more than `short` holds
    view.wrap(short);
    let count = 0;
    if (view.firstTlv()) do count++; while (view.nextTlv());
    expect(count).toBe(1);
    expect(view.validate()?.kind).toBe("Truncated");
  });
});

describe("ChunkViews", () => {
  it("describes each array it is given, also arrays over one buffer at other offsets", () => {
    const backing = new Uint8Array(64).map((_, i) => i);
    const c = new ChunkViews();
    for (const [from, to] of [[0, 64], [5, 20], [5, 20], [17, 40], [0, 3]] as const) {
      const a = backing.subarray(from, to);
      const v = c.of(a);
      expect(v.base).toBe(from);
      expect(v.buffer).toBe(backing.buffer);
      expect(v.u8[v.base + 1]).toBe(a[1]);
      expect(v.dv.getUint8(v.base)).toBe(a[0]);
    }
    const other = new Uint8Array([9, 8, 7]);
    expect(c.of(other).u8[c.base + 2]).toBe(7);
  });
});

describe("fitsI64 / fitsU64", () => {
  it("agree with the range comparisons they replace, for any bigint", () => {
    const near = fc.oneof(fc.bigInt(), ...[0n, 1n << 63n, 1n << 64n].map((edge) => fc.bigInt({ min: -edge - 3n, max: -edge + 3n })),
      ...[0n, 1n << 63n, 1n << 64n].map((edge) => fc.bigInt({ min: edge - 3n, max: edge + 3n })));
    fc.assert(fc.property(near, (v) => {
      expect(fitsI64(v)).toBe(v >= I64_MIN && v <= I64_MAX);
      expect(fitsU64(v)).toBe(v >= 0n && v <= U64_MAX);
    }), { numRuns: 2000 });
    expect(fitsI64(5 as unknown as bigint)).toBe(false);
    expect(fitsU64("5" as unknown as bigint)).toBe(false);
  });
});

describe("MessageBuilder", () => {
  it("builds messages that validate and decode, with sequences 1, 2, 3…", () => {
    const b = new MessageBuilder();
    for (let i = 1; i <= 5; i++) {
      const bytes = b.begin(1, 3).add(trade).add(quote).finish();
      expect(validateMessage(bytes)).toBeUndefined();
      const m = decodeMessage(bytes);
      expect(m.header.sequence).toBe(BigInt(i));
      expect(b.sequence).toBe(BigInt(i));
      expect(m.header.source).toBe(3);
      expect(m.tlvs).toEqual([trade, quote]);
    }
  });

  it("stamps the current time in nanoseconds", () => {
    // The builder's clock is the monotonic clock anchored to the wall clock once per process, so over a
    // long test run it drifts from Date.now() by milliseconds (a Node 24 CI run): a second either way
    // still tells nanoseconds from any other unit.
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    const ts = decodeMessage(new MessageBuilder().begin(1, 3).add(trade).finish()).header.timestamp;
    const after = BigInt(Date.now() + 1000) * 1_000_000n;
    expect(ts >= before && ts <= after).toBe(true);
  });

  it("stamps the caller's time, given as epoch milliseconds with a fraction, exactly in nanoseconds", () => {
    const b = new MessageBuilder();
    const cases: [number, bigint][] = [
      [0, 0n],
      [1_764_000_000_123.5, 1_764_000_000_123_500_000n],
      [1_764_000_000_999.75, 1_764_000_000_999_750_000n],
      [4_294_967_295_999, 4_294_967_295_999_000_000n],
    ];
    for (const [ms, ns] of cases) expect(decodeMessage(b.begin(1, 3, ms).add(trade).finish()).header.timestamp).toBe(ns);
    // Any time: within the double's resolution at that epoch (< 1 µs).
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_294_967_295_000 }), fc.integer({ min: 0, max: 999_999 }), (whole, micro) => {
      const ms = whole + micro / 1e6;
      const ts = decodeMessage(b.begin(1, 3, ms).add(trade).finish()).header.timestamp;
      const exact = BigInt(whole) * 1_000_000n + BigInt(micro);
      expect(ts - exact <= 1000n && exact - ts <= 1000n).toBe(true);
    }));
  });

  it("refuses a time that is not between 1970 and 2106, leaving the builder usable", () => {
    const b = new MessageBuilder();
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY, 4_294_967_296_000]) expectInvalidValue(() => b.begin(1, 3, ms));
    expect(validateMessage(b.begin(1, 3).add(trade).finish())).toBeUndefined();
  });

  it("writes every registered TLV type as encodeMessage does", () => {
    const b = new MessageBuilder();
    fc.assert(fc.property(fc.constantFrom(...(Object.keys(tlvArbs) as (keyof typeof tlvArbs)[])).chain((n) => tlvArbs[n] as fc.Arbitrary<Tlv>), (tlv) => {
      const meta: MessageMeta = { relayDomain: 4, source: 7, sequence: 9n, timestamp: 10n };
      const bytes = b.begin(4, 7).setSequence(9n).setTimestamp(10n).add(tlv).finish();
      expect(toHex(bytes)).toBe(toHex(encodeMessage(meta, [tlv])));
    }), { numRuns: 300 });
  });

  it("addTrade and addQuote write exactly what add() writes", () => {
    fc.assert(fc.property(tlvArbs.Trade, tlvArbs.Quote, (t, q) => {
      const generic = new MessageBuilder().begin(1, 3).setTimestamp(1n).add(t).add(q).finish().slice();
      const positional = new MessageBuilder().begin(1, 3).setTimestamp(1n)
        .addTrade(t.instrument.assetId, t.instrument.venue, t.instrument.assetType, t.side, t.flags, t.price, t.size, t.execTimestamp)
        .addQuote(q.instrument.assetId, q.instrument.venue, q.instrument.assetType, q.bidPrice, q.bidSize, q.askPrice, q.askSize, q.quoteTimestamp)
        .finish();
      expect(toHex(positional)).toBe(toHex(generic));
    }), { numRuns: 500 });
  });

  it("reuses its buffer: reserved values are zeroed even over old bytes", () => {
    const b = new MessageBuilder(256);
    b.begin(1, 3).addTrade(-1n & 0xffffffffffffffffn, 0xffff, 0xff, 0xff, 0xff, -1n, -1n, 0xffffffffffffffffn).finish();
    b.begin(1, 3);
    const at = b.reserve(TlvType.Trade, 40);
    expect(Array.from(b.bytes.subarray(at, at + 40)).every((x) => x === 0)).toBe(true);
    expect(validateMessage(b.finish())).toBeUndefined();
  });

  it("continues from setSequence(), also across the 32-bit word boundary", () => {
    const b = new MessageBuilder();
    b.begin(1, 3).setSequence(0xffffffffn);
    expect(decodeMessage(b.add(trade).finish()).header.sequence).toBe(0xffffffffn);
    expect(decodeMessage(b.begin(1, 3).add(trade).finish()).header.sequence).toBe(0x100000000n);
    expect(decodeMessage(b.begin(1, 3).add(trade).finish()).header.sequence).toBe(0x100000001n);
  });

  it("chooses the extended TLV form by size", () => {
    const b = new MessageBuilder();
    const at = b.begin(1, 3).reserve(9, 300);
    expect(at).toBe(32 + 5);
    expect(Array.from(b.bytes.subarray(32, 37))).toEqual([255, 0, 9, 300 & 0xff, 300 >> 8]);
    expect(validateMessage(b.finish())).toBeUndefined();
  });

  it("rejects a TLV that does not fit its buffer, and a bad capacity", () => {
    const b = new MessageBuilder(64);
    expectInvalidValue(() => b.begin(1, 3).add(quote));
    expectInvalidValue(() => b.begin(1, 3).addQuote(1n, 1, 1, 1n, 1n, 1n, 1n, 1n));
    expectInvalidValue(() => new MessageBuilder(16));
    expectInvalidValue(() => new MessageBuilder(2 * 1024 * 1024));
  });

  // Found by these tests: a TLV rejected by add() left its header and half its value in the message.
  it("leaves no trace of a TLV that add() rejected", () => {
    const b = new MessageBuilder();
    b.begin(1, 3).add(trade);
    expectInvalidValue(() => b.add({ ...quote, askPrice: 1n << 63n }));
    const m = decodeMessage(b.finish());
    expect(m.tlvs).toEqual([trade]);
  });

  // Found by these tests: addTrade/addQuote let DataView wrap out-of-range values (2^63 became −2^63).
  it("addTrade and addQuote reject what add() rejects", () => {
    const b = new MessageBuilder();
    const cases: [string, () => unknown][] = [
      ["price 2^63", () => b.addTrade(1n, 1, 1, 1, 0, 1n << 63n, 1n, 0n)],
      ["size < i64", () => b.addTrade(1n, 1, 1, 1, 0, 1n, -(1n << 63n) - 1n, 0n)],
      ["execTimestamp < 0", () => b.addTrade(1n, 1, 1, 1, 0, 1n, 1n, -1n)],
      ["assetId 2^64", () => b.addTrade(1n << 64n, 1, 1, 1, 0, 1n, 1n, 0n)],
      ["venue 70000", () => b.addTrade(1n, 70_000, 1, 1, 0, 1n, 1n, 0n)],
      ["side 256", () => b.addTrade(1n, 1, 1, 256, 0, 1n, 1n, 0n)],
      ["flags -1", () => b.addTrade(1n, 1, 1, 1, -1, 1n, 1n, 0n)],
      ["assetType 1.5", () => b.addTrade(1n, 1, 1.5, 1, 0, 1n, 1n, 0n)],
      ["bidPrice 2^63", () => b.addQuote(1n, 1, 1, 1n << 63n, 1n, 1n, 1n, 0n)],
      ["quoteTimestamp 2^64", () => b.addQuote(1n, 1, 1, 1n, 1n, 1n, 1n, 1n << 64n)],
      ["price as a number", () => b.addTrade(1n, 1, 1, 1, 0, 5 as unknown as bigint, 1n, 0n)],
      ["assetId as a string", () => b.addTrade("1" as unknown as bigint, 1, 1, 1, 0, 1n, 1n, 0n)],
    ];
    for (const [, f] of cases) {
      b.begin(1, 3);
      expectInvalidValue(f);
      expect(b.length).toBe(32);
    }
  });
});
