/**
 * Pool metadata (PROTOCOL.md §8): a JSON object keyed by lowercase pool address,
 * `{"0x…":{"kind":"v2"|"v3","venue":400,"token0":"0x…","token1":"0x…","decimals0":18,"decimals1":6,"fee":3000}}`,
 * with `fee` in hundredths of a basis point. PoolSync carries no token addresses, so this file is how the
 * arbitrage strategy and the paper engine learn which two tokens a pool trades and at what fee.
 * An optional `tickSpacing` overrides the standard spacing of a V3 fee tier.
 *
 * @example
 * ```ts
 * const pools = await loadPoolCache("pools.json"); // Map<address, PoolMeta>
 * pools.get("0xb4e1…")?.fee; // 3000
 * ```
 * @module
 */

import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { Address, StrategyConfigError, parseConfig } from "../config.ts";
import { defaultTickSpacing } from "./v3-math.ts";

/** One pool's metadata. */
export interface PoolMeta {
  /** Lowercase pool address. */
  address: string;
  kind: "v2" | "v3";
  venue: number;
  token0: string;
  token1: string;
  decimals0: number;
  decimals1: number;
  /** Fee in hundredths of a basis point (3000 = 0.3%). */
  fee: number;
  /** V3 tick spacing (from the fee tier unless given). */
  tickSpacing: number;
}

const Decimals = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255));

/** Schema of one §8 entry (extra keys are ignored so the file can carry more). */
export const PoolMetaSchema = v.pipe(
  v.object({
    kind: v.picklist(["v2", "v3"]),
    venue: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff)),
    token0: Address,
    token1: Address,
    decimals0: Decimals,
    decimals1: Decimals,
    fee: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999)), 3000),
    tickSpacing: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16384))),
  }),
  v.check((p) => p.token0 !== p.token1, "token0 and token1 must differ"),
  v.check((p) => p.kind === "v2" || p.tickSpacing !== undefined || defaultTickSpacing(p.fee) !== undefined,
    "a V3 pool with a non-standard fee needs tickSpacing"),
);

/** Schema of a whole §8 file. */
export const PoolCacheSchema = v.record(v.string(), PoolMetaSchema);

/** Validates parsed §8 data (keys checked as addresses) into a map keyed by lowercase address. */
export function poolCacheFromJson(data: unknown, file = "<inline>"): Map<string, PoolMeta> {
  const parsed = parseConfig(PoolCacheSchema, data, file);
  const out = new Map<string, PoolMeta>();
  for (const [key, p] of Object.entries(parsed)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(key)) throw new StrategyConfigError(file, key, "pool key is not a 0x-prefixed 20-byte address");
    const address = key.toLowerCase();
    out.set(address, {
      address, kind: p.kind, venue: p.venue, token0: p.token0, token1: p.token1, decimals0: p.decimals0,
      decimals1: p.decimals1, fee: p.fee, tickSpacing: p.tickSpacing ?? defaultTickSpacing(p.fee) ?? 1,
    });
  }
  return out;
}

/** Reads a §8 pool metadata file. Unreadable, non-JSON or invalid → {@link StrategyConfigError}. */
export async function loadPoolCache(file: string): Promise<Map<string, PoolMeta>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new StrategyConfigError(file, "", `cannot read pool cache: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new StrategyConfigError(file, "", `pool cache is not JSON: ${(e as Error).message}`);
  }
  return poolCacheFromJson(data, file);
}
