/**
 * The pool events as a viem ABI, and a viem-based decoder with the same output as the hand-written
 * `decodePoolLog`. viem is the reference implementation the hand decoder is verified against (tests)
 * and measured against (bench/evm.bench.ts); the hot path does not use it (see `tlv-writer.ts`).
 *
 * @module
 */

import { decodeEventLog, parseAbi, type Hex } from "viem";
import { EVENT_LAYOUTS, eventKindOf } from "./events.ts";
import type { PoolEventArgs } from "./decode.ts";

/** Uniswap V2 pair events. */
export const UNISWAP_V2_EVENTS_ABI = parseAbi([
  "event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)",
  "event Sync(uint112 reserve0, uint112 reserve1)",
  "event Mint(address indexed sender, uint256 amount0, uint256 amount1)",
  "event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to)",
]);

/** Uniswap V3 pool events. */
export const UNISWAP_V3_EVENTS_ABI = parseAbi([
  "event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)",
  "event Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)",
  "event Burn(address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)",
]);

/** Decodes a pool log with viem; `event` as in `decodePoolLog` (`UniswapV2.Swap`…), addresses lower-case. */
export function viemDecodePoolLog(log: { topics: readonly string[]; data: string }): { event: string; args: PoolEventArgs } {
  const kind = eventKindOf(log.topics[0]);
  if (kind === 0) throw new Error(`topic ${log.topics[0]} is not a pool event`);
  const layout = EVENT_LAYOUTS[kind]!;
  const abi = layout.v3 ? UNISWAP_V3_EVENTS_ABI : UNISWAP_V2_EVENTS_ABI;
  const decoded = decodeEventLog({ abi, data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]], strict: true });
  const args: PoolEventArgs = {};
  for (const [k, v] of Object.entries(decoded.args as Record<string, unknown>)) {
    args[k] = typeof v === "string" ? v.toLowerCase() : (v as bigint | number);
  }
  return { event: layout.name, args };
}
