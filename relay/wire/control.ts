/**
 * Control messages of the relay protocol (PROTOCOL.md §4, System TLVs 82–85): Hello, Subscribe,
 * RetransmitRequest and Gap — encoding for clients and the relay, and in-place readers.
 *
 * Control messages are rare (once per connection or per gap), so they are encoded with the typed
 * encoder rather than the hot-path builder.
 *
 * @module
 */

import {
  encodeMessage, GapField, HEADER_SIZE, HeaderOffset, tlvNext, TlvType, tlvType, tlvValue, viewsOf,
} from "../../protocol/mod.ts";

/** Hello roles (PROTOCOL.md §4, Hello). */
export const Role = { Publisher: 1, Subscriber: 2, Both: 3 } as const;
/** A Hello role. */
export type Role = (typeof Role)[keyof typeof Role];

/** True when `role` may publish. */
export function canPublish(role: number): boolean {
  return (role & 1) !== 0;
}

/** True when `role` receives messages. */
export function canSubscribe(role: number): boolean {
  return (role & 2) !== 0;
}

/** Encodes a Hello message. */
export function encodeHello(domain: number, serviceId: number, role: number, token = ""): Uint8Array {
  return encodeMessage({ relayDomain: domain, source: serviceId, sequence: 0n, timestamp: 0n }, [
    { type: TlvType.Hello, name: "Hello", role, serviceId, token },
  ]);
}

/** Encodes a Subscribe message (empty `types` = every type of the domain). */
export function encodeSubscribe(domain: number, serviceId: number, types: readonly number[]): Uint8Array {
  return encodeMessage({ relayDomain: domain, source: serviceId, sequence: 0n, timestamp: 0n }, [
    { type: TlvType.Subscribe, name: "Subscribe", types: [...types] },
  ]);
}

/** Encodes a RetransmitRequest for `source`'s sequences `from..to` (inclusive). */
export function encodeRetransmitRequest(domain: number, serviceId: number, source: number, from: bigint, to: bigint): Uint8Array {
  return encodeMessage({ relayDomain: domain, source: serviceId, sequence: 0n, timestamp: 0n }, [
    { type: TlvType.RetransmitRequest, name: "RetransmitRequest", source, fromSequence: from, toSequence: to },
  ]);
}

/** Encodes a Gap notice: `source`'s sequences `from..to` will not be delivered, for `reason` (GapReason). */
export function encodeGap(
  domain: number, relaySource: number, sequence: bigint, timestamp: bigint,
  source: number, reason: number, from: bigint, to: bigint,
): Uint8Array {
  return encodeMessage({ relayDomain: domain, source: relaySource, sequence, timestamp }, [
    { type: TlvType.Gap, name: "Gap", source, reason, fromSequence: from, toSequence: to },
  ]);
}

/**
 * Type of the first TLV of the (validated) message at `bytes[offset…]`, or -1 when it has none.
 * Control messages carry their control TLV first.
 */
export function firstTlvType(bytes: Uint8Array, offset: number): number {
  const { u8, dv } = viewsOf(bytes);
  return firstTlvTypeAt(u8, dv, bytes.byteOffset + offset);
}

/**
 * {@link firstTlvType} over whole-buffer views ({@link viewsOf}) at the message's absolute offset `base`,
 * for per-message paths that hold the views already (no typed-array getter per call).
 */
export function firstTlvTypeAt(u8: Uint8Array, dv: DataView, base: number): number {
  return hasFirstTlv(u8, dv, base) ? tlvType(u8, base + HEADER_SIZE) : -1;
}

/** True when the message at absolute `base` has a whole first TLV. */
function hasFirstTlv(u8: Uint8Array, dv: DataView, base: number): boolean {
  const first = base + HEADER_SIZE;
  return tlvNext(u8, first, first + dv.getUint32(base + HeaderOffset.payloadSize, true)) >= 0;
}

/**
 * Absolute offset (in the whole-buffer views) of the value of the (validated) message's first TLV when it
 * is a Gap, else -1: where {@link GapField} offsets apply.
 */
export function gapValueAt(u8: Uint8Array, dv: DataView, base: number): number {
  return hasFirstTlv(u8, dv, base) && tlvType(u8, base + HEADER_SIZE) === TlvType.Gap ? tlvValue(u8, base + HEADER_SIZE) : -1;
}

/** True for the TLV types a relay consumes instead of forwarding (Hello, Subscribe, RetransmitRequest). */
export function isControlType(type: number): boolean {
  return type === TlvType.Hello || type === TlvType.Subscribe || type === TlvType.RetransmitRequest;
}

/** A Gap notice read from a message. */
export interface GapNotice {
  source: number;
  reason: number;
  from: bigint;
  to: bigint;
}

/** Reads the Gap of a (validated) message whose first TLV is a Gap; undefined otherwise. */
export function readGap(bytes: Uint8Array, offset: number): GapNotice | undefined {
  const { u8, dv } = viewsOf(bytes);
  const v = gapValueAt(u8, dv, bytes.byteOffset + offset);
  if (v < 0) return undefined;
  return {
    source: dv.getUint16(v + GapField.source, true),
    reason: dv.getUint8(v + GapField.reason),
    from: dv.getBigUint64(v + GapField.fromSequence, true),
    to: dv.getBigUint64(v + GapField.toSequence, true),
  };
}
