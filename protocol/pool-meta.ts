/**
 * Pool metadata entries (PROTOCOL §8): the JSON object a DEX adapter writes and a strategy reads, keyed by
 * lowercase pool address — `{"0x…":{"kind":"v2"|"v3","venue":400,"token0":"0x…","token1":"0x…",
 * "decimals0":18,"decimals1":6,"fee":3000}}`, `fee` in hundredths of a basis point (V2 pools 3000).
 * One validator for every reader, so the adapter and the strategies accept exactly the same files.
 *
 * @example
 * ```ts
 * const entry = parsePoolMetaEntry(JSON.parse(text)["0xb4e1…"], "0xb4e1…");
 * entry.fee; // 3000
 * ```
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** One pool's §8 entry, normalised (lowercase addresses). */
export interface PoolMetaEntry {
  kind: "v2" | "v3";
  venue: number;
  token0: string;
  token1: string;
  decimals0: number;
  decimals1: number;
  /** Fee in hundredths of a basis point as on-chain (3000 = 0.3 %). */
  fee: number;
}

/** The fee a §8 entry without `fee` has: V2's 0.3 %. */
export const DEFAULT_POOL_FEE = 3000;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** True when `value` is `0x` + 40 hex digits (a pool key or token address of §8). */
export function isPoolAddress(value: unknown): value is string {
  return typeof value === "string" && ADDRESS_RE.test(value);
}

function intIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Validates one §8 entry and returns it normalised (lowercase addresses, only the §8 keys; other keys are
 * ignored so a file can carry more), or a sentence saying what is wrong with it. A missing `fee` is
 * {@link DEFAULT_POOL_FEE}. For readers with their own error type; {@link parsePoolMetaEntry} throws.
 */
export function readPoolMetaEntry(value: unknown): PoolMetaEntry | string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "entry must be an object";
  const v = value as Record<string, unknown>;
  if (v.kind !== "v2" && v.kind !== "v3") return `kind must be "v2" or "v3", got ${JSON.stringify(v.kind)}`;
  if (!intIn(v.venue, 0, 0xffff)) return `venue must be an integer 0–65535, got ${JSON.stringify(v.venue)}`;
  for (const k of ["token0", "token1"] as const) {
    if (!isPoolAddress(v[k])) return `${k} must be 0x + 40 hex digits, got ${JSON.stringify(v[k])}`;
  }
  for (const k of ["decimals0", "decimals1"] as const) {
    if (!intIn(v[k], 0, 255)) return `${k} must be an integer 0–255, got ${JSON.stringify(v[k])}`;
  }
  const fee = v.fee === undefined ? DEFAULT_POOL_FEE : v.fee;
  if (!intIn(fee, 0, 999_999)) return `fee must be an integer 0–999999, got ${JSON.stringify(v.fee)}`;
  const token0 = (v.token0 as string).toLowerCase();
  const token1 = (v.token1 as string).toLowerCase();
  if (token0 === token1) return "token0 and token1 must differ";
  return { kind: v.kind, venue: v.venue as number, token0, token1, decimals0: v.decimals0 as number, decimals1: v.decimals1 as number, fee };
}

/** {@link readPoolMetaEntry} that throws `InvalidValue` naming the pool and the field. */
export function parsePoolMetaEntry(value: unknown, pool: string): PoolMetaEntry {
  const r = readPoolMetaEntry(value);
  if (typeof r === "string") throw new ProtocolError("InvalidValue", `pool ${pool}: ${r}`);
  return r;
}
