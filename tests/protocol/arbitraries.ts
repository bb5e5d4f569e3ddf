/**
 * fast-check arbitraries for Protocol V2: one per registered TLV type (all 22), Unknown TLVs, and whole
 * valid messages. Shared by the property tests and the fuzz script's corpus (`bench/fuzz-protocol.ts`),
 * so "every type" means the same thing in both.
 *
 * Values are shaped exactly as `decodeMessage` returns them (optional V3/route fields absent when their
 * flag bit is clear), so `decode(encode(x))` can be compared with `toStrictEqual`.
 *
 * @module
 */

import fc from "fast-check";
import {
  I64_MAX, I64_MIN, MAX_HELLO_TOKEN, U128_MAX, U160_MAX, U64_MAX, tlvSpec, tlvSpecByName,
  type InstrumentId, type KnownTlv, type MessageMeta, type Tlv, type UnknownTlv,
} from "../../protocol/mod.ts";

const u8 = fc.integer({ min: 0, max: 0xff });
const i8 = fc.integer({ min: -128, max: 127 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
const i64 = fc.bigInt({ min: I64_MIN, max: I64_MAX });
const u128 = fc.bigInt({ min: 0n, max: U128_MAX });
const u160 = fc.bigInt({ min: 0n, max: U160_MAX });
const hexByte = (b: number): string => b.toString(16).padStart(2, "0");

/** `fc.record` with ordinary prototypes, so values compare equal to decoded objects under `toStrictEqual`. */
function rec<R extends Record<string, fc.Arbitrary<unknown>>>(model: R): fc.Arbitrary<{ [K in keyof R]: R[K] extends fc.Arbitrary<infer T> ? T : never }> {
  return fc.record(model, { noNullPrototype: true }) as never;
}

/** A lowercase `0x…` EVM address. */
export const addressArb: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => "0x" + Array.from(b, hexByte).join(""));

/** Any InstrumentId (assetId any u64, not only packed pairs). */
export const instrumentArb: fc.Arbitrary<InstrumentId> = rec({ assetId: u64, venue: u16, assetType: u8 });

/** A flags byte with bit0 forced to `bit0`. */
const flagsWith = (bit0: boolean): fc.Arbitrary<number> => u8.map((f) => (bit0 ? f | 1 : f & ~1));

const levelArb = rec({ price: i64, size: i64 });
const utf8 = new TextEncoder();

/** Arbitraries of every registered TLV, keyed by name. */
export const tlvArbs = {
  Trade: rec({
    type: fc.constant(1 as const), name: fc.constant("Trade" as const),
    instrument: instrumentArb, side: u8, flags: u8, price: i64, size: i64, execTimestamp: u64,
  }),
  Quote: rec({
    type: fc.constant(2 as const), name: fc.constant("Quote" as const),
    instrument: instrumentArb, bidPrice: i64, bidSize: i64, askPrice: i64, askSize: i64, quoteTimestamp: u64,
  }),
  // Up to 2×24 levels: values beyond 255 bytes (15+ levels) use the extended TLV form.
  OrderBook: rec({
    type: fc.constant(3 as const), name: fc.constant("OrderBook" as const),
    instrument: instrumentArb, bookTimestamp: u64, exchangeSequence: u64,
    bids: fc.array(levelArb, { maxLength: 24 }), asks: fc.array(levelArb, { maxLength: 24 }),
  }),
  PoolSwap: fc.oneof(
    rec({
      type: fc.constant(4 as const), name: fc.constant("PoolSwap" as const),
      venue: u16, flags: flagsWith(false), tokenInDecimals: u8, tokenOutDecimals: u8, pool: addressArb,
      tokenIn: addressArb, tokenOut: addressArb, amountIn: u128, amountOut: u128, blockNumber: u64, logIndex: u32,
      blockTimestamp: u64,
    }),
    rec({
      type: fc.constant(4 as const), name: fc.constant("PoolSwap" as const),
      venue: u16, flags: flagsWith(true), tokenInDecimals: u8, tokenOutDecimals: u8, pool: addressArb,
      tokenIn: addressArb, tokenOut: addressArb, amountIn: u128, amountOut: u128, blockNumber: u64, logIndex: u32,
      blockTimestamp: u64, sqrtPriceX96After: u160, liquidityAfter: u128, tickAfter: i32,
    }),
  ),
  PoolMint: poolLiquidityArb(5, "PoolMint"),
  PoolBurn: poolLiquidityArb(6, "PoolBurn"),
  PoolSync: rec({
    type: fc.constant(7 as const), name: fc.constant("PoolSync" as const),
    venue: u16, flags: u8, token0Decimals: u8, token1Decimals: u8, pool: addressArb, reserve0: u128, reserve1: u128,
    blockNumber: u64, logIndex: u32, blockTimestamp: u64,
  }),
  SignalIdentity: rec({
    type: fc.constant(20 as const), name: fc.constant("SignalIdentity" as const),
    strategyId: u16, confidence: u8, signalId: u64,
  }),
  // 4+ extra hops take the value past 255 bytes (extended form).
  ArbitrageSignal: rec({
    type: fc.constant(21 as const), name: fc.constant("ArbitrageSignal" as const),
    chainId: u32, sourceVenue: u16, targetVenue: u16, sourcePool: addressArb, targetPool: addressArb,
    tokenIn: addressArb, tokenOut: addressArb, amountIn: u128, expectedProfitUsd: i64, gasCostUsd: i64,
    dexFeesUsd: i64, slippageUsd: i64, netProfitUsd: i64, spreadBps: i32, slippageToleranceBps: u16,
    validUntil: u64, maxGasPriceWei: u64, minAmountOut: u128, extraHopPools: fc.array(addressArb, { maxLength: 8 }),
  }),
  MomentumSignal: rec({
    type: fc.constant(22 as const), name: fc.constant("MomentumSignal" as const),
    instrument: instrumentArb, direction: i8, windowSeconds: u16, momentumBps: i32, referencePrice: i64,
  }),
  LiquidationAlert: rec({
    type: fc.constant(23 as const), name: fc.constant("LiquidationAlert" as const),
    instrument: instrumentArb, side: u8, severity: u8, positionSize: i64, liquidationPrice: i64, markPrice: i64,
    distanceBps: i32,
  }),
  OrderRequest: fc.oneof(
    rec({
      type: fc.constant(40 as const), name: fc.constant("OrderRequest" as const),
      orderId: u64, instrument: instrumentArb, side: u8, orderType: u8, strategyId: u16, price: i64, quantity: i64,
      signalId: u64, createdAt: u64, maxSlippageBps: u16, flags: flagsWith(false),
    }),
    rec({
      type: fc.constant(40 as const), name: fc.constant("OrderRequest" as const),
      orderId: u64, instrument: instrumentArb, side: u8, orderType: u8, strategyId: u16, price: i64, quantity: i64,
      signalId: u64, createdAt: u64, maxSlippageBps: u16, flags: flagsWith(true), pool: addressArb, minAmountOut: u128,
    }),
  ),
  OrderAck: rec({
    type: fc.constant(41 as const), name: fc.constant("OrderAck" as const),
    orderId: u64, venueOrderId: u64, status: u8, rejectReason: u8, ackedAt: u64,
  }),
  Fill: rec({
    type: fc.constant(42 as const), name: fc.constant("Fill" as const),
    orderId: u64, instrument: instrumentArb, side: u8, liquidity: u8, price: i64, quantity: i64, fee: i64, filledAt: u64,
  }),
  Cancel: rec({
    type: fc.constant(43 as const), name: fc.constant("Cancel" as const), orderId: u64, reason: u8, requestedAt: u64,
  }),
  GasPrice: rec({
    type: fc.constant(44 as const), name: fc.constant("GasPrice" as const),
    chainId: u32, blockNumber: u64, baseFeeWei: u64, priorityFeeWei: u64,
  }),
  Heartbeat: rec({
    type: fc.constant(80 as const), name: fc.constant("Heartbeat" as const),
    serviceId: u16, state: u8, uptimeSeconds: u32, lastSequence: u64,
  }),
  StatusReport: rec({
    type: fc.constant(81 as const), name: fc.constant("StatusReport" as const),
    serviceId: u16, state: u8, connections: u32, messagesPerSecond: u32, errorsPerMillion: u32, p50Micros: u32,
    p99Micros: u32, processed: u64, dropped: u64,
  }),
  // Any Unicode text (no lone surrogates: those are not UTF-8) of at most 247 encoded bytes.
  Hello: rec({
    type: fc.constant(82 as const), name: fc.constant("Hello" as const),
    role: u8, serviceId: u16,
    token: fc.string({ unit: "binary", maxLength: 120 }).filter((t) => utf8.encode(t).length <= MAX_HELLO_TOKEN),
  }),
  // Up to 200 types: 4 + 2·126+ bytes go past 255 (extended form).
  Subscribe: rec({
    type: fc.constant(83 as const), name: fc.constant("Subscribe" as const), types: fc.array(u16, { maxLength: 200 }),
  }),
  RetransmitRequest: rec({
    type: fc.constant(84 as const), name: fc.constant("RetransmitRequest" as const),
    source: u16, fromSequence: u64, toSequence: u64,
  }),
  Gap: rec({
    type: fc.constant(85 as const), name: fc.constant("Gap" as const),
    source: u16, reason: u8, fromSequence: u64, toSequence: u64,
  }),
} satisfies { [N in KnownTlv["name"]]: fc.Arbitrary<Extract<KnownTlv, { name: N }>> };

function poolLiquidityArb<T extends 5 | 6, N extends "PoolMint" | "PoolBurn">(type: T, name: N) {
  const common = {
    type: fc.constant(type), name: fc.constant(name),
    venue: u16, token0Decimals: u8, token1Decimals: u8, pool: addressArb, owner: addressArb, amount0: u128,
    amount1: u128, blockNumber: u64, logIndex: u32, blockTimestamp: u64,
  };
  return fc.oneof(
    rec({ ...common, flags: flagsWith(false) }),
    rec({ ...common, flags: flagsWith(true), liquidity: u128, tickLower: i32, tickUpper: i32 }),
  );
}

/** Names of all registered TLV types. */
export const TLV_NAMES = Object.keys(tlvArbs) as KnownTlv["name"][];

/** Unregistered type numbers inside a domain's own range (valid on that domain), and in System's. */
export const UNREGISTERED_IN_DOMAIN: Readonly<Record<1 | 2 | 3 | 4, readonly number[]>> = (() => {
  const free = (lo: number, hi: number): number[] =>
    Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).filter((t) => tlvSpec(t) === undefined);
  return { 1: free(1, 19), 2: free(20, 39), 3: free(40, 79), 4: free(80, 99) };
})();

/** An Unknown TLV of one of `types`, 0–300 raw bytes (past 255 uses the extended form). */
export function unknownTlvArb(types: readonly number[]): fc.Arbitrary<UnknownTlv> {
  return rec({
    type: fc.constantFrom(...types),
    name: fc.constant("Unknown" as const),
    bytes: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 250, maxLength: 300 })),
  });
}

/** Unknown TLVs of the reserved range 100–254. */
export const reservedUnknownTlvArb: fc.Arbitrary<UnknownTlv> = unknownTlvArb(
  Array.from({ length: 155 }, (_, i) => 100 + i),
);

const typeOf = (name: string): number => tlvSpecByName(name)!.type;
const DOMAIN_NAMES: Readonly<Record<1 | 2 | 3 | 4, readonly KnownTlv["name"][]>> = {
  1: TLV_NAMES.filter((n) => typeOf(n) < 20),
  2: TLV_NAMES.filter((n) => typeOf(n) >= 20 && typeOf(n) < 40),
  3: TLV_NAMES.filter((n) => typeOf(n) >= 40 && typeOf(n) < 80),
  4: TLV_NAMES.filter((n) => typeOf(n) >= 80),
};

/** Any TLV that is valid on `domain`: its own registered types, System types, unregistered in-range types. */
export function domainTlvArb(domain: 1 | 2 | 3 | 4): fc.Arbitrary<Tlv> {
  const names = domain === 4 ? DOMAIN_NAMES[4] : [...DOMAIN_NAMES[domain], ...DOMAIN_NAMES[4]];
  const unknownTypes = domain === 4 ? UNREGISTERED_IN_DOMAIN[4] : [...UNREGISTERED_IN_DOMAIN[domain], ...UNREGISTERED_IN_DOMAIN[4]];
  return fc.oneof(
    { arbitrary: fc.oneof(...names.map((n) => tlvArbs[n] as fc.Arbitrary<Tlv>)), weight: 4 },
    { arbitrary: unknownTlvArb(unknownTypes) as fc.Arbitrary<Tlv>, weight: 1 },
  );
}

/** Header fields a writer chooses. */
export function metaArb(domain: 1 | 2 | 3 | 4): fc.Arbitrary<MessageMeta> {
  return rec({ relayDomain: fc.constant(domain), source: u16, sequence: u64, timestamp: u64 });
}

/** A valid message: header of some domain and 1..maxTlvs TLVs allowed on it. */
export function messageArb(maxTlvs = 4): fc.Arbitrary<{ meta: MessageMeta; tlvs: Tlv[] }> {
  return fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const).chain((domain) =>
    rec({ meta: metaArb(domain), tlvs: fc.array(domainTlvArb(domain), { minLength: 1, maxLength: maxTlvs }) }),
  );
}
