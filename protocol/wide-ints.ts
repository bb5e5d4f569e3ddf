/**
 * Fixed-width integer and EVM address helpers over `DataView`, little-endian as the wire is.
 *
 * 64-bit fields are `bigint`; 128- and 160-bit fields (token amounts, sqrtPriceX96) are `bigint`
 * written as unsigned little-endian words. Nothing here passes a 64-bit value through `number`.
 * Writers check ranges and throw {@link ProtocolError} `InvalidValue` naming the field. (The unchecked
 * 64-bit reads and writes of the hot paths are in fast-int64.ts.)
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** 2^64 − 1. */
export const U64_MAX = (1n << 64n) - 1n;
/** Largest i64. */
export const I64_MAX = (1n << 63n) - 1n;
/** Smallest i64. */
export const I64_MIN = -(1n << 63n);
/** 2^128 − 1. */
export const U128_MAX = (1n << 128n) - 1n;
/** 2^160 − 1. */
export const U160_MAX = (1n << 160n) - 1n;

const M64 = (1n << 64n) - 1n;

/** Reads an unsigned little-endian integer of `bytes` bytes (16 or 20) at `off`. */
export function readUintLE(dv: DataView, off: number, bytes: 16 | 20): bigint {
  // 16 = two u64 words; 20 = two u64 words + one u32.
  let v = dv.getBigUint64(off, true) | (dv.getBigUint64(off + 8, true) << 64n);
  if (bytes === 20) v |= BigInt(dv.getUint32(off + 16, true)) << 128n;
  return v;
}

/** Writes an unsigned little-endian integer of `bytes` bytes (16 or 20) at `off`. */
export function writeUintLE(dv: DataView, off: number, bytes: 16 | 20, value: bigint, field = "value"): void {
  const max = bytes === 16 ? U128_MAX : U160_MAX;
  if (value < 0n || value > max) {
    throw new ProtocolError("InvalidValue", `${field} = ${value} does not fit u${bytes * 8}`);
  }
  dv.setBigUint64(off, value & M64, true);
  dv.setBigUint64(off + 8, (value >> 64n) & M64, true);
  if (bytes === 20) dv.setUint32(off + 16, Number(value >> 128n), true);
}

/** Reads a u128 (little-endian) at `off`. */
export function readU128(dv: DataView, off: number): bigint {
  return readUintLE(dv, off, 16);
}

/** Writes a u128 (little-endian) at `off`; `InvalidValue` when out of range. */
export function writeU128(dv: DataView, off: number, value: bigint, field = "u128"): void {
  writeUintLE(dv, off, 16, value, field);
}

/** Reads a u160 (little-endian, 20 bytes) at `off`. */
export function readU160(dv: DataView, off: number): bigint {
  return readUintLE(dv, off, 20);
}

/** Writes a u160 (little-endian, 20 bytes) at `off`; `InvalidValue` when out of range. */
export function writeU160(dv: DataView, off: number, value: bigint, field = "u160"): void {
  writeUintLE(dv, off, 20, value, field);
}

/**
 * True when `value` is a bigint in 0…2^64−1. One `asUintN` call and an identity compare: ~4× cheaper on
 * Node 20 than two bigint range comparisons, which are builtin calls there.
 */
export function fitsU64(value: bigint): boolean {
  return typeof value === "bigint" && BigInt.asUintN(64, value) === value;
}

/** True when `value` is a bigint in −2^63…2^63−1 (see {@link fitsU64}). */
export function fitsI64(value: bigint): boolean {
  return typeof value === "bigint" && BigInt.asIntN(64, value) === value;
}

/** Writes a u64; `InvalidValue` when out of range. */
export function writeU64(dv: DataView, off: number, value: bigint, field = "u64"): void {
  if (!fitsU64(value)) throw new ProtocolError("InvalidValue", `${field} = ${value} does not fit u64`);
  dv.setBigUint64(off, value, true);
}

/** Writes an i64; `InvalidValue` when out of range. */
export function writeI64(dv: DataView, off: number, value: bigint, field = "i64"): void {
  if (!fitsI64(value)) throw new ProtocolError("InvalidValue", `${field} = ${value} does not fit i64`);
  dv.setBigInt64(off, value, true);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Reads a 20-byte EVM address at `off` as lowercase `0x…` hex. */
export function readAddress(bytes: Uint8Array, off: number): string {
  let s = "0x";
  for (let i = 0; i < 20; i++) s += HEX[bytes[off + i]!];
  return s;
}

/** Parses `0x` + 40 hex digits (any case) into 20 bytes; `InvalidValue` otherwise. */
export function parseAddress(text: string, field = "address"): Uint8Array {
  if (typeof text !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new ProtocolError("InvalidValue", `${field} must be 0x followed by 40 hex digits, got ${JSON.stringify(text)}`);
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/** Writes an address given as `0x…` hex at `off`. */
export function writeAddress(bytes: Uint8Array, off: number, text: string, field = "address"): void {
  bytes.set(parseAddress(text, field), off);
}

/** Normalises an address to lowercase `0x…` hex; `InvalidValue` when malformed. */
export function normalizeAddress(text: string, field = "address"): string {
  parseAddress(text, field);
  return text.toLowerCase();
}

/** Lowercase hex of `bytes[start, end)` without prefix. */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += HEX[bytes[i]!];
  return s;
}

/** Parses even-length hex (optional `0x`) to bytes; `InvalidValue` otherwise. */
export function fromHex(text: string, field = "hex"): Uint8Array {
  const h = text.startsWith("0x") ? text.slice(2) : text;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
    throw new ProtocolError("InvalidValue", `${field} must be an even number of hex digits`);
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
