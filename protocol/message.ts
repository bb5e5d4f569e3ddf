/**
 * Whole-message validation, encoding and decoding (PROTOCOL.md §2–3).
 *
 * `validateMessage` is the allocation-free check a relay runs per message: it returns `undefined` or a
 * typed {@link ProtocolError} instead of throwing, so a bad message costs a counter, not a stack unwind.
 * `decodeMessage` / `encodeMessage` convert to and from the typed form ({@link Message}).
 *
 * @example
 * ```ts
 * const bytes = encodeMessage({ relayDomain: 1, source: 3, sequence: 1n, timestamp: 0n }, [trade]);
 * const msg = decodeMessage(bytes); // { header: {...}, tlvs: [trade] }
 * ```
 * @module
 */

import { HEADER_SIZE, HeaderOffset } from "./constants.ts";
import { messageChecksumAt } from "./crc32.ts";
import { ProtocolError } from "./errors.ts";
import { checkHeader, readHeader, typeBelongsToDomain, writeHeaderStart, type MessageHeader } from "./header.ts";
import { writeU64 } from "./wide-ints.ts";
import { checkTlvLength, readTlvValue, tlvHeaderSize, tlvValueSize, writeTlvHeader, writeTlvValue } from "./tlv-codec.ts";
import { tlvSpec } from "./tlv-schema.ts";
import type { Tlv } from "./tlv-types.ts";
import { TlvFault, tlvLength, tlvNext, tlvType, tlvValue } from "./tlv-walk.ts";
import { viewsOf } from "./buffer-views.ts";

/** A decoded message: header plus TLVs in wire order. */
export interface Message {
  header: MessageHeader;
  tlvs: Tlv[];
}

/** The header fields a writer chooses; magic, version, size and checksum are computed. */
export interface MessageMeta {
  relayDomain: number;
  source: number;
  sequence: bigint;
  timestamp: bigint;
}

/** What {@link validateMessage} checks beyond framing. All default to true. */
export interface ValidateOptions {
  /** Verify the CRC-32 checksum. */
  verifyChecksum?: boolean;
  /** Reject TLV types outside the header's domain (System types ride on any domain). */
  checkDomain?: boolean;
  /** Reject registered TLVs whose value length is not what their type defines. */
  checkTlvSizes?: boolean;
}

/** All checks on (shared, so a call without options allocates nothing). */
const DEFAULT_VALIDATION: ValidateOptions = {};

/**
 * Validates the message at `bytes[offset…]` (at most `available` bytes): header, size, checksum, TLV
 * structure, domain membership and fixed sizes. Returns `undefined` when it is sound, else the typed
 * error. Offsets in errors are relative to `offset`. Never throws for any input.
 */
export function validateMessage(
  bytes: Uint8Array,
  offset = 0,
  available = bytes.length - offset,
  options: ValidateOptions = DEFAULT_VALIDATION,
): ProtocolError | undefined {
  const { u8, dv } = viewsOf(bytes);
  // Never read past `bytes`: its buffer may be a shared pool holding other data.
  if (available > bytes.length - offset) available = bytes.length - offset;
  return validateMessageAt(u8, dv, bytes.byteOffset + offset, available, options);
}

/**
 * {@link validateMessage} over whole-buffer views ({@link viewsOf}) at the absolute offset `base`, for
 * readers that hold the views already ({@link MessageView}); error offsets are relative to `base`.
 */
export function validateMessageAt(
  u8: Uint8Array,
  dv: DataView,
  base: number,
  available: number,
  options: ValidateOptions = DEFAULT_VALIDATION,
): ProtocolError | undefined {
  let total: number;
  try {
    total = checkHeader(dv, base, available, -base);
  } catch (e) {
    return e as ProtocolError;
  }
  if (available < total) return new ProtocolError("Truncated", `message is ${total} bytes, have ${available}`, 0);
  if (options.verifyChecksum !== false) {
    const stored = dv.getUint32(base + HeaderOffset.checksum, true);
    const actual = messageChecksumAt(u8, dv, base, total);
    if (stored !== actual) {
      return new ProtocolError(
        "ChecksumMismatch",
        `checksum 0x${stored.toString(16).padStart(8, "0")} ≠ computed 0x${actual.toString(16).padStart(8, "0")}`,
        HeaderOffset.checksum,
      );
    }
  }
  const domain = u8[base + HeaderOffset.relayDomain]!;
  const checkDomain = options.checkDomain !== false;
  const checkSizes = options.checkTlvSizes !== false;
  const end = base + total;
  for (let p = base + HEADER_SIZE; p < end;) {
    const next = tlvNext(u8, p, end);
    if (next < 0) return walkError(next, u8, p, end, base);
    const type = tlvType(u8, p);
    const at = p - base;
    if (checkDomain && !typeBelongsToDomain(type, domain)) {
      return new ProtocolError("TypeNotInDomain", `TLV type ${type} does not belong to relay domain ${domain}`, at);
    }
    if (checkSizes) {
      const spec = tlvSpec(type);
      if (spec) {
        try {
          const value = tlvValue(u8, p);
          checkTlvLength(spec, dv, value, next - value, at);
        } catch (e) {
          return e as ProtocolError;
        }
      }
    }
    p = next;
  }
  return undefined;
}

/** The typed error for a walk that stopped on a malformed TLV (offsets relative to `base`). */
function walkError(fault: number, u8: Uint8Array, p: number, end: number, base: number): ProtocolError {
  const at = p - base;
  const left = end - p;
  if (fault === TlvFault.badExtendedMarker) {
    return new ProtocolError("BadExtendedTlv", `extended TLV second byte is ${u8[p + 1]}, must be 0`, at + 1);
  }
  if (fault === TlvFault.truncatedHeader) {
    return left < 2
      ? new ProtocolError("TlvOverrun", `TLV header needs 2 bytes, ${left} left`, at)
      : new ProtocolError("TlvOverrun", `extended TLV header needs 5 bytes, ${left} left`, at);
  }
  return new ProtocolError("TlvOverrun", `TLV type ${tlvType(u8, p)} value of ${tlvLength(u8, p)} bytes runs past the message end`, at);
}

/** Like {@link validateMessage} but throws the error; returns the message length. */
export function assertMessage(bytes: Uint8Array, offset = 0, options?: ValidateOptions): number {
  const err = validateMessage(bytes, offset, bytes.length - offset, options);
  if (err) throw err;
  return HEADER_SIZE + viewsOf(bytes).dv.getUint32(bytes.byteOffset + offset + HeaderOffset.payloadSize, true);
}

/**
 * Decodes the message at `bytes[offset…]` into its typed form after full validation.
 * Throws a typed {@link ProtocolError} (offsets relative to `offset`).
 */
export function decodeMessage(bytes: Uint8Array, offset = 0, options?: ValidateOptions): Message {
  const total = assertMessage(bytes, offset, options);
  const { u8, dv } = viewsOf(bytes);
  const base = bytes.byteOffset + offset;
  const header = readHeader(dv, base);
  const tlvs: Tlv[] = [];
  const end = base + total;
  for (let p = base + HEADER_SIZE, next = 0; p < end; p = next) {
    next = tlvNext(u8, p, end);
    if (next < 0) break; // not after validation
    const value = tlvValue(u8, p);
    tlvs.push(readTlvValue(tlvType(u8, p), u8, dv, value, next - value, p - base));
  }
  return { header, tlvs };
}

/** Bytes the encoded message of these TLVs takes. */
export function encodedSize(tlvs: readonly Tlv[]): number {
  let size = HEADER_SIZE;
  for (const t of tlvs) {
    const len = tlvValueSize(t);
    size += tlvHeaderSize(len) + len;
  }
  return size;
}

/**
 * Writes a whole message into `out` at `offset` (which must have room for {@link encodedSize}) and
 * returns its length. Computes payloadSize and checksum; zeroes reserved bytes.
 */
export function encodeMessageInto(out: Uint8Array, offset: number, meta: MessageMeta, tlvs: readonly Tlv[]): number {
  const total = encodedSize(tlvs);
  if (total > out.length - offset) throw new ProtocolError("InvalidValue", `message of ${total} bytes does not fit the buffer`);
  if (total > 1024 * 1024) throw new ProtocolError("TooLarge", `message of ${total} bytes exceeds 1 MiB`);
  if (!Number.isInteger(meta.relayDomain) || meta.relayDomain < 1 || meta.relayDomain > 4) {
    throw new ProtocolError("InvalidValue", `header.relayDomain must be 1–4, got ${String(meta.relayDomain)}`);
  }
  if (!Number.isInteger(meta.source) || meta.source < 0 || meta.source > 0xffff) {
    throw new ProtocolError("InvalidValue", `header.source must be a u16, got ${String(meta.source)}`);
  }
  out.fill(0, offset, offset + total);
  const { u8, dv } = viewsOf(out);
  const base = out.byteOffset + offset;
  writeHeaderStart(dv, base, meta.relayDomain, meta.source);
  writeU64(dv, base + HeaderOffset.sequence, meta.sequence, "header.sequence");
  writeU64(dv, base + HeaderOffset.timestamp, meta.timestamp, "header.timestamp");
  dv.setUint32(base + HeaderOffset.payloadSize, total - HEADER_SIZE, true);
  let p = base + HEADER_SIZE;
  for (const t of tlvs) {
    const len = tlvValueSize(t);
    p += writeTlvHeader(u8, p, t.type, len);
    writeTlvValue(dv, u8, p, t);
    p += len;
  }
  dv.setUint32(base + HeaderOffset.checksum, messageChecksumAt(u8, dv, base, total), true);
  return total;
}

/** Encodes a message into a new, exactly sized byte array. */
export function encodeMessage(meta: MessageMeta, tlvs: readonly Tlv[]): Uint8Array {
  const out = new Uint8Array(encodedSize(tlvs));
  encodeMessageInto(out, 0, meta, tlvs);
  return out;
}
