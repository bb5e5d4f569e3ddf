/**
 * A subscriber's TLV type filter, checked against a message in place (no decoding): the relay forwards a
 * message to a filtered subscriber when any of its TLVs has a wanted type.
 *
 * @example
 * ```ts
 * const wanted = new Uint8Array(256);
 * wanted[TlvType.Trade] = 1;
 * if (matchesFilter(u8, base, length, wanted)) outbox.add(...);
 * ```
 * @module
 */

import { EXTENDED_TLV_MARKER, HEADER_SIZE } from "../../protocol/mod.ts";

/** True when any TLV of the message at `u8[base, base+length)` has a type set in `filter`. */
export function matchesFilter(u8: Uint8Array, base: number, length: number, filter: Uint8Array): boolean {
  const end = base + length;
  let p = base + HEADER_SIZE;
  while (p + 2 <= end) {
    let type = u8[p]!;
    let len: number;
    if (type === EXTENDED_TLV_MARKER) {
      type = u8[p + 2]!;
      len = u8[p + 3]! | (u8[p + 4]! << 8);
      p += 5;
    } else {
      len = u8[p + 1]!;
      p += 2;
    }
    if (filter[type] === 1) return true;
    p += len;
  }
  return false;
}

