/**
 * Gap notices across NATS: how a consumer on another host learns that messages were lost at the origin.
 *
 * What crosses and what does not. A relay's Gap notice is addressed to one subscriber connection: "the
 * range will not reach *you*" (evicted from the ring, or dropped from your backlog). Most of them say
 * nothing about other hosts and stay local. The one that matters is the notice the origin relay sends
 * to its own bridge for a source published there: those messages will then never reach NATS, so no
 * consumer anywhere can get them. Only that crosses, as an **origin Gap notice**:
 *
 * - origin bridge: a Gap notice from its relay for a source published on that relay (the bridge is the
 *   only publisher of the source's subject) is narrowed to what the bridge has not published and stored
 *   on the source's subject `alphapulse.<domain>.<source>`, in order with the source's batches (so
 *   JetStream keeps it between the messages around the hole). Encoding: a Protocol V2 message of the
 *   domain, header source = the source, header sequence 0 (never a message sequence: readers that do
 *   not know notices drop or skip it), TLV Gap `{source, reason (as the relay gave it), from, to}`.
 * - receiving bridge: when the source's next expected sequence lies in the range, it moves past it
 *   (counted `originLost`, no JetStream lookup) and injects a Gap notice of its own into its relay —
 *   header source = the bridge's service id, the bridge's own sequence — so the relay forwards it to
 *   every subscriber before the message after the hole: their clients skip the range at once and the
 *   consumer gets the origin's reason.
 *
 * Loop-free: notices are never re-published. A receiving bridge ignores notices of sources published
 * on its own relay, and the notice it injects comes back to no bridge (a relay never hands a client its
 * own messages, and bridges drop Gap notices of remote sources). Duplicate-free: a notice for a range
 * already passed changes nothing.
 *
 * @module
 */

import { HeaderOffset, nowNanos, type RelayDomain, TlvType, viewsOf } from "../protocol/mod.ts";
import { encodeGap, firstTlvType, type GapNotice, readGap } from "../relay/wire/control.ts";

/** The origin Gap notice stored on `source`'s subject (see the module documentation). */
export function encodeOriginGap(domain: RelayDomain, source: number, reason: number, from: bigint, to: bigint, timestamp: bigint = nowNanos()): Uint8Array {
  return encodeGap(domain, source, 0n, timestamp, source, reason, from, to);
}

/**
 * The notice carried by the message at `bytes[offset…]` when it is an origin Gap notice (sequence 0,
 * first TLV Gap, about the header's source); undefined for anything else. Cheap for ordinary messages:
 * the sequence is checked first.
 */
export function readOriginGap(bytes: Uint8Array, offset: number): GapNotice | undefined {
  const { dv } = viewsOf(bytes);
  const base = bytes.byteOffset + offset;
  if (dv.getUint32(base + HeaderOffset.sequence, true) !== 0 || dv.getUint32(base + HeaderOffset.sequence + 4, true) !== 0) return undefined;
  if (dv.getUint32(base + HeaderOffset.payloadSize, true) < 2 + 24 || firstTlvType(bytes, offset) !== TlvType.Gap) return undefined;
  const gap = readGap(bytes, offset);
  if (gap === undefined || gap.source !== dv.getUint16(base + HeaderOffset.source, true) || gap.from < 1n || gap.from > gap.to) return undefined;
  return gap;
}

/** True when the message at `bytes[offset…]` carries a Gap TLV first (a notice, not a source's message). */
export function isGapMessage(bytes: Uint8Array, offset: number): boolean {
  return firstTlvType(bytes, offset) === TlvType.Gap;
}
