/**
 * Allocation-free readers of the hex text JSON-RPC uses (`"0x…"` quantities and 32-byte ABI words),
 * writing straight into a message buffer.
 *
 * ABI words are big-endian; Protocol V2 integers are little-endian. The writers here read a word's hex
 * digits from the end and store bytes LSB-first, checking that the word's upper digits are zero (or,
 * for a negative two's-complement int256, all `f`) so the value fits the target width exactly. No
 * bigint, no substring: one `charCodeAt` per digit. Failures are returned as small codes so the hot
 * path pays nothing for error objects; the caller turns a code into a typed error naming the field.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(16);
 * writeUintWordLE("0x" + "0".repeat(62) + "2a", 2, out, 0, 16); // HexStatus.Ok, out[0] === 0x2a
 * ```
 * @module
 */

/** Outcome of a hex read. */
export const HexStatus = {
  Ok: 0,
  /** A character is not a hex digit, or the text is too short. */
  BadHex: 1,
  /** The value does not fit the target width (or a signed word is not sign-extended). */
  Overflow: 2,
} as const;
/** A {@link HexStatus} value. */
export type HexStatus = (typeof HexStatus)[keyof typeof HexStatus];

/** Hex digits of one 32-byte ABI word. */
export const WORD_HEX = 64;

/** Hex digit value by UTF-16 code unit (-1 for non-digits): one indexed load instead of three ranges. */
const HEX_VALUE = (() => {
  const t = new Int8Array(65536).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[97 + i] = t[65 + i] = 10 + i;
  return t;
})();

/** Value of one hex digit character code, or -1. */
export function hexDigit(c: number): number {
  return HEX_VALUE[c]!;
}

/**
 * Parses a JSON-RPC quantity (`"0x1a"`, no leading-zero rule enforced) to a `number`. Returns -1 for
 * text that is not `0x` + 1–13 hex digits (13 digits keep the value below 2^52, exact in a double).
 */
export function parseQuantity(text: unknown): number {
  if (typeof text !== "string") return -1;
  const n = text.length;
  if (n < 3 || n > 15 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 32) !== 120) return -1;
  let v = 0;
  for (let i = 2; i < n; i++) {
    const d = hexDigit(text.charCodeAt(i));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Parses a JSON-RPC quantity of any size to a bigint, or `undefined` when it is not `0x` + hex digits. */
export function parseQuantityBig(text: unknown): bigint | undefined {
  if (typeof text !== "string" || !/^0[xX][0-9a-fA-F]{1,64}$/.test(text)) return undefined;
  return BigInt(text);
}

/** True when the 64 hex digits at `text[start…]` are all `0` (the word is zero). Assumes they exist. */
export function isZeroWord(text: string, start: number): boolean {
  for (let i = start, end = start + WORD_HEX; i < end; i++) if (text.charCodeAt(i) !== 48) return false;
  return true;
}

/**
 * Writes the unsigned 256-bit word whose hex starts at `text[start]` into `out[off, off+width)`
 * little-endian. `Overflow` when the value needs more than `width` bytes; `BadHex` on a non-digit.
 */
export function writeUintWordLE(text: string, start: number, out: Uint8Array, off: number, width: number): HexStatus {
  if (start + WORD_HEX > text.length) return HexStatus.BadHex;
  const lead = start + WORD_HEX - 2 * width;
  for (let i = start; i < lead; i++) {
    const c = text.charCodeAt(i);
    if (c !== 48) return hexDigit(c) < 0 ? HexStatus.BadHex : HexStatus.Overflow;
  }
  let p = start + WORD_HEX - 2;
  for (let k = 0; k < width; k++, p -= 2) {
    const hi = hexDigit(text.charCodeAt(p));
    const lo = hexDigit(text.charCodeAt(p + 1));
    if ((hi | lo) < 0) return HexStatus.BadHex;
    out[off + k] = (hi << 4) | lo;
  }
  return HexStatus.Ok;
}

/**
 * Reads the signed (two's-complement) int256 word at `text[start]` and writes its absolute value as a
 * 16-byte little-endian u128 at `out[off]`. Returns 1 for a positive value, 0 for zero, -1 for a
 * negative one, or a negated {@link HexStatus} (−10 − status) when the text is bad or |value| ≥ 2^128.
 */
export function writeInt256AbsLE(text: string, start: number, out: Uint8Array, off: number): number {
  if (start + WORD_HEX > text.length) return -10 - HexStatus.BadHex;
  const top = hexDigit(text.charCodeAt(start));
  if (top < 0) return -10 - HexStatus.BadHex;
  if (top < 8) {
    const s = writeUintWordLE(text, start, out, off, 16);
    if (s !== HexStatus.Ok) return -10 - s;
    for (let k = 0; k < 16; k++) if (out[off + k] !== 0) return 1;
    return 0;
  }
  // Negative: the upper 16 bytes must be all ff (value ≥ −2^128); |x| = ~low + 1 over the low 16 bytes.
  const lead = start + WORD_HEX - 32;
  for (let i = start; i < lead; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c !== 102) return hexDigit(c) < 0 ? -10 - HexStatus.BadHex : -10 - HexStatus.Overflow;
  }
  let carry = 1;
  let p = start + WORD_HEX - 2;
  for (let k = 0; k < 16; k++, p -= 2) {
    const hi = hexDigit(text.charCodeAt(p));
    const lo = hexDigit(text.charCodeAt(p + 1));
    if ((hi | lo) < 0) return -10 - HexStatus.BadHex;
    const v = (~((hi << 4) | lo) & 0xff) + carry;
    out[off + k] = v & 0xff;
    carry = v >>> 8;
  }
  // A carry out of the top byte means the low bytes were all zero: the value is −2^128, too large.
  return carry === 0 ? -1 : -10 - HexStatus.Overflow;
}

/**
 * Reads a sign-extended int24 word (a V3 tick) at `text[start]`. Returns the value, or `NaN` when the
 * text is bad or the word is not a correctly sign-extended int24.
 */
export function readInt24Word(text: string, start: number): number {
  if (start + WORD_HEX > text.length) return NaN;
  const tail = start + WORD_HEX - 8;
  let v = 0;
  for (let i = tail; i < tail + 8; i++) {
    const d = hexDigit(text.charCodeAt(i));
    if (d < 0) return NaN;
    v = v * 16 + d;
  }
  v |= 0; // the last 4 bytes as int32
  if (v < -0x800000 || v > 0x7fffff) return NaN;
  const fill = v < 0 ? 102 : 48;
  for (let i = start; i < tail; i++) if ((text.charCodeAt(i) | 32) !== fill) return NaN;
  return v;
}

/**
 * Writes the address held in the low 20 bytes of the 32-byte word at `text[start]` (an indexed address
 * topic or an address argument) into `out[off, off+20)`. `Overflow` when the upper 12 bytes are not zero.
 */
export function writeAddressWord(text: string, start: number, out: Uint8Array, off: number): HexStatus {
  if (start + WORD_HEX > text.length) return HexStatus.BadHex;
  for (let i = start; i < start + 24; i++) {
    const c = text.charCodeAt(i);
    if (c !== 48) return hexDigit(c) < 0 ? HexStatus.BadHex : HexStatus.Overflow;
  }
  return writeHexBytes(text, start + 24, out, off, 20);
}

/** Copies `count` bytes given as hex at `text[start…]` into `out[off…]` in order (big-endian as written). */
export function writeHexBytes(text: string, start: number, out: Uint8Array, off: number, count: number): HexStatus {
  if (start + 2 * count > text.length) return HexStatus.BadHex;
  for (let k = 0, p = start; k < count; k++, p += 2) {
    const hi = hexDigit(text.charCodeAt(p));
    const lo = hexDigit(text.charCodeAt(p + 1));
    if ((hi | lo) < 0) return HexStatus.BadHex;
    out[off + k] = (hi << 4) | lo;
  }
  return HexStatus.Ok;
}

/**
 * Writes a `0x`-prefixed 20-byte address string (any case) into `out[off, off+20)`.
 * `BadHex` unless the text is exactly `0x` + 40 hex digits.
 */
export function writeAddressText(text: string, out: Uint8Array, off: number): HexStatus {
  if (text.length !== 42 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 32) !== 120) return HexStatus.BadHex;
  return writeHexBytes(text, 2, out, off, 20);
}

/** True when `text` is `0x` followed by exactly `2 × bytes` hex digits. */
export function isHexData(text: unknown, bytes: number): text is string {
  if (typeof text !== "string" || text.length !== 2 + 2 * bytes) return false;
  if (text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 32) !== 120) return false;
  for (let i = 2; i < text.length; i++) if (hexDigit(text.charCodeAt(i)) < 0) return false;
  return true;
}
