/**
 * Encodes and decodes TLV values from the registry table (`tlv-schema.ts`), with the length rules of
 * PROTOCOL.md §3–4: standard `[type][len u8]` or extended `[255][0][type][len u16]` headers, fixed sizes
 * checked (`WrongTlvSize`), variable tails bounded, unknown types carried as raw bytes.
 *
 * @module
 */

import { EXTENDED_TLV_MARKER, POOL_FLAG_V3, ORDER_FLAG_DEX_ROUTE } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { readInstrument, writeInstrument, type InstrumentId } from "./instrument.ts";
import { readAddress, readU128, readU160, writeAddress, writeI64, writeU128, writeU160, writeU64 } from "./wide-ints.ts";
import { FIELD_SIZE, MAX_BOOK_LEVELS, MAX_EXTRA_HOPS, MAX_HELLO_TOKEN, tlvSpec, type FieldSpec, type TlvSpec } from "./tlv-schema.ts";
import type { BookLevel, Tlv } from "./tlv-types.ts";

/** Largest value a standard TLV header can describe. */
export const MAX_STANDARD_TLV_VALUE = 255;
/** Largest value an extended TLV header can describe. */
export const MAX_EXTENDED_TLV_VALUE = 65_535;

const utf8Encoder = new TextEncoder();
// Fatal: Hello's token is UTF-8 by PROTOCOL §4; a lenient decoder would turn bad bytes into U+FFFD and
// the JSON form would no longer encode back to the same message.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Header bytes a TLV of `valueLength` bytes takes: 2 (standard) or 5 (extended). */
export function tlvHeaderSize(valueLength: number): number {
  return valueLength <= MAX_STANDARD_TLV_VALUE ? 2 : 5;
}

/**
 * Writes a TLV header at `off`, standard or extended by size, and returns its length (2 or 5).
 * `InvalidValue` for a type outside 0..254 or a value longer than 65,535 bytes.
 */
export function writeTlvHeader(bytes: Uint8Array, off: number, type: number, valueLength: number): number {
  // 255 is the extended marker and a byte holds no more: such a type would not decode back.
  if (!(type >= 0 && type < EXTENDED_TLV_MARKER) || !Number.isInteger(type)) {
    throw new ProtocolError("InvalidValue", `TLV type ${type} is not within 0..254`);
  }
  if (valueLength <= MAX_STANDARD_TLV_VALUE) {
    bytes[off] = type;
    bytes[off + 1] = valueLength;
    return 2;
  }
  if (valueLength > MAX_EXTENDED_TLV_VALUE) {
    throw new ProtocolError("InvalidValue", `TLV type ${type} value of ${valueLength} bytes exceeds 65535`);
  }
  bytes[off] = EXTENDED_TLV_MARKER;
  bytes[off + 1] = 0;
  bytes[off + 2] = type;
  bytes[off + 3] = valueLength & 0xff;
  bytes[off + 4] = valueLength >>> 8;
  return 5;
}

type Fields = Record<string, unknown>;

function hasFlag(tlv: Fields, bit: number): boolean {
  return ((tlv.flags as number) & bit) !== 0;
}

/** Bytes the value of `tlv` takes when encoded. */
export function tlvValueSize(tlv: Tlv): number {
  const spec = tlvSpec(tlv.type);
  if (!spec || tlv.name === "Unknown") return (tlv as { bytes: Uint8Array }).bytes.length;
  const t = tlv as unknown as Fields;
  switch (spec.tail) {
    case "book":
      return 32 + 16 * ((t.bids as unknown[]).length + (t.asks as unknown[]).length);
    case "poolSwapV3":
      return hasFlag(t, POOL_FLAG_V3) ? 160 : 120;
    case "route":
      return hasFlag(t, ORDER_FLAG_DEX_ROUTE) ? 100 : 64;
    case "hops":
      return 184 + 20 * (t.extraHopPools as unknown[]).length;
    case "token":
      return 8 + utf8Encoder.encode(t.token as string).length;
    case "types":
      return 4 + 2 * (t.types as unknown[]).length;
    default:
      return spec.baseSize;
  }
}

function invalid(spec: TlvSpec, field: string, why: string): ProtocolError {
  return new ProtocolError("InvalidValue", `${spec.name}.${field} ${why}`);
}

function writeInt(dv: DataView, spec: TlvSpec, fs: FieldSpec, off: number, v: unknown): void {
  const [min, max] =
    fs.kind === "u8" ? [0, 0xff] : fs.kind === "i8" ? [-128, 127] : fs.kind === "u16" ? [0, 0xffff]
    : fs.kind === "u32" ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(spec, fs.name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  switch (fs.kind) {
    case "u8": dv.setUint8(off, v); break;
    case "i8": dv.setInt8(off, v); break;
    case "u16": dv.setUint16(off, v, true); break;
    case "u32": dv.setUint32(off, v, true); break;
    default: dv.setInt32(off, v, true);
  }
}

function writeField(dv: DataView, bytes: Uint8Array, spec: TlvSpec, fs: FieldSpec, base: number, v: unknown): void {
  const off = base + fs.off;
  const where = `${spec.name}.${fs.name}`;
  switch (fs.kind) {
    case "u64": case "i64": case "u128": case "u160":
      if (typeof v !== "bigint") throw invalid(spec, fs.name, `must be a bigint, got ${typeof v}`);
      if (fs.kind === "u64") writeU64(dv, off, v, where);
      else if (fs.kind === "i64") writeI64(dv, off, v, where);
      else if (fs.kind === "u128") writeU128(dv, off, v, where);
      else writeU160(dv, off, v, where);
      return;
    case "addr":
      writeAddress(bytes, off, v as string, where);
      return;
    case "instrument": {
      const id = v as InstrumentId | undefined;
      if (!id || typeof id.assetId !== "bigint") throw invalid(spec, fs.name, "must be an InstrumentId");
      if (id.assetId < 0n || id.assetId > 0xffffffffffffffffn) throw invalid(spec, "instrument.assetId", "does not fit u64");
      writeInt(dv, spec, { name: "instrument.venue", off: 0, kind: "u16" }, off + 8, id.venue);
      writeInt(dv, spec, { name: "instrument.assetType", off: 0, kind: "u8" }, off + 10, id.assetType);
      writeInstrument(dv, off, id);
      return;
    }
    default:
      writeInt(dv, spec, fs, off, v);
  }
}

/**
 * Writes the value of `tlv` at `bytes[off…]`; the caller sized the region with {@link tlvValueSize}
 * and zero-filled it (reserved bytes stay zero). Throws `InvalidValue` naming the field on bad input.
 */
export function writeTlvValue(dv: DataView, bytes: Uint8Array, off: number, tlv: Tlv): void {
  const spec = tlvSpec(tlv.type);
  if (!spec || tlv.name === "Unknown") {
    const raw = (tlv as { bytes?: unknown }).bytes;
    if (!(raw instanceof Uint8Array)) {
      throw new ProtocolError("InvalidValue", `TLV type ${tlv.type} is not registered and has no raw bytes`);
    }
    bytes.set(raw, off);
    return;
  }
  const t = tlv as unknown as Fields;
  const v3 = spec.tail === "poolSwapV3" || spec.type === 5 || spec.type === 6 ? hasFlag(t, POOL_FLAG_V3) : false;
  const route = spec.tail === "route" ? hasFlag(t, ORDER_FLAG_DEX_ROUTE) : false;
  for (const fs of spec.fields) {
    const v = t[fs.name];
    if (fs.optional === "v3" && !v3) {
      if (v === undefined || v === 0n || v === 0) continue; // V2: the field stays zero
      throw invalid(spec, fs.name, "is a V3 field but flags bit0 is clear");
    }
    if (fs.optional === "route" && !route) {
      if (v !== undefined) throw invalid(spec, fs.name, "is a DEX route field but flags bit0 is clear");
      continue;
    }
    if (v === undefined) throw invalid(spec, fs.name, "is missing");
    writeField(dv, bytes, spec, fs, off, v);
  }
  switch (spec.tail) {
    case "book": {
      const bids = t.bids as BookLevel[];
      const asks = t.asks as BookLevel[];
      if (!Array.isArray(bids) || !Array.isArray(asks)) throw invalid(spec, "bids/asks", "must be arrays");
      if (bids.length > 0xffff || asks.length > 0xffff || bids.length + asks.length > MAX_BOOK_LEVELS) {
        throw invalid(spec, "bids/asks", `hold more than ${MAX_BOOK_LEVELS} levels`);
      }
      dv.setUint16(off + 28, bids.length, true);
      dv.setUint16(off + 30, asks.length, true);
      let p = off + 32;
      for (const [side, levels] of [["bids", bids], ["asks", asks]] as const) {
        for (let i = 0; i < levels.length; i++) {
          const l = levels[i]!;
          writeI64(dv, p, l.price, `OrderBook.${side}[${i}].price`);
          writeI64(dv, p + 8, l.size, `OrderBook.${side}[${i}].size`);
          p += 16;
        }
      }
      return;
    }
    case "hops": {
      const hops = t.extraHopPools as string[];
      if (!Array.isArray(hops) || hops.length > MAX_EXTRA_HOPS) throw invalid(spec, "extraHopPools", "must be an array of at most 255 addresses");
      dv.setUint8(off + 150, hops.length);
      for (let i = 0; i < hops.length; i++) writeAddress(bytes, off + 184 + 20 * i, hops[i]!, `ArbitrageSignal.extraHopPools[${i}]`);
      return;
    }
    case "token": {
      if (typeof t.token !== "string") throw invalid(spec, "token", "must be a string");
      const token = utf8Encoder.encode(t.token);
      if (token.length > MAX_HELLO_TOKEN) throw invalid(spec, "token", `is ${token.length} bytes, at most ${MAX_HELLO_TOKEN}`);
      bytes.set(token, off + 8);
      return;
    }
    case "types": {
      const types = t.types as number[];
      if (!Array.isArray(types)) throw invalid(spec, "types", "must be an array");
      dv.setUint16(off, types.length, true);
      for (let i = 0; i < types.length; i++) {
        writeInt(dv, spec, { name: `types[${i}]`, off: 0, kind: "u16" }, off + 4 + 2 * i, types[i]);
      }
      return;
    }
  }
}

function readField(dv: DataView, bytes: Uint8Array, fs: FieldSpec, off: number): unknown {
  switch (fs.kind) {
    case "u8": return dv.getUint8(off);
    case "i8": return dv.getInt8(off);
    case "u16": return dv.getUint16(off, true);
    case "u32": return dv.getUint32(off, true);
    case "i32": return dv.getInt32(off, true);
    case "u64": return dv.getBigUint64(off, true);
    case "i64": return dv.getBigInt64(off, true);
    case "u128": return readU128(dv, off);
    case "u160": return readU160(dv, off);
    case "addr": return readAddress(bytes, off);
    default: return readInstrument(dv, off);
  }
}

function wrongSize(spec: TlvSpec, len: number, expected: string, at: number): ProtocolError {
  return new ProtocolError("WrongTlvSize", `${spec.name} (type ${spec.type}) value is ${len} bytes, expected ${expected}`, at);
}

/** Hello's token must be UTF-8 (PROTOCOL §4): `InvalidValue` otherwise. Hello is rare, so the view is cheap. */
function checkUtf8Token(spec: TlvSpec, dv: DataView, off: number, len: number, at: number): void {
  try {
    utf8Decoder.decode(new Uint8Array(dv.buffer, dv.byteOffset + off + 8, len - 8));
  } catch {
    throw new ProtocolError("InvalidValue", `${spec.name} (type ${spec.type}) token is not valid UTF-8`, at);
  }
}

/**
 * Checks the length of a registered TLV value at `bytes[off, off+len)` (and that a Hello token is
 * UTF-8), or throws `WrongTlvSize` (`InvalidValue`). `at` is the offset reported in errors.
 */
export function checkTlvLength(spec: TlvSpec, dv: DataView, off: number, len: number, at: number): void {
  if (len < spec.baseSize) throw wrongSize(spec, len, spec.tail === "none" ? `${spec.baseSize}` : `at least ${spec.baseSize}`, at);
  let expected = spec.baseSize;
  switch (spec.tail) {
    case "book": expected = 32 + 16 * (dv.getUint16(off + 28, true) + dv.getUint16(off + 30, true)); break;
    case "poolSwapV3": expected = dv.getUint8(off + 2) & POOL_FLAG_V3 ? 160 : 120; break;
    case "route": expected = dv.getUint8(off + 58) & ORDER_FLAG_DEX_ROUTE ? 100 : 64; break;
    case "hops": expected = 184 + 20 * dv.getUint8(off + 150); break;
    case "types": expected = 4 + 2 * dv.getUint16(off, true); break;
    case "token":
      if (len > 8 + MAX_HELLO_TOKEN) throw wrongSize(spec, len, `at most ${8 + MAX_HELLO_TOKEN}`, at);
      checkUtf8Token(spec, dv, off, len, at);
      return;
  }
  if (len !== expected) throw wrongSize(spec, len, `${expected}`, at);
}

/**
 * Decodes the value of a TLV of `type` at `bytes[off, off+len)` into its typed form. Registered types
 * have their length checked (`WrongTlvSize`); unregistered types come back as `Unknown` with a copy of
 * the bytes. `at` is the offset reported in errors.
 */
export function readTlvValue(type: number, bytes: Uint8Array, dv: DataView, off: number, len: number, at = off): Tlv {
  const spec = tlvSpec(type);
  if (!spec) return { type, name: "Unknown", bytes: bytes.slice(off, off + len) };
  checkTlvLength(spec, dv, off, len, at);
  const out: Fields = { type, name: spec.name };
  const flagsField = spec.fields.find((x) => x.name === "flags");
  const flags = flagsField ? dv.getUint8(off + flagsField.off) : 0;
  for (const fs of spec.fields) {
    if (fs.optional === "v3" && !(flags & POOL_FLAG_V3)) continue;
    if (fs.optional === "route" && !(flags & ORDER_FLAG_DEX_ROUTE)) continue;
    out[fs.name] = readField(dv, bytes, fs, off + fs.off);
  }
  switch (spec.tail) {
    case "book": {
      const nb = dv.getUint16(off + 28, true);
      const na = dv.getUint16(off + 30, true);
      const level = (i: number): BookLevel => ({
        price: dv.getBigInt64(off + 32 + 16 * i, true),
        size: dv.getBigInt64(off + 40 + 16 * i, true),
      });
      out.bids = Array.from({ length: nb }, (_, i) => level(i));
      out.asks = Array.from({ length: na }, (_, i) => level(nb + i));
      break;
    }
    case "hops": {
      const n = dv.getUint8(off + 150);
      out.extraHopPools = Array.from({ length: n }, (_, i) => readAddress(bytes, off + 184 + 20 * i));
      break;
    }
    case "token": // checked to be UTF-8 above
      out.token = utf8Decoder.decode(bytes.subarray(off + 8, off + len));
      break;
    case "types": {
      const n = dv.getUint16(off, true);
      out.types = Array.from({ length: n }, (_, i) => dv.getUint16(off + 4 + 2 * i, true));
      break;
    }
  }
  return out as unknown as Tlv;
}

/** Size of a field kind, re-exported for readers that walk the table. */
export { FIELD_SIZE };
