/**
 * The hot path: one pool log (as `JSON.parse` gives it) straight into a PoolSwap / PoolSync /
 * PoolMint / PoolBurn TLV in a {@link MessageBuilder}'s reused buffer. ABI words are read from their hex
 * text and written little-endian in place — exact 256-bit range checks, signed int256 amounts and int24
 * ticks, no bigint and no intermediate object per log (the measured alternative, viem's
 * `decodeEventLog`, is kept for verification: see bench/evm.bench.ts).
 *
 * Mapping (PROTOCOL.md §4):
 * - V2 Swap: the token with a non-zero `amountXIn` is `tokenIn` (`amountIn` = that In, `amountOut` =
 *   the other token's Out). When both Ins are non-zero (flash-swap repayments), the token with the
 *   positive net inflow is `tokenIn`.
 * - V3 Swap: amounts are the pool's deltas, positive = into the pool; the positive one is `tokenIn`,
 *   `amountOut` is the other's absolute value. Both positive or both negative is malformed.
 * - V2 Mint: `owner` = `sender`; V2 Burn: `owner` = `to` (who receives the tokens); V3: the `owner` topic.
 * - `removed: true` sets flags bit1 on every type.
 *
 * @module
 */

import { POOL_FLAG_REMOVED, POOL_FLAG_V3, TlvType, writeNanosParts, writeU64, type MessageBuilder } from "../../protocol/mod.ts";
import { EVENT_LAYOUTS, EventKind } from "./events.ts";
import { HexStatus, readInt24Word, writeAddressText, writeAddressWord, writeInt256AbsLE, writeUintWordLE, WORD_HEX } from "./hex.ts";
import type { PoolRecord } from "./pool-meta.ts";

/** The fields of a JSON-RPC log this module reads. */
export interface RpcLogLike {
  address?: unknown;
  topics?: unknown;
  data?: unknown;
}

/** Result of {@link PoolTlvWriter.write}. */
export const WriteStatus = {
  Ok: 0,
  /** Topics or data of the wrong type, count or length for the event. */
  BadShape: 1,
  /** A value is not hex. */
  BadHex: 2,
  /** A value does not fit its protocol field (u128, u160, int24). */
  Overflow: 3,
  /** A V3 swap whose amounts are both in or both out. */
  BadSwap: 4,
} as const;
/** A {@link WriteStatus} value. */
export type WriteStatus = (typeof WriteStatus)[keyof typeof WriteStatus];

const TWO32 = 4_294_967_296;

/** Value sizes of the pool TLVs. */
export const POOL_TLV_SIZE = { swapV2: 120, swapV3: 160, liquidity: 128, sync: 84, gas: 32 } as const;

function writeU64Number(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % TWO32, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32), true);
}

const V2_SWAP_WORDS = ["amount0In", "amount1In", "amount0Out", "amount1Out"] as const;

function isZero16(u8: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (u8[at + i] !== 0) return false;
  return true;
}

/** Compares two 16-byte little-endian unsigned values: negative, zero or positive like a − b. */
function compare16(u8: Uint8Array, a: number, b: number): number {
  for (let i = 15; i >= 0; i--) {
    const d = u8[a + i]! - u8[b + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * V2 swap direction from the four amounts (LE u128 at scratch 0, 16, 32, 48): true when token0 is paid
 * in. One non-zero In decides; with both Ins non-zero (flash-swap repayments) token1 is "in" only when
 * its net inflow is positive and token0's is not; with no In, the side that pays Out is "out".
 */
function v2TokenZeroIn(sc: Uint8Array): boolean {
  const zero0In = isZero16(sc, 0);
  const zero1In = isZero16(sc, 16);
  if (!zero0In && zero1In) return true;
  if (zero0In && !zero1In) return false;
  if (zero0In && zero1In) return isZero16(sc, 32);
  return !(compare16(sc, 16, 48) > 0 && compare16(sc, 0, 32) <= 0);
}

function hexFail(s: number): WriteStatus {
  return s === HexStatus.BadHex ? WriteStatus.BadHex : WriteStatus.Overflow;
}

/** Writes pool TLVs into a builder; one instance is reused for every log. */
export class PoolTlvWriter {
  /** Name of the field that failed in the last unsuccessful {@link write} (a constant, never allocated). */
  failedField = "";
  /** Scratch for amounts before the swap direction is known: V3 |amount0|,|amount1|; V2 the four amounts. */
  private readonly scratch = new Uint8Array(64);

  /**
   * Appends the TLV of `log` (an event of `kind` from `pool`) to the message `b` is building.
   * On a non-Ok result the builder holds a partial TLV: the caller must not finish that message.
   */
  write(
    b: MessageBuilder, log: RpcLogLike, kind: EventKind, pool: PoolRecord,
    blockNumber: number, logIndex: number, blockTimestampSeconds: number, removed: boolean,
  ): WriteStatus {
    const layout = EVENT_LAYOUTS[kind]!;
    const topics = log.topics;
    const data = log.data;
    if (!Array.isArray(topics) || topics.length !== layout.topics) return this.fail("topics", WriteStatus.BadShape);
    if (typeof data !== "string" || data.length !== 2 + WORD_HEX * layout.words) return this.fail("data", WriteStatus.BadShape);
    for (let i = 1; i < topics.length; i++) {
      const t: unknown = topics[i];
      if (typeof t !== "string" || t.length !== 66) return this.fail("topics", WriteStatus.BadShape);
    }
    const address = log.address;
    if (typeof address !== "string") return this.fail("address", WriteStatus.BadShape);
    const meta = pool.meta;
    const flags = removed ? POOL_FLAG_REMOVED : 0;
    const u8 = b.bytes;
    const dv = b.dv;
    let s: number;
    switch (kind) {
      case EventKind.V2Swap:
      case EventKind.V3Swap: {
        const v3 = kind === EventKind.V3Swap;
        const at = b.reserve(TlvType.PoolSwap, v3 ? POOL_TLV_SIZE.swapV3 : POOL_TLV_SIZE.swapV2);
        dv.setUint16(at, meta.venue, true);
        u8[at + 2] = v3 ? flags | POOL_FLAG_V3 : flags;
        if (writeAddressText(address, u8, at + 8) !== HexStatus.Ok) return this.fail("address", WriteStatus.BadHex);
        let zeroIn: boolean;
        if (v3) {
          const sc = this.scratch;
          const s0 = writeInt256AbsLE(data, 2, sc, 0);
          const s1 = writeInt256AbsLE(data, 2 + WORD_HEX, sc, 16);
          if (s0 < -1) return this.fail("amount0", hexFail(-10 - s0));
          if (s1 < -1) return this.fail("amount1", hexFail(-10 - s1));
          if ((s0 > 0 && s1 > 0) || (s0 < 0 && s1 < 0)) return this.fail("amount0/amount1", WriteStatus.BadSwap);
          zeroIn = s1 <= 0; // token0 in (amount0 ≥ 0, amount1 ≤ 0)
          for (let i = 0; i < 16; i++) {
            u8[at + 68 + i] = sc[zeroIn ? i : 16 + i]!;
            u8[at + 84 + i] = sc[zeroIn ? 16 + i : i]!;
          }
          s = writeUintWordLE(data, 2 + 2 * WORD_HEX, u8, at + 120, 20);
          if (s !== HexStatus.Ok) return this.fail("sqrtPriceX96", hexFail(s));
          s = writeUintWordLE(data, 2 + 3 * WORD_HEX, u8, at + 140, 16);
          if (s !== HexStatus.Ok) return this.fail("liquidity", hexFail(s));
          const tick = readInt24Word(data, 2 + 4 * WORD_HEX);
          if (tick !== tick) return this.fail("tick", WriteStatus.Overflow);
          dv.setInt32(at + 156, tick, true);
        } else {
          // All four words (amount0In, amount1In, amount0Out, amount1Out) are checked, then two are kept.
          const sc = this.scratch;
          for (let w = 0; w < 4; w++) {
            s = writeUintWordLE(data, 2 + w * WORD_HEX, sc, 16 * w, 16);
            if (s !== HexStatus.Ok) return this.fail(V2_SWAP_WORDS[w]!, hexFail(s));
          }
          zeroIn = v2TokenZeroIn(sc);
          for (let i = 0; i < 16; i++) {
            u8[at + 68 + i] = sc[zeroIn ? i : 16 + i]!; // amount0In or amount1In
            u8[at + 84 + i] = sc[zeroIn ? 48 + i : 32 + i]!; // amount1Out or amount0Out
          }
        }
        u8[at + 3] = zeroIn ? meta.decimals0 : meta.decimals1;
        u8[at + 4] = zeroIn ? meta.decimals1 : meta.decimals0;
        u8.set(zeroIn ? pool.token0Bytes : pool.token1Bytes, at + 28);
        u8.set(zeroIn ? pool.token1Bytes : pool.token0Bytes, at + 48);
        writeU64Number(dv, at + 100, blockNumber);
        dv.setUint32(at + 108, logIndex, true);
        if (blockTimestampSeconds > 0) writeNanosParts(dv, at + 112, blockTimestampSeconds, 0);
        break;
      }
      case EventKind.V2Sync: {
        const at = b.reserve(TlvType.PoolSync, POOL_TLV_SIZE.sync);
        dv.setUint16(at, meta.venue, true);
        u8[at + 2] = flags;
        u8[at + 3] = meta.decimals0;
        u8[at + 4] = meta.decimals1;
        if (writeAddressText(address, u8, at + 8) !== HexStatus.Ok) return this.fail("address", WriteStatus.BadHex);
        s = writeUintWordLE(data, 2, u8, at + 28, 16);
        if (s !== HexStatus.Ok) return this.fail("reserve0", hexFail(s));
        s = writeUintWordLE(data, 2 + WORD_HEX, u8, at + 44, 16);
        if (s !== HexStatus.Ok) return this.fail("reserve1", hexFail(s));
        writeU64Number(dv, at + 60, blockNumber);
        dv.setUint32(at + 68, logIndex, true);
        if (blockTimestampSeconds > 0) writeNanosParts(dv, at + 76, blockTimestampSeconds, 0);
        break;
      }
      default: {
        const v3 = kind === EventKind.V3Mint || kind === EventKind.V3Burn;
        const mint = kind === EventKind.V2Mint || kind === EventKind.V3Mint;
        const at = b.reserve(mint ? TlvType.PoolMint : TlvType.PoolBurn, POOL_TLV_SIZE.liquidity);
        dv.setUint16(at, meta.venue, true);
        u8[at + 2] = v3 ? flags | POOL_FLAG_V3 : flags;
        u8[at + 3] = meta.decimals0;
        u8[at + 4] = meta.decimals1;
        if (writeAddressText(address, u8, at + 8) !== HexStatus.Ok) return this.fail("address", WriteStatus.BadHex);
        const ownerTopic = (kind === EventKind.V2Burn ? topics[2] : topics[1]) as string;
        s = writeAddressWord(ownerTopic, 2, u8, at + 28);
        if (s !== HexStatus.Ok) return this.fail("owner", hexFail(s));
        // Data words: V2 [amount0, amount1]; V3 Mint [sender, amount, amount0, amount1]; V3 Burn [amount, amount0, amount1].
        const firstAmount = kind === EventKind.V3Mint ? 2 : kind === EventKind.V3Burn ? 1 : 0;
        s = writeUintWordLE(data, 2 + firstAmount * WORD_HEX, u8, at + 48, 16);
        if (s !== HexStatus.Ok) return this.fail("amount0", hexFail(s));
        s = writeUintWordLE(data, 2 + (firstAmount + 1) * WORD_HEX, u8, at + 64, 16);
        if (s !== HexStatus.Ok) return this.fail("amount1", hexFail(s));
        if (kind === EventKind.V3Mint) {
          s = writeAddressWord(data, 2, this.scratch, 0); // sender: checked, not carried
          if (s !== HexStatus.Ok) return this.fail("sender", hexFail(s));
        }
        if (v3) {
          s = writeUintWordLE(data, 2 + (firstAmount - 1) * WORD_HEX, u8, at + 80, 16);
          if (s !== HexStatus.Ok) return this.fail("liquidity", hexFail(s));
          const lower = readInt24Word(topics[2] as string, 2);
          const upper = readInt24Word(topics[3] as string, 2);
          if (lower !== lower) return this.fail("tickLower", WriteStatus.Overflow);
          if (upper !== upper) return this.fail("tickUpper", WriteStatus.Overflow);
          dv.setInt32(at + 96, lower, true);
          dv.setInt32(at + 100, upper, true);
        }
        writeU64Number(dv, at + 104, blockNumber);
        dv.setUint32(at + 112, logIndex, true);
        if (blockTimestampSeconds > 0) writeNanosParts(dv, at + 120, blockTimestampSeconds, 0);
      }
    }
    return WriteStatus.Ok;
  }

  private fail(field: string, status: WriteStatus): WriteStatus {
    this.failedField = field;
    return status;
  }
}

/**
 * Appends a GasPrice TLV (type 44) to the message `b` is building. Throws `InvalidValue` when a fee
 * does not fit u64 (callers validate first).
 */
export function writeGasPrice(
  b: MessageBuilder, chainId: number, blockNumber: number, baseFeeWei: bigint, priorityFeeWei: bigint,
): void {
  const at = b.reserve(TlvType.GasPrice, POOL_TLV_SIZE.gas);
  const dv = b.dv;
  dv.setUint32(at, chainId, true);
  writeU64Number(dv, at + 8, blockNumber);
  writeU64(dv, at + 16, baseFeeWei, "GasPrice.baseFeeWei");
  writeU64(dv, at + 24, priorityFeeWei, "GasPrice.priorityFeeWei");
}
