/**
 * A subscriber's TLV type filter, read from its Subscribe (PROTOCOL.md §4: a u16 count, then the u16
 * types) and checked against a message in place (no decoding): the relay forwards a message to a
 * filtered subscriber when any of its TLVs has a wanted type.
 *
 * @example
 * ```ts
 * const wanted = new Uint8Array(256);
 * wanted[TlvType.Trade] = 1;
 * if (matchesFilter(u8, base, length, wanted)) outbox.add(...);
 * ```
 * @module
 */

import { HEADER_SIZE, tlvNext, TlvType, tlvSpec, tlvType } from "../../protocol/mod.ts";

/** Offset of the type list within a Subscribe value: right after its fixed part (the count). */
const SUBSCRIBE_TYPES_AT = tlvSpec(TlvType.Subscribe)!.baseSize;

/** True when any TLV of the message at `u8[base, base+length)` has a type set in `filter`. */
export function matchesFilter(u8: Uint8Array, base: number, length: number, filter: Uint8Array): boolean {
  const end = base + length;
  for (let p = base + HEADER_SIZE; p < end;) {
    const next = tlvNext(u8, p, end);
    if (next < 0) return false;
    if (filter[tlvType(u8, p)] === 1) return true;
    p = next;
  }
  return false;
}

/**
 * The filter of the Subscribe value at absolute `v` of `dv`: `undefined` for an empty list (every type),
 * else a 256-entry table with 1 at each wanted type (types above 255 cannot occur and are ignored).
 */
export function readSubscribeFilter(dv: DataView, v: number): Uint8Array | undefined {
  const n = dv.getUint16(v, true);
  if (n === 0) return undefined;
  const f = new Uint8Array(256);
  for (let i = 0; i < n; i++) {
    const t = dv.getUint16(v + SUBSCRIBE_TYPES_AT + 2 * i, true);
    if (t < 256) f[t] = 1;
  }
  return f;
}
