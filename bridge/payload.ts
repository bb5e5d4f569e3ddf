/**
 * The bridge's NATS payload: one or more whole Protocol V2 messages back to back — exactly the bytes a
 * relay stream carries (PROTOCOL.md §5), so any framer splits it. A payload holds messages of one
 * source in sequence order (the subject names the source).
 *
 * @module
 */

import { HEADER_SIZE, HeaderOffset, validateMessage, viewsOf } from "../protocol/mod.ts";

/** Receives one message `bytes[offset, offset+length)` of a payload. */
export type PayloadMessageHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/** What {@link splitPayload} found besides the messages it handed over. */
export interface SplitCounts {
  /** Messages handed to the handler. */
  messages: number;
  /** Messages (or an unframeable tail, counted as one) rejected as malformed. */
  invalid: number;
}

/**
 * Hands every message of `payload` to `onMessage`, in order. Each message's framing and TLV structure
 * are checked (not its checksum: the relay receiving it verifies that); a malformed message is skipped
 * and counted, and when a header cannot be trusted the rest of the payload is dropped as one invalid
 * unit, since message boundaries after it are unknown. Never throws for any input.
 */
export function splitPayload(payload: Uint8Array, onMessage: PayloadMessageHandler, out: SplitCounts = { messages: 0, invalid: 0 }): SplitCounts {
  const { dv } = viewsOf(payload);
  const end = payload.length;
  let p = 0;
  while (p < end) {
    if (end - p < HEADER_SIZE) {
      out.invalid++;
      break;
    }
    const length = HEADER_SIZE + dv.getUint32(payload.byteOffset + p + HeaderOffset.payloadSize, true);
    const err = validateMessage(payload, p, end - p, { verifyChecksum: false });
    if (err !== undefined) {
      out.invalid++;
      // A sound header with a bad body can be skipped; a bad header or a short tail ends the payload.
      if (err.kind === "Truncated" || err.kind === "BadMagic" || err.kind === "UnsupportedVersion" || err.kind === "TooLarge" || length > end - p) break;
      p += length;
      continue;
    }
    out.messages++;
    onMessage(payload, p, length);
    p += length;
  }
  return out;
}

/** Sequence of the message at `bytes[offset…]` (header field, no checks). */
export function sequenceAt(bytes: Uint8Array, offset: number): bigint {
  return viewsOf(bytes).dv.getBigUint64(bytes.byteOffset + offset + HeaderOffset.sequence, true);
}

/** Source of the message at `bytes[offset…]` (header field, no checks). */
export function sourceAt(bytes: Uint8Array, offset: number): number {
  return viewsOf(bytes).dv.getUint16(bytes.byteOffset + offset + HeaderOffset.source, true);
}

/** Timestamp (ns) of the message at `bytes[offset…]` (header field, no checks). */
export function timestampAt(bytes: Uint8Array, offset: number): bigint {
  return viewsOf(bytes).dv.getBigUint64(bytes.byteOffset + offset + HeaderOffset.timestamp, true);
}
