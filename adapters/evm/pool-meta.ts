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

import { parseAddress } from "../../protocol/mod.ts";

/** One pool's metadata, exactly the JSON shape of the cache file. */
export interface PoolMeta {
  kind: "v2" | "v3";
  venue: number;
  token0: string;
  token1: string;
  decimals0: number;
  decimals1: number;
  /** Fee in hundredths of a basis point as on-chain (3000 = 0.3%); V2 pools 3000. */
  fee: number;
}

/** In-memory pool: metadata plus parsed address bytes for the hot path. */
export interface PoolRecord {
  /** Lower-case pool address. */
  readonly address: string;
  readonly meta: PoolMeta;
  readonly token0Bytes: Uint8Array;
  readonly token1Bytes: Uint8Array;
}

/** Fee V2 pools carry in the cache (0.3%). */
export const V2_FEE = 3000;

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

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

function intIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Validates one cache entry and returns it normalised (lower-case addresses, only the known keys).
 * Throws {@link PoolMetaError} naming the pool and the bad field.
 */
export function parsePoolMeta(value: unknown, pool: string): PoolMeta {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new PoolMetaError(pool, "entry must be an object");
  const v = value as Record<string, unknown>;
  if (v.kind !== "v2" && v.kind !== "v3") throw new PoolMetaError(pool, `kind must be "v2" or "v3", got ${JSON.stringify(v.kind)}`);
  if (!intIn(v.venue, 0, 0xffff)) throw new PoolMetaError(pool, `venue must be an integer 0–65535, got ${JSON.stringify(v.venue)}`);
  for (const k of ["token0", "token1"] as const) {
    if (typeof v[k] !== "string" || !ADDRESS_RE.test(v[k] as string)) {
      throw new PoolMetaError(pool, `${k} must be 0x + 40 hex digits, got ${JSON.stringify(v[k])}`);
    }
  }
  for (const k of ["decimals0", "decimals1"] as const) {
    if (!intIn(v[k], 0, 255)) throw new PoolMetaError(pool, `${k} must be an integer 0–255, got ${JSON.stringify(v[k])}`);
  }
  if (!intIn(v.fee, 0, 1_000_000)) throw new PoolMetaError(pool, `fee must be an integer 0–1000000, got ${JSON.stringify(v.fee)}`);
  return {
    kind: v.kind, venue: v.venue as number,
    token0: (v.token0 as string).toLowerCase(), token1: (v.token1 as string).toLowerCase(),
    decimals0: v.decimals0 as number, decimals1: v.decimals1 as number, fee: v.fee as number,
  };
}

/** Builds the in-memory record of a validated entry. */
export function poolRecord(address: string, meta: PoolMeta): PoolRecord {
  return {
    address: address.toLowerCase(), meta,
    token0Bytes: parseAddress(meta.token0, "token0"), token1Bytes: parseAddress(meta.token1, "token1"),
  };
}

/** True when `pool` is `0x` + 40 hex digits. */
export function isAddress(pool: unknown): pool is string {
  return typeof pool === "string" && ADDRESS_RE.test(pool);
}
