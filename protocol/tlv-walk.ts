/**
 * The one TLV walker: the step "from this TLV to the next" of PROTOCOL.md §3, written once. A standard
 * TLV is `[type][len u8][value]`, an extended one `[255][0][type][len u16 LE][value]`. Every reader of
 * TLVs in place — validation, decoding, the zero-copy view, the relay's check, type filter and control
 * handling, the client's first-TLV readers — walks with {@link tlvNext} and reads the TLV under its
 * position with {@link tlvType}, {@link tlvValue} and {@link tlvLength}.
 *
 * Plain functions over a byte array and absolute offsets (whole-buffer views, see `viewsOf`): they
 * allocate nothing and keep the walk's position in the caller's local variables, so a hot loop costs
 * what a hand-written one does. {@link tlvNext} checks the header and the value against the end; a
 * negative answer ({@link TlvFault}) says why the walk must stop — a caller that validates reports it,
 * a caller that walks validated bytes just stops.
 *
 * @example
 * ```ts
 * import { HEADER_SIZE, tlvNext, tlvType, tlvValue, viewsOf } from "./mod.ts";
 * const u8 = viewsOf(bytes).u8;
 * const end = bytes.byteOffset + bytes.length;
 * for (let p = bytes.byteOffset + HEADER_SIZE; p < end;) {
 *   const next = tlvNext(u8, p, end);
 *   if (next < 0) throw new Error(`malformed TLV at ${p - bytes.byteOffset} (fault ${next})`);
 *   console.log(tlvType(u8, p), tlvValue(u8, p), next - tlvValue(u8, p)); // type, value offset, length
 *   p = next;
 * }
 * ```
 * @module
 */

import { EXTENDED_TLV_MARKER } from "./constants.ts";

/** Why {@link tlvNext} cannot step past the TLV at a position: negative, so `next < 0` means "stop". */
export const TlvFault = {
  /** Fewer bytes left than the TLV header needs (2, or 5 for an extended TLV). */
  truncatedHeader: -1,
  /** An extended TLV whose second byte is not 0. */
  badExtendedMarker: -2,
  /** The value runs past the end ({@link tlvType} and {@link tlvLength} still read the header). */
  valueOverrun: -3,
} as const;
/** A {@link TlvFault} value. */
export type TlvFault = (typeof TlvFault)[keyof typeof TlvFault];

/**
 * Offset of the TLV after the one whose header starts at `p`, when that TLV lies wholly before `end`;
 * else a negative {@link TlvFault}. Call it while `p < end`: at `end` the walk is complete.
 */
export function tlvNext(u8: Uint8Array, p: number, end: number): number {
  if (u8[p] !== EXTENDED_TLV_MARKER) {
    // The common case first, with one bounds test: a length byte past the array reads as NaN and fails it.
    const next = p + 2 + u8[p + 1]!;
    if (next <= end) return next;
    return p + 2 > end ? TlvFault.truncatedHeader : TlvFault.valueOverrun;
  }
  const left = end - p;
  if (left < 2) return TlvFault.truncatedHeader;
  if (u8[p + 1] !== 0) return TlvFault.badExtendedMarker;
  if (left < 5) return TlvFault.truncatedHeader;
  const next = p + 5 + (u8[p + 3]! | (u8[p + 4]! << 8));
  return next <= end ? next : TlvFault.valueOverrun;
}

/** Type of the TLV whose header starts at `p` (its header bytes must be there). */
export function tlvType(u8: Uint8Array, p: number): number {
  const t = u8[p]!;
  return t === EXTENDED_TLV_MARKER ? u8[p + 2]! : t;
}

/** Offset of the value of the TLV whose header starts at `p`. */
export function tlvValue(u8: Uint8Array, p: number): number {
  return u8[p] === EXTENDED_TLV_MARKER ? p + 5 : p + 2;
}

/** Value length the header at `p` declares (its header bytes must be there). */
export function tlvLength(u8: Uint8Array, p: number): number {
  return u8[p] === EXTENDED_TLV_MARKER ? u8[p + 3]! | (u8[p + 4]! << 8) : u8[p + 1]!;
}
