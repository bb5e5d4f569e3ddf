/**
 * CRC-32 (IEEE 802.3 / ISO-HDLC: reflected polynomial 0xEDB88320, init and xorout 0xFFFFFFFF),
 * slicing-by-8 in plain JS.
 *
 * Why hand-written: `zlib.crc32` is Node-only and, on Node 20, slower than this for the small buffers
 * messages are (see `bench/protocol.bench.ts`), and `protocol/` must stay web-standard.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 * @module
 */

import { HeaderOffset } from "./constants.ts";

const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * Advances a raw (not yet inverted) CRC state over `bytes[start, end)`.
 * Start from `0xffffffff`, finish with `~state >>> 0`; {@link crc32} does both.
 */
export function crc32Update(state: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let c = state | 0;
  let i = start;
  const last8 = end - 8;
  while (i <= last8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** CRC-32 of `bytes[start, end)` as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~crc32Update(0xffffffff, bytes, start, end) >>> 0;
}

const ZERO4 = new Uint8Array(4);

/**
 * The Protocol V2 checksum of the message at `bytes[offset, offset+length)`: CRC-32 of the whole message
 * with its checksum field (bytes 28–31) taken as zero. Reads in place; the buffer is not modified.
 */
export function messageChecksum(bytes: Uint8Array, offset: number, length: number): number {
  let c = crc32Update(0xffffffff, bytes, offset, offset + HeaderOffset.checksum);
  c = crc32Update(c, ZERO4, 0, 4);
  c = crc32Update(c, bytes, offset + HeaderOffset.checksum + 4, offset + length);
  return ~c >>> 0;
}
