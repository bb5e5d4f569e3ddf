/**
 * Hand-written typed decoder of the seven pool events: a log in, the event's arguments out as exact
 * bigints (int256 amounts signed, int24 ticks as numbers). It is the readable reference the hot path
 * (`tlv-writer.ts`) is tested against, the form the tests compare with real decoded logs and with viem,
 * and the "hand" side of the viem-vs-hand benchmark.
 *
 * @example
 * ```ts
 * const d = decodePoolLog(log); // { event: "UniswapV2.Swap", args: { amount0In: 0n, … }, … }
 * ```
 * @module
 */

import { EVENT_LAYOUTS, EventKind, eventKindOf } from "./events.ts";
import { parseQuantity } from "./hex.ts";

/** Arguments of a decoded event, by the event's own parameter names. */
export type PoolEventArgs = Record<string, bigint | number | string>;

/** A decoded pool log. */
export interface DecodedPoolLog {
  /** `UniswapV2.Swap`, `UniswapV3.Mint`, … */
  event: string;
  kind: EventKind;
  /** Lower-case pool address. */
  address: string;
  blockNumber: number;
  logIndex: number;
  removed: boolean;
  args: PoolEventArgs;
}

/** A log that is not one of the pool events or is malformed. */
export class PoolLogError extends Error {
  /** The field at fault. */
  readonly field: string;
  /** @param field the field @param message why */
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "PoolLogError";
    this.field = field;
  }
}

const WORD_RE = /^[0-9a-fA-F]{64}$/;
const TWO256 = 1n << 256n;

function word(hex: string, i: number, field: string): bigint {
  const w = hex.slice(2 + 64 * i, 2 + 64 * (i + 1));
  if (!WORD_RE.test(w)) throw new PoolLogError(field, "is not a 32-byte hex word");
  return BigInt("0x" + w);
}

function uint(hex: string, i: number, field: string, bits: number): bigint {
  const v = word(hex, i, field);
  if (v >> BigInt(bits) !== 0n) throw new PoolLogError(field, `${v} does not fit uint${bits}`);
  return v;
}

function int(hex: string, i: number, field: string, bits: number): bigint {
  const raw = word(hex, i, field);
  const v = raw >> 255n ? raw - TWO256 : raw;
  const lim = 1n << BigInt(bits - 1);
  if (v < -lim || v >= lim) throw new PoolLogError(field, `${v} does not fit int${bits}`);
  return v;
}

function address(hex: string, i: number, field: string): string {
  const v = uint(hex, i, field, 160);
  return "0x" + v.toString(16).padStart(40, "0");
}

/**
 * Decodes a JSON-RPC log of one of the pool events. Throws {@link PoolLogError} for an unknown event,
 * a wrong topic count or data length, or a value out of its declared type's range.
 */
export function decodePoolLog(log: { address?: unknown; topics?: unknown; data?: unknown; blockNumber?: unknown; logIndex?: unknown; removed?: unknown }): DecodedPoolLog {
  const topics = log.topics;
  if (!Array.isArray(topics) || topics.length === 0) throw new PoolLogError("topics", "missing");
  const kind = eventKindOf(topics[0]);
  if (kind === 0) throw new PoolLogError("topics[0]", `${String(topics[0])} is not a pool event`);
  const layout = EVENT_LAYOUTS[kind]!;
  if (topics.length !== layout.topics) throw new PoolLogError("topics", `${layout.name} has ${layout.topics} topics, got ${topics.length}`);
  const t = topics.map((x, i) => {
    if (typeof x !== "string" || x.length !== 66) throw new PoolLogError(`topics[${i}]`, "is not a 32-byte hex word");
    return x;
  });
  const data = log.data;
  if (typeof data !== "string" || data.length !== 2 + 64 * layout.words) {
    throw new PoolLogError("data", `${layout.name} has ${layout.words} words`);
  }
  if (typeof log.address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(log.address)) throw new PoolLogError("address", "is not an address");
  const blockNumber = parseQuantity(log.blockNumber);
  const logIndex = parseQuantity(log.logIndex);
  if (blockNumber < 0) throw new PoolLogError("blockNumber", "is not a quantity");
  if (logIndex < 0 || logIndex > 0xffffffff) throw new PoolLogError("logIndex", "is not a u32 quantity");
  const topicAddr = (i: number, f: string): string => address(t[i]!, 0, f);
  const topicTick = (i: number, f: string): number => Number(int(t[i]!, 0, f, 24));
  let args: PoolEventArgs;
  switch (kind) {
    case EventKind.V2Swap:
      args = {
        sender: topicAddr(1, "sender"), to: topicAddr(2, "to"),
        amount0In: uint(data, 0, "amount0In", 256), amount1In: uint(data, 1, "amount1In", 256),
        amount0Out: uint(data, 2, "amount0Out", 256), amount1Out: uint(data, 3, "amount1Out", 256),
      };
      break;
    case EventKind.V2Sync:
      args = { reserve0: uint(data, 0, "reserve0", 112), reserve1: uint(data, 1, "reserve1", 112) };
      break;
    case EventKind.V2Mint:
      args = { sender: topicAddr(1, "sender"), amount0: uint(data, 0, "amount0", 256), amount1: uint(data, 1, "amount1", 256) };
      break;
    case EventKind.V2Burn:
      args = {
        sender: topicAddr(1, "sender"), to: topicAddr(2, "to"),
        amount0: uint(data, 0, "amount0", 256), amount1: uint(data, 1, "amount1", 256),
      };
      break;
    case EventKind.V3Swap:
      args = {
        sender: topicAddr(1, "sender"), recipient: topicAddr(2, "recipient"),
        amount0: int(data, 0, "amount0", 256), amount1: int(data, 1, "amount1", 256),
        sqrtPriceX96: uint(data, 2, "sqrtPriceX96", 160), liquidity: uint(data, 3, "liquidity", 128),
        tick: Number(int(data, 4, "tick", 24)),
      };
      break;
    case EventKind.V3Mint:
      args = {
        sender: address(data, 0, "sender"), owner: topicAddr(1, "owner"),
        tickLower: topicTick(2, "tickLower"), tickUpper: topicTick(3, "tickUpper"),
        amount: uint(data, 1, "amount", 128), amount0: uint(data, 2, "amount0", 256), amount1: uint(data, 3, "amount1", 256),
      };
      break;
    default:
      args = {
        owner: topicAddr(1, "owner"), tickLower: topicTick(2, "tickLower"), tickUpper: topicTick(3, "tickUpper"),
        amount: uint(data, 0, "amount", 128), amount0: uint(data, 1, "amount0", 256), amount1: uint(data, 2, "amount1", 256),
      };
  }
  return { event: layout.name, kind, address: log.address.toLowerCase(), blockNumber, logIndex, removed: log.removed === true, args };
}
