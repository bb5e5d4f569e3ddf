/**
 * Byte-array helpers with the names and behaviour of Deno std `@std/bytes` (`concat`, `equals`,
 * `indexOfNeedle`). `@std/bytes` lives on JSR only, which this project's registries do not reach, and
 * `protocol/` must import nothing outside itself, so these small copies of the API live here.
 *
 * @example
 * ```ts
 * concat([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * equals(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 * indexOfNeedle(new Uint8Array([9, 1, 2]), new Uint8Array([1, 2])); // 1
 * ```
 * @module
 */

/** Concatenates byte arrays into a new array. */
export function concat(buffers: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const b of buffers) length += b.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** True when both arrays hold the same bytes. */
export function equals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Index of the first occurrence of `needle` in `source` at or after `start` (negative counts from the
 * end), or -1. As in `@std/bytes`, an empty needle is never found (-1).
 */
export function indexOfNeedle(source: Uint8Array, needle: Uint8Array, start = 0): number {
  if (start < 0) start = Math.max(0, source.length + start);
  if (needle.length === 0) return -1;
  const first = needle[0]!;
  const last = source.length - needle.length;
  outer: for (let i = start; i <= last; i++) {
    if (source[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (source[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
