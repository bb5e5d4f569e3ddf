/**
 * EVM DEX adapter (Polygon, Ethereum): Uniswap V2/V3-style pool logs and new heads from a node's
 * JSON-RPC → PoolSwap/PoolSync/PoolMint/PoolBurn and GasPrice, plus the registry entries that let
 * `ap normalize polygon|ethereum`, `ap capture` and `ap adapter` run it.
 *
 * Settings (`--set name=value`): `headStaleMs`, `overlapBlocks`, `windowBlocks`, `logsChunkBlocks`,
 * `metadataRetryMs`, `backfillTimeoutMs`, `source`, `priorityFeeWei` (a fixed priority fee instead of
 * `eth_maxPriorityFeePerGas`), `allPools=1` (follow every pool emitting the events — heavy on mainnet),
 * `simulated=1` (the simulated node: its factories map to venues 65000/65001, every pool followed).
 * Symbols are pool addresses (`--symbols 0xpool,0xpool`); without them, {@link DEFAULT_POOLS}.
 *
 * @example
 * ```ts
 * import { polygonVenue } from "./adapters/evm/mod.ts";
 * const adapter = await polygonVenue.create({ sink, settings: { simulated: "1" } });
 * ```
 *
 * @module
 */

import { intSetting, type VenueAdapterOptions, type VenueEntry } from "../venue-entry.ts";
import { EvmAdapter } from "./adapter.ts";
import { EvmPassShifter } from "./pass-shift.ts";
import type { EvmChainName } from "./chains.ts";
import { PoolCache, PoolCacheError } from "./pool-cache.ts";
import { SIM_FACTORIES } from "./sim/chain.ts";

export { EvmAdapter, type EvmAdapterOptions } from "./adapter.ts";
export { ETHEREUM, EVM_CHAINS, evmChain, POLYGON, type EvmChain, type EvmChainName } from "./chains.ts";
export { EvmFeed } from "./feed.ts";
export { EvmPassShifter } from "./pass-shift.ts";
export { EvmMetrics } from "./metrics.ts";
export { normalizeEvmCapture, type NormalizeEvmOptions, type NormalizeEvmResult } from "./normalize.ts";
export { PoolCache, PoolCacheError } from "./pool-cache.ts";
export type { PoolMeta } from "./pool-meta.ts";

/**
 * Public endpoints used when no URL is configured: PublicNode's free Polygon (Bor) and Ethereum nodes,
 * one host per chain serving JSON-RPC over HTTPS and over WebSocket (`eth_subscribe`). They are
 * rate-limited and may drop subscriptions: for anything beyond a trial, set your own node's URLs.
 */
export const DEFAULT_ENDPOINTS: Readonly<Record<EvmChainName, { ws: string; http: string }>> = {
  polygon: { ws: "wss://polygon-bor-rpc.publicnode.com", http: "https://polygon-bor-rpc.publicnode.com" },
  ethereum: { ws: "wss://ethereum-rpc.publicnode.com", http: "https://ethereum-rpc.publicnode.com" },
};

/** Pools followed when none are given: a few deep, well-known pools (all pools would flood a mainnet feed). */
export const DEFAULT_POOLS: Readonly<Record<EvmChainName, readonly string[]>> = {
  polygon: [
    "0x45dda9cb7c25131df268515131f647d726f50608", // Uniswap V3 USDC.e/WETH 0.05%
    "0x6e7a5fafcec6bb1e78bae2a1f0b612012bf14827", // QuickSwap V2 WMATIC/USDC.e
  ],
  ethereum: [
    "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640", // Uniswap V3 USDC/WETH 0.05%
    "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc", // Uniswap V2 USDC/WETH
  ],
};

/** Loads the cache file; a bad file is reported as a bad `--pool-cache` argument (the CLI maps RangeError to a usage error). */
async function loadCache(path: string | undefined): Promise<PoolCache> {
  try {
    return await PoolCache.load(path);
  } catch (e) {
    if (e instanceof PoolCacheError) throw new RangeError(e.message, { cause: e });
    throw e;
  }
}

/** Where a user sets each chain's URLs (config/live.yaml variables, `ap` environment variables). */
export const ENDPOINT_SETTINGS: Readonly<Record<EvmChainName, { ws: string; http: string; apWs: string; apHttp: string }>> = {
  polygon: { ws: "POLYGON_WS_URL", http: "POLYGON_RPC_URL", apWs: "ALPHAPULSE_POLYGON_WS_URL", apHttp: "ALPHAPULSE_POLYGON_REST_URL" },
  ethereum: { ws: "ETHEREUM_WS_URL", http: "ETHEREUM_RPC_URL", apWs: "ALPHAPULSE_ETHEREUM_WS_URL", apHttp: "ALPHAPULSE_ETHEREUM_REST_URL" },
};

/**
 * The chain's WebSocket (`ws`) or HTTP JSON-RPC (`http`) URL: the one given, checked, or the public
 * default when none is given (`null` — an empty YAML value — counts as given and empty). A RangeError (a usage error on the command line) says which setting to
 * fix; the URL itself is not echoed, as node URLs often carry an API key.
 */
export function evmEndpoint(chain: EvmChainName, kind: "ws" | "http", given: string | null | undefined): string {
  if (given === undefined) return DEFAULT_ENDPOINTS[chain][kind];
  const names = ENDPOINT_SETTINGS[chain];
  const what = kind === "ws" ? "WebSocket URL (eth_subscribe)" : "HTTP JSON-RPC URL (eth_call, eth_getLogs)";
  const where = kind === "ws"
    ? `${names.ws} in config/live.yaml, or --ws-url / ${names.apWs} for ap`
    : `${names.http} in config/live.yaml, or --rest-url / ${names.apHttp} for ap`;
  if (given === null || given.trim() === "") {
    throw new RangeError(`${chain}: the node's ${what} is empty — set ${where} (leave it unset to use the public ${DEFAULT_ENDPOINTS[chain][kind]})`);
  }
  let protocol: string;
  try {
    protocol = new URL(given).protocol;
  } catch {
    throw new RangeError(`${chain}: the node's ${what} is not a URL — check ${where}`);
  }
  const ok = kind === "ws" ? protocol === "ws:" || protocol === "wss:" : protocol === "http:" || protocol === "https:";
  if (!ok) {
    throw new RangeError(`${chain}: the node's ${what} must start with ${kind === "ws" ? "wss:// (or ws://)" : "https:// (or http://)"}, not ${protocol}// — check ${where}`);
  }
  return given;
}

async function create(chain: EvmChainName, o: VenueAdapterOptions): Promise<EvmAdapter> {
  const s = o.settings;
  const fixedTip = s?.priorityFeeWei;
  if (fixedTip !== undefined && !/^\d+$/.test(fixedTip)) throw new RangeError(`setting priorityFeeWei=${fixedTip} must be an integer (wei)`);
  const simulated = s?.simulated === "1" || s?.simulated === "true";
  const everyPool = o.anySymbol || simulated || s?.allPools === "1" || s?.allPools === "true";
  const pools = o.symbols !== undefined && o.symbols.length > 0 ? o.symbols : everyPool ? undefined : DEFAULT_POOLS[chain];
  for (const p of pools ?? []) if (!/^0x[0-9a-fA-F]{40}$/.test(p)) throw new RangeError(`pool ${JSON.stringify(p)} is not an address`);
  const optional = <K extends string, V>(key: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [key]: v } as Record<K, V>));
  return new EvmAdapter({
    chain, sink: o.sink,
    wsUrl: evmEndpoint(chain, "ws", o.wsUrl),
    httpUrl: evmEndpoint(chain, "http", o.restUrl),
    poolCache: await loadCache(o.poolCache),
    ...optional("pools", pools),
    ...optional("priorityFee", fixedTip === undefined ? undefined : BigInt(fixedTip)),
    ...optional("factories", simulated ? SIM_FACTORIES : undefined),
    ...optional("headStaleMs", intSetting(s, "headStaleMs")),
    ...optional("overlapBlocks", intSetting(s, "overlapBlocks")),
    ...optional("windowBlocks", intSetting(s, "windowBlocks")),
    ...optional("logsChunkBlocks", intSetting(s, "logsChunkBlocks")),
    ...optional("metadataRetryMs", intSetting(s, "metadataRetryMs")),
    ...optional("backfillTimeoutMs", intSetting(s, "backfillTimeoutMs")),
    ...optional("source", intSetting(s, "source")),
  });
}

/** Registry entry of Polygon (chain 137). */
export const polygonVenue: VenueEntry = {
  name: "polygon",
  summary: "Polygon PoS DEX pools (Uniswap V2/V3-style logs: QuickSwap, Uniswap V3, SushiSwap) and gas via JSON-RPC",
  defaultSymbols: [], // resolved in create(): DEFAULT_POOLS, or every pool with simulated=1 / allPools=1
  env: { wsUrl: "ALPHAPULSE_POLYGON_WS_URL", restUrl: "ALPHAPULSE_POLYGON_REST_URL" },
  create: (o) => create("polygon", o),
  passShifter: () => new EvmPassShifter(),
};

/** Registry entry of Ethereum (chain 1). */
export const ethereumVenue: VenueEntry = {
  name: "ethereum",
  summary: "Ethereum DEX pools (Uniswap V2/V3, SushiSwap logs) and gas via JSON-RPC",
  defaultSymbols: [], // resolved in create(): DEFAULT_POOLS, or every pool with simulated=1 / allPools=1
  env: { wsUrl: "ALPHAPULSE_ETHEREUM_WS_URL", restUrl: "ALPHAPULSE_ETHEREUM_REST_URL" },
  create: (o) => create("ethereum", o),
  passShifter: () => new EvmPassShifter(),
};
