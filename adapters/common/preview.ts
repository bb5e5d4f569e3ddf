/**
 * A short printable form of a value parsed from a venue's frame, for log and error texts. `JSON.stringify`
 * recurses natively: on a hostile frame (an array nested a few thousand deep — found by
 * `bench/fuzz-adapters.ts`) it throws a `RangeError` for the call stack, which must never escape an
 * adapter's frame handler. This never throws.
 *
 * @example
 * ```ts
 * previewJson({ number: "0x1" });          // '{"number":"0x1"}'
 * previewJson(deeplyNested);               // "(not printable: RangeError)"
 * ```
 * @module
 */

/** `value` as JSON cut to `maxChars` characters, or a placeholder naming why it cannot be printed. */
export function previewJson(value: unknown, maxChars = 120): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, maxChars);
  } catch (e) {
    return `(not printable: ${e instanceof Error ? e.name : "error"})`;
  }
}
