/**
 * Pool metadata (PROTOCOL.md §8): what a pool's log needs to become a protocol message — V2 or V3,
 * venue, token addresses and decimals, fee. Entries are validated when read from a cache file, and
 * kept in memory with the token addresses pre-parsed to bytes so the hot path copies, never parses.
 *
 * @example
 * ```ts
 * const entry = parsePoolMeta({ kind: "v2", venue: 400, token0: "0x…", token1: "0x…",
 *   decimals0: 18, decimals1: 6, fee: 3000 }, "0xpool…");
 * ```
 * @module
 */

import { DEFAULT_POOL_FEE, isPoolAddress, parseAddress, readPoolMetaEntry, type PoolMetaEntry } from "../../protocol/mod.ts";

/** One pool's metadata, exactly the JSON shape of the cache file (PROTOCOL §8). */
export type PoolMeta = PoolMetaEntry;

/** In-memory pool: metadata plus parsed address bytes for the hot path. */
export interface PoolRecord {
  /** Lower-case pool address. */
  readonly address: string;
  readonly meta: PoolMeta;
  readonly token0Bytes: Uint8Array;
  readonly token1Bytes: Uint8Array;
}

/** Fee V2 pools carry in the cache (0.3%). */
export const V2_FEE = DEFAULT_POOL_FEE;

/** A cache entry or pool description that is not valid metadata. */
export class PoolMetaError extends Error {
  /** Lower-case pool address the entry belongs to. */
  readonly pool: string;
  /** @param pool the pool @param message what is wrong */
  constructor(pool: string, message: string) {
    super(`pool ${pool}: ${message}`);
    this.name = "PoolMetaError";
    this.pool = pool;
  }
}

/**
 * Validates one cache entry and returns it normalised (lower-case addresses, only the known keys), by
 * the one §8 validator in `protocol/`. Throws {@link PoolMetaError} naming the pool and the bad field.
 */
export function parsePoolMeta(value: unknown, pool: string): PoolMeta {
  const r = readPoolMetaEntry(value);
  if (typeof r === "string") throw new PoolMetaError(pool, r);
  return r;
}

/** Builds the in-memory record of a validated entry. */
export function poolRecord(address: string, meta: PoolMeta): PoolRecord {
  return {
    address: address.toLowerCase(), meta,
    token0Bytes: parseAddress(meta.token0, "token0"), token1Bytes: parseAddress(meta.token1, "token1"),
  };
}

/** True when `pool` is `0x` + 40 hex digits. */
export const isAddress: (pool: unknown) => pool is string = isPoolAddress;
