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
import { isPoolAddress, readPoolMetaEntry, type PoolMetaEntry } from "../../protocol/mod.ts";
import { StrategyConfigError } from "../config.ts";
import { defaultTickSpacing } from "./v3-math.ts";

/** One pool's metadata: its §8 entry, plus its address and the V3 tick spacing the pool math needs. */
export interface PoolMeta extends PoolMetaEntry {
  /** Lowercase pool address. */
  address: string;
  /** V3 tick spacing (from the fee tier unless given). */
  tickSpacing: number;
}

const TickSpacing = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16384)));

/**
 * Validates parsed §8 data into a map keyed by lowercase address: each entry by the one §8 validator in
 * `protocol/`, plus what the strategies' V3 math needs — a `tickSpacing` (given, or the fee tier's).
 */
export function poolCacheFromJson(data: unknown, file = "<inline>"): Map<string, PoolMeta> {
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new StrategyConfigError(file, "", "pool cache must be a JSON object keyed by pool address");
  const out = new Map<string, PoolMeta>();
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    if (!isPoolAddress(key)) throw new StrategyConfigError(file, key, "pool key is not a 0x-prefixed 20-byte address");
    const p = readPoolMetaEntry(raw);
    if (typeof p === "string") throw new StrategyConfigError(file, key, p);
    const spacing = v.safeParse(TickSpacing, (raw as Record<string, unknown>).tickSpacing);
    if (!spacing.success) throw new StrategyConfigError(file, `${key}.tickSpacing`, "must be an integer 1–16384");
    const tickSpacing = spacing.output ?? defaultTickSpacing(p.fee);
    if (p.kind === "v3" && tickSpacing === undefined) throw new StrategyConfigError(file, key, "a V3 pool with a non-standard fee needs tickSpacing");
    const address = key.toLowerCase();
    out.set(address, { address, ...p, tickSpacing: tickSpacing ?? 1 });
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
