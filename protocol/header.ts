/**
 * The 32-byte message header (PROTOCOL.md §2): typed form, in-place reads, writes, and the
 * header-level checks a stream reader needs before buffering a payload.
 *
 * @module
 */

import { DOMAIN_TLV_RANGE, HEADER_SIZE, HeaderOffset, MAGIC, MAX_PAYLOAD_SIZE, PROTOCOL_VERSION } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** A decoded header. `sequence` and `timestamp` are u64 `bigint`s. */
export interface MessageHeader {
  magic: number;
  version: number;
  relayDomain: number;
  source: number;
  sequence: bigint;
  timestamp: bigint;
  payloadSize: number;
  checksum: number;
}

/** True when `domain` is one of the four relay domains. */
export function isKnownDomain(domain: number): boolean {
  return domain >= 1 && domain <= 4;
}

/** True when a TLV `type` may ride on `domain`: its own range, or System types (80–99) on any domain. */
export function typeBelongsToDomain(type: number, domain: number): boolean {
  if (type >= 80 && type <= 99) return true;
  const range = DOMAIN_TLV_RANGE[domain as 1 | 2 | 3 | 4];
  return range !== undefined && type >= range[0] && type <= range[1];
}

/**
 * Checks the framing fields of a header at `bytes[off…]` (magic, version, domain, payload size) and
 * returns the whole message length. Needs 32 readable bytes (else `Truncated`). Never looks at the
 * payload, so an oversize `payloadSize` is rejected (`TooLarge`) before anything of it is buffered.
 * `base` is added to reported offsets (a stream position).
 */
export function checkHeader(dv: DataView, off: number, available: number, base = 0): number {
  if (available < HEADER_SIZE) {
    throw new ProtocolError("Truncated", `need ${HEADER_SIZE} header bytes, have ${available}`, base + off);
  }
  const magic = dv.getUint32(off, true);
  if (magic !== MAGIC) {
    throw new ProtocolError("BadMagic", `magic is 0x${magic.toString(16).padStart(8, "0")}, expected 0xdeadbeef`, base + off);
  }
  const version = dv.getUint8(off + HeaderOffset.version);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError("UnsupportedVersion", `version ${version}, this codec speaks ${PROTOCOL_VERSION}`, base + off + HeaderOffset.version);
  }
  const domain = dv.getUint8(off + HeaderOffset.relayDomain);
  if (!isKnownDomain(domain)) {
    throw new ProtocolError("UnknownDomain", `relay domain ${domain} is not 1–4`, base + off + HeaderOffset.relayDomain);
  }
  const payloadSize = dv.getUint32(off + HeaderOffset.payloadSize, true);
  if (payloadSize > MAX_PAYLOAD_SIZE) {
    throw new ProtocolError("TooLarge", `payloadSize ${payloadSize} exceeds the 1 MiB message limit`, base + off + HeaderOffset.payloadSize);
  }
  return HEADER_SIZE + payloadSize;
}

/** Reads the header at `bytes[off…]` without validating it. */
export function readHeader(dv: DataView, off = 0): MessageHeader {
  return {
    magic: dv.getUint32(off, true),
    version: dv.getUint8(off + HeaderOffset.version),
    relayDomain: dv.getUint8(off + HeaderOffset.relayDomain),
    source: dv.getUint16(off + HeaderOffset.source, true),
    sequence: dv.getBigUint64(off + HeaderOffset.sequence, true),
    timestamp: dv.getBigUint64(off + HeaderOffset.timestamp, true),
    payloadSize: dv.getUint32(off + HeaderOffset.payloadSize, true),
    checksum: dv.getUint32(off + HeaderOffset.checksum, true),
  };
}

/** Writes magic, version, domain and source at `off` (sequence, timestamp, size and checksum are separate). */
export function writeHeaderStart(dv: DataView, off: number, relayDomain: number, source: number): void {
  dv.setUint32(off, MAGIC, true);
  dv.setUint8(off + HeaderOffset.version, PROTOCOL_VERSION);
  dv.setUint8(off + HeaderOffset.relayDomain, relayDomain);
  dv.setUint16(off + HeaderOffset.source, source, true);
}
