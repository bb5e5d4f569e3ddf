/**
 * The TLV registry as data: every type's fixed fields with their offsets and kinds (PROTOCOL.md §4).
 * The codec, the JSON form and the zero-copy readers are all driven by this one table, so a layout is
 * written once. Variable tails (book levels, V3 fields, DEX routes, hops, tokens, filters) are described
 * by `tail` and handled in `tlv-codec.ts`.
 *
 * @module
 */

import { TlvType } from "./constants.ts";

/** How one fixed field is stored. */
export type FieldKind = "u8" | "i8" | "u16" | "u32" | "i32" | "u64" | "i64" | "u128" | "u160" | "addr" | "instrument";

/** A fixed-offset field of a TLV value. `v3`: present only when the V3/route flag (bit0) is set. */
export interface FieldSpec {
  readonly name: string;
  readonly off: number;
  readonly kind: FieldKind;
  readonly optional?: "v3" | "route";
}

/** Variable parts beyond the fixed fields. */
export type TailKind = "none" | "book" | "poolSwapV3" | "hops" | "route" | "token" | "types";

/** One registry entry. */
export interface TlvSpec {
  readonly type: number;
  readonly name: string;
  /** Bytes of the always-present part. */
  readonly baseSize: number;
  readonly fields: readonly FieldSpec[];
  readonly tail: TailKind;
}

/** Bytes a field kind occupies. */
export const FIELD_SIZE: Readonly<Record<FieldKind, number>> = {
  u8: 1, i8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u128: 16, u160: 20, addr: 20, instrument: 12,
};

const f = (name: string, off: number, kind: FieldKind, optional?: "v3" | "route"): FieldSpec =>
  optional ? { name, off, kind, optional } : { name, off, kind };

const POOL_HEAD = [f("venue", 0, "u16"), f("flags", 2, "u8")] as const;

const LIQUIDITY_FIELDS: readonly FieldSpec[] = [
  ...POOL_HEAD, f("token0Decimals", 3, "u8"), f("token1Decimals", 4, "u8"), f("pool", 8, "addr"),
  f("owner", 28, "addr"), f("amount0", 48, "u128"), f("amount1", 64, "u128"), f("liquidity", 80, "u128", "v3"),
  f("tickLower", 96, "i32", "v3"), f("tickUpper", 100, "i32", "v3"), f("blockNumber", 104, "u64"),
  f("logIndex", 112, "u32"), f("blockTimestamp", 120, "u64"),
];

/** Every registered TLV, in type order. */
export const TLV_SPECS: readonly TlvSpec[] = [
  { type: TlvType.Trade, name: "Trade", baseSize: 40, tail: "none", fields: [
    f("instrument", 0, "instrument"), f("side", 12, "u8"), f("flags", 13, "u8"), f("price", 16, "i64"),
    f("size", 24, "i64"), f("execTimestamp", 32, "u64")] },
  { type: TlvType.Quote, name: "Quote", baseSize: 52, tail: "none", fields: [
    f("instrument", 0, "instrument"), f("bidPrice", 12, "i64"), f("bidSize", 20, "i64"), f("askPrice", 28, "i64"),
    f("askSize", 36, "i64"), f("quoteTimestamp", 44, "u64")] },
  { type: TlvType.OrderBook, name: "OrderBook", baseSize: 32, tail: "book", fields: [
    f("instrument", 0, "instrument"), f("bookTimestamp", 12, "u64"), f("exchangeSequence", 20, "u64")] },
  { type: TlvType.PoolSwap, name: "PoolSwap", baseSize: 120, tail: "poolSwapV3", fields: [
    ...POOL_HEAD, f("tokenInDecimals", 3, "u8"), f("tokenOutDecimals", 4, "u8"), f("pool", 8, "addr"),
    f("tokenIn", 28, "addr"), f("tokenOut", 48, "addr"), f("amountIn", 68, "u128"), f("amountOut", 84, "u128"),
    f("blockNumber", 100, "u64"), f("logIndex", 108, "u32"), f("blockTimestamp", 112, "u64"),
    f("sqrtPriceX96After", 120, "u160", "v3"), f("liquidityAfter", 140, "u128", "v3"), f("tickAfter", 156, "i32", "v3")] },
  { type: TlvType.PoolMint, name: "PoolMint", baseSize: 128, tail: "none", fields: LIQUIDITY_FIELDS },
  { type: TlvType.PoolBurn, name: "PoolBurn", baseSize: 128, tail: "none", fields: LIQUIDITY_FIELDS },
  { type: TlvType.PoolSync, name: "PoolSync", baseSize: 84, tail: "none", fields: [
    ...POOL_HEAD, f("token0Decimals", 3, "u8"), f("token1Decimals", 4, "u8"), f("pool", 8, "addr"),
    f("reserve0", 28, "u128"), f("reserve1", 44, "u128"), f("blockNumber", 60, "u64"), f("logIndex", 68, "u32"),
    f("blockTimestamp", 76, "u64")] },
  { type: TlvType.SignalIdentity, name: "SignalIdentity", baseSize: 16, tail: "none", fields: [
    f("strategyId", 0, "u16"), f("confidence", 2, "u8"), f("signalId", 8, "u64")] },
  { type: TlvType.ArbitrageSignal, name: "ArbitrageSignal", baseSize: 184, tail: "hops", fields: [
    f("chainId", 0, "u32"), f("sourceVenue", 4, "u16"), f("targetVenue", 6, "u16"), f("sourcePool", 8, "addr"),
    f("targetPool", 28, "addr"), f("tokenIn", 48, "addr"), f("tokenOut", 68, "addr"), f("amountIn", 88, "u128"),
    f("expectedProfitUsd", 104, "i64"), f("gasCostUsd", 112, "i64"), f("dexFeesUsd", 120, "i64"),
    f("slippageUsd", 128, "i64"), f("netProfitUsd", 136, "i64"), f("spreadBps", 144, "i32"),
    f("slippageToleranceBps", 148, "u16"), f("validUntil", 152, "u64"), f("maxGasPriceWei", 160, "u64"),
    f("minAmountOut", 168, "u128")] },
  { type: TlvType.MomentumSignal, name: "MomentumSignal", baseSize: 32, tail: "none", fields: [
    f("instrument", 0, "instrument"), f("direction", 12, "i8"), f("windowSeconds", 14, "u16"),
    f("momentumBps", 16, "i32"), f("referencePrice", 24, "i64")] },
  { type: TlvType.LiquidationAlert, name: "LiquidationAlert", baseSize: 48, tail: "none", fields: [
    f("instrument", 0, "instrument"), f("side", 12, "u8"), f("severity", 13, "u8"), f("positionSize", 16, "i64"),
    f("liquidationPrice", 24, "i64"), f("markPrice", 32, "i64"), f("distanceBps", 40, "i32")] },
  { type: TlvType.OrderRequest, name: "OrderRequest", baseSize: 64, tail: "route", fields: [
    f("orderId", 0, "u64"), f("instrument", 8, "instrument"), f("side", 20, "u8"), f("orderType", 21, "u8"),
    f("strategyId", 22, "u16"), f("price", 24, "i64"), f("quantity", 32, "i64"), f("signalId", 40, "u64"),
    f("createdAt", 48, "u64"), f("maxSlippageBps", 56, "u16"), f("flags", 58, "u8"),
    f("pool", 64, "addr", "route"), f("minAmountOut", 84, "u128", "route")] },
  { type: TlvType.OrderAck, name: "OrderAck", baseSize: 32, tail: "none", fields: [
    f("orderId", 0, "u64"), f("venueOrderId", 8, "u64"), f("status", 16, "u8"), f("rejectReason", 17, "u8"),
    f("ackedAt", 24, "u64")] },
  { type: TlvType.Fill, name: "Fill", baseSize: 56, tail: "none", fields: [
    f("orderId", 0, "u64"), f("instrument", 8, "instrument"), f("side", 20, "u8"), f("liquidity", 21, "u8"),
    f("price", 24, "i64"), f("quantity", 32, "i64"), f("fee", 40, "i64"), f("filledAt", 48, "u64")] },
  { type: TlvType.Cancel, name: "Cancel", baseSize: 24, tail: "none", fields: [
    f("orderId", 0, "u64"), f("reason", 8, "u8"), f("requestedAt", 16, "u64")] },
  { type: TlvType.GasPrice, name: "GasPrice", baseSize: 32, tail: "none", fields: [
    f("chainId", 0, "u32"), f("blockNumber", 8, "u64"), f("baseFeeWei", 16, "u64"), f("priorityFeeWei", 24, "u64")] },
  { type: TlvType.Heartbeat, name: "Heartbeat", baseSize: 16, tail: "none", fields: [
    f("serviceId", 0, "u16"), f("state", 2, "u8"), f("uptimeSeconds", 4, "u32"), f("lastSequence", 8, "u64")] },
  { type: TlvType.StatusReport, name: "StatusReport", baseSize: 40, tail: "none", fields: [
    f("serviceId", 0, "u16"), f("state", 2, "u8"), f("connections", 4, "u32"), f("messagesPerSecond", 8, "u32"),
    f("errorsPerMillion", 12, "u32"), f("p50Micros", 16, "u32"), f("p99Micros", 20, "u32"),
    f("processed", 24, "u64"), f("dropped", 32, "u64")] },
  { type: TlvType.Hello, name: "Hello", baseSize: 8, tail: "token", fields: [
    f("role", 0, "u8"), f("serviceId", 2, "u16")] },
  { type: TlvType.Subscribe, name: "Subscribe", baseSize: 4, tail: "types", fields: [] },
  { type: TlvType.RetransmitRequest, name: "RetransmitRequest", baseSize: 24, tail: "none", fields: [
    f("source", 0, "u16"), f("fromSequence", 8, "u64"), f("toSequence", 16, "u64")] },
  { type: TlvType.Gap, name: "Gap", baseSize: 24, tail: "none", fields: [
    f("source", 0, "u16"), f("reason", 2, "u8"), f("fromSequence", 8, "u64"), f("toSequence", 16, "u64")] },
];

const BY_TYPE: (TlvSpec | undefined)[] = new Array(256);
for (const s of TLV_SPECS) BY_TYPE[s.type] = s;
const BY_NAME = new Map(TLV_SPECS.map((s) => [s.name, s]));

/** The registry entry of a type number, or `undefined` for unregistered types. */
export function tlvSpec(type: number): TlvSpec | undefined {
  return BY_TYPE[type];
}

/** The registry entry of a TLV name, or `undefined`. */
export function tlvSpecByName(name: string): TlvSpec | undefined {
  return BY_NAME.get(name);
}

/** Hello token limit in bytes (a Hello value is at most 255 bytes). */
export const MAX_HELLO_TOKEN = 247;
/** Most book levels one OrderBook TLV can carry (extended TLV value ≤ 65,535 bytes). */
export const MAX_BOOK_LEVELS = Math.floor((65_535 - 32) / 16);
/** Most extra hops an ArbitrageSignal can carry (u8 count). */
export const MAX_EXTRA_HOPS = 255;
