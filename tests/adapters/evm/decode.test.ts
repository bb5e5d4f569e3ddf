/**
 * The hot-path decoder's 256-bit edges, property-tested against bigint arithmetic and viem encoding:
 * unsigned words into u128/u160, signed int256 amounts (two's complement, |v| < 2^128), sign-extended
 * int24 ticks, and the swap direction rules of the TLV writer.
 */
import fc from "fast-check";
import { encodeAbiParameters, encodeEventTopics } from "viem";
import { describe, expect, it } from "vitest";
import { decodeMessage, MessageBuilder, POOL_FLAG_REMOVED, readU128, RelayDomain, type PoolSwapTlv } from "../../../protocol/mod.ts";
import { UNISWAP_V2_EVENTS_ABI, UNISWAP_V3_EVENTS_ABI } from "../../../adapters/evm/abi.ts";
import { decodePoolLog, PoolLogError } from "../../../adapters/evm/decode.ts";
import { EventKind, eventKindOf, EventTopic } from "../../../adapters/evm/events.ts";
import { HexStatus, parseQuantity, readInt24Word, writeInt256AbsLE, writeUintWordLE } from "../../../adapters/evm/hex.ts";
import { poolRecord } from "../../../adapters/evm/pool-meta.ts";
import { PoolTlvWriter, WriteStatus } from "../../../adapters/evm/tlv-writer.ts";

const U256 = (1n << 256n) - 1n;
const U128 = (1n << 128n) - 1n;
const word = (v: bigint): string => (v & U256).toString(16).padStart(64, "0");
const le = (bytes: Uint8Array, off: number, n: number): bigint => {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]!);
  return v;
};
const interesting = fc.oneof(
  fc.bigInt({ min: 0n, max: U256 }),
  fc.bigInt({ min: 0n, max: U128 + 2n }),
  fc.constantFrom(0n, 1n, U128, U128 + 1n, (1n << 160n) - 1n, 1n << 160n, U256),
);

describe("hex word readers", () => {
  it("writeUintWordLE: exact for values that fit, Overflow otherwise (u128 and u160)", () => {
    fc.assert(fc.property(interesting, fc.constantFrom(16, 20), (v, width) => {
      const out = new Uint8Array(width);
      const s = writeUintWordLE("0x" + word(v), 2, out, 0, width);
      if (v < 1n << BigInt(8 * width)) {
        expect(s).toBe(HexStatus.Ok);
        expect(le(out, 0, width)).toBe(v);
      } else {
        expect(s).toBe(HexStatus.Overflow);
      }
    }), { numRuns: 500 });
  });

  it("writeInt256AbsLE: sign and |value| for every int256, Overflow when |value| ≥ 2^128", () => {
    const signed = fc.oneof(
      fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }),
      fc.bigInt({ min: -(1n << 128n) - 2n, max: (1n << 128n) + 2n }),
      fc.constantFrom(0n, -1n, 1n, -(1n << 128n), -(1n << 128n) + 1n, U128, -(1n << 255n)),
    );
    fc.assert(fc.property(signed, (v) => {
      const out = new Uint8Array(16);
      const s = writeInt256AbsLE("0x" + word(v), 2, out, 0);
      const abs = v < 0n ? -v : v;
      if (abs > U128) {
        expect(s).toBe(-10 - HexStatus.Overflow);
      } else {
        expect(s).toBe(v > 0n ? 1 : v < 0n ? -1 : 0);
        expect(le(out, 0, 16)).toBe(abs);
      }
    }), { numRuns: 500 });
  });

  it("readInt24Word: every int24 round-trips; words that are not sign-extended int24 are NaN", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }), (t) => {
      expect(readInt24Word(encodeAbiParameters([{ type: "int24" }], [t]), 2)).toBe(t);
    }), { numRuns: 300 });
    expect(readInt24Word("0x" + word(1n << 23n), 2)).toBeNaN();
    expect(readInt24Word("0x" + word(-(1n << 23n) - 1n), 2)).toBeNaN();
    expect(readInt24Word("0x" + "0".repeat(55) + "1" + "00000005", 2)).toBeNaN(); // not sign-extended
    expect(readInt24Word("0x" + "f".repeat(56) + "00000005", 2)).toBeNaN(); // ff… over a positive low part
    expect(readInt24Word("0x" + word(5n).replace(/5$/, "g"), 2)).toBeNaN();
  });

  it("parseQuantity reads JSON-RPC quantities and rejects everything else", () => {
    expect([parseQuantity("0x0"), parseQuantity("0x1060a39"), parseQuantity("0xFFFFFFFFFFFFF")]).toEqual([0, 17173049, 2 ** 52 - 1]);
    for (const bad of ["0x", "12", "0x1g", "0x" + "f".repeat(14), 5, null, undefined]) expect(parseQuantity(bad)).toBe(-1);
  });

  it("eventKindOf knows the seven topics (any case) and nothing else", () => {
    expect(eventKindOf(EventTopic.V3Burn)).toBe(EventKind.V3Burn);
    expect(eventKindOf(EventTopic.V2Swap.toUpperCase().replace("0X", "0x"))).toBe(EventKind.V2Swap);
    expect(eventKindOf("0x" + "d7".repeat(32))).toBe(0);
    expect(eventKindOf(42)).toBe(0);
  });
});

const POOL = "0x00000000000000000000000000000000000000bb";
const T0 = "0x00000000000000000000000000000000000000a0";
const T1 = "0x00000000000000000000000000000000000000a1";
const ADDR = "0x1111111111111111111111111111111111111111";

function v3Swap(amount0: bigint, amount1: bigint, sqrtPriceX96 = 1n << 96n, liquidity = 10n ** 20n, tick = 0): { address: string; topics: string[]; data: string } {
  const topics = encodeEventTopics({ abi: UNISWAP_V3_EVENTS_ABI, eventName: "Swap", args: { sender: ADDR, recipient: ADDR } }) as string[];
  const data = encodeAbiParameters(
    [{ type: "int256" }, { type: "int256" }, { type: "uint160" }, { type: "uint128" }, { type: "int24" }],
    [amount0, amount1, sqrtPriceX96, liquidity, tick],
  );
  return { address: POOL, topics, data };
}

function v2Swap(a0In: bigint, a1In: bigint, a0Out: bigint, a1Out: bigint): { address: string; topics: string[]; data: string } {
  const topics = encodeEventTopics({ abi: UNISWAP_V2_EVENTS_ABI, eventName: "Swap", args: { sender: ADDR, to: ADDR } }) as string[];
  const data = encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }], [a0In, a1In, a0Out, a1Out]);
  return { address: POOL, topics, data };
}

function writeSwap(log: { address: string; topics: string[]; data: string }, kind: EventKind, removed = false): { status: WriteStatus; tlv?: PoolSwapTlv; field: string } {
  const writer = new PoolTlvWriter();
  const b = new MessageBuilder(1024).begin(RelayDomain.MarketData, 4);
  const pool = poolRecord(POOL, { kind: kind === EventKind.V3Swap ? "v3" : "v2", venue: 402, token0: T0, token1: T1, decimals0: 18, decimals1: 6, fee: 500 });
  const status = writer.write(b, log, kind, pool, 17_000_000, 7, 1_700_000_000, removed);
  if (status !== WriteStatus.Ok) return { status, field: writer.failedField };
  return { status, tlv: decodeMessage(b.finish()).tlvs[0] as PoolSwapTlv, field: "" };
}

describe("PoolTlvWriter swap mapping", () => {
  it("V3: the positive amount is tokenIn, amountOut is the other's absolute value; V3 fields exact", () => {
    const amount = fc.bigInt({ min: 1n, max: U128 });
    fc.assert(fc.property(amount, fc.bigInt({ min: 0n, max: U128 }), fc.boolean(), fc.bigInt({ min: 1n, max: (1n << 160n) - 1n }), fc.integer({ min: -887272, max: 887272 }),
      (inAmt, outAmt, zeroIn, sqrtP, tick) => {
        const log = zeroIn ? v3Swap(inAmt, -outAmt, sqrtP, 5n, tick) : v3Swap(-outAmt, inAmt, sqrtP, 5n, tick);
        const { status, tlv } = writeSwap(log, EventKind.V3Swap);
        expect(status).toBe(WriteStatus.Ok);
        expect([tlv!.tokenIn, tlv!.tokenOut, tlv!.amountIn, tlv!.amountOut]).toEqual(zeroIn ? [T0, T1, inAmt, outAmt] : [T1, T0, inAmt, outAmt]);
        expect([tlv!.tokenInDecimals, tlv!.tokenOutDecimals]).toEqual(zeroIn ? [18, 6] : [6, 18]);
        expect([tlv!.sqrtPriceX96After, tlv!.liquidityAfter, tlv!.tickAfter, tlv!.flags]).toEqual([sqrtP, 5n, tick, 1]);
        expect([tlv!.blockNumber, tlv!.logIndex, tlv!.blockTimestamp]).toEqual([17_000_000n, 7, 1_700_000_000_000_000_000n]);
      }), { numRuns: 300 });
  });

  it("V3: both amounts into (or out of) the pool is malformed; |amount| ≥ 2^128 overflows", () => {
    expect(writeSwap(v3Swap(5n, 7n), EventKind.V3Swap)).toMatchObject({ status: WriteStatus.BadSwap, field: "amount0/amount1" });
    expect(writeSwap(v3Swap(-5n, -7n), EventKind.V3Swap)).toMatchObject({ status: WriteStatus.BadSwap });
    expect(writeSwap(v3Swap(1n << 128n, -1n), EventKind.V3Swap)).toMatchObject({ status: WriteStatus.Overflow, field: "amount0" });
    expect(writeSwap(v3Swap(1n, -(1n << 128n)), EventKind.V3Swap)).toMatchObject({ status: WriteStatus.Overflow, field: "amount1" });
    const ok = v3Swap(1n, -1n);
    const bigLiquidity = { ...ok, data: ok.data.slice(0, 2 + 3 * 64) + word(1n << 128n) + ok.data.slice(2 + 4 * 64) }; // viem refuses to encode it
    expect(writeSwap(bigLiquidity, EventKind.V3Swap)).toMatchObject({ status: WriteStatus.Overflow, field: "liquidity" });
    expect(writeSwap(v3Swap(0n, 0n), EventKind.V3Swap).tlv).toMatchObject({ tokenIn: T0, amountIn: 0n, amountOut: 0n });
  });

  it("V2: one non-zero In decides; both Ins → the token with positive net inflow; amounts > u128 overflow", () => {
    expect(writeSwap(v2Swap(10n, 0n, 0n, 9n), EventKind.V2Swap).tlv).toMatchObject({ tokenIn: T0, tokenOut: T1, amountIn: 10n, amountOut: 9n, flags: 0 });
    expect(writeSwap(v2Swap(0n, 10n, 9n, 0n), EventKind.V2Swap).tlv).toMatchObject({ tokenIn: T1, tokenOut: T0, amountIn: 10n, amountOut: 9n });
    // flash swap repaid in both tokens: token1's net inflow is positive, token0's negative
    expect(writeSwap(v2Swap(3n, 50n, 10n, 1n), EventKind.V2Swap).tlv).toMatchObject({ tokenIn: T1, amountIn: 50n, amountOut: 10n });
    expect(writeSwap(v2Swap(50n, 3n, 1n, 10n), EventKind.V2Swap).tlv).toMatchObject({ tokenIn: T0, amountIn: 50n, amountOut: 10n });
    expect(writeSwap(v2Swap(0n, 0n, 4n, 0n), EventKind.V2Swap).tlv).toMatchObject({ tokenIn: T1, amountIn: 0n, amountOut: 4n });
    expect(writeSwap(v2Swap(1n << 128n, 0n, 0n, 1n), EventKind.V2Swap)).toMatchObject({ status: WriteStatus.Overflow, field: "amount0In" });
    expect(writeSwap(v2Swap(1n, 0n, 0n, 1n), EventKind.V2Swap, true).tlv!.flags).toBe(POOL_FLAG_REMOVED);
  });

  it("wrong shapes are BadShape (topic count, data length), and the typed decoder names the field", () => {
    const log = v2Swap(1n, 0n, 0n, 1n);
    expect(writeSwap({ ...log, topics: log.topics.slice(0, 2) }, EventKind.V2Swap)).toMatchObject({ status: WriteStatus.BadShape, field: "topics" });
    expect(writeSwap({ ...log, data: log.data + "00" }, EventKind.V2Swap)).toMatchObject({ status: WriteStatus.BadShape, field: "data" });
    expect(() => decodePoolLog({ ...log, data: log.data.slice(0, -64), blockNumber: "0x1", logIndex: "0x0" })).toThrow(PoolLogError);
    const sync = { address: POOL, topics: [EventTopic.V2Sync], data: "0x" + word(1n << 112n) + word(1n), blockNumber: "0x1", logIndex: "0x0" };
    expect(() => decodePoolLog(sync)).toThrow(/reserve0: .* does not fit uint112/);
  });

  it("the LE u128 written for amountIn is byte-exact at its protocol offset", () => {
    const writer = new PoolTlvWriter();
    const b = new MessageBuilder(1024).begin(RelayDomain.MarketData, 4);
    const pool = poolRecord(POOL, { kind: "v3", venue: 402, token0: T0, token1: T1, decimals0: 18, decimals1: 6, fee: 500 });
    const amount = 0x0102030405060708090a0b0c0d0e0f10n;
    expect(writer.write(b, v3Swap(amount, -1n), EventKind.V3Swap, pool, 1, 0, 0, false)).toBe(WriteStatus.Ok);
    const bytes = b.finish();
    expect(readU128(new DataView(bytes.buffer, bytes.byteOffset), 32 + 2 + 68)).toBe(amount);
    expect(bytes[32 + 2 + 68]).toBe(0x10);
  });
});
