/**
 * The fast path of trade frames: recognises a compact JSON object written in the exact key order a
 * venue uses, and notes each value's span, without walking the text key by key in JavaScript.
 *
 * Why: a venue writes its trade frames with one serializer, so every frame has the same keys in the
 * same order and no whitespace (`{"type":"match","trade_id":865127782,"maker_order_id":"…",…}`).
 * Checking that layout is one native regular-expression test (no allocation, about a tenth of
 * `JSON.parse` on the test machine); once it passed, each value's end is one native `indexOf`. The
 * general {@link JsonCursor} walk reads every character in JavaScript, which alone costs more than
 * `JSON.parse`.
 *
 * Anything else — another key order, an extra or missing key, whitespace, an escape (`\`) anywhere in a
 * string, a nested value, a quoted number where a bare one was expected — fails the test, and the
 * adapter takes its general path: an unexpected layout is slower, never misread. Values are not
 * interpreted here; the adapter reads the spans with the code its general path uses (DecimalReader,
 * VenueTime, {@link intAt}), so both paths give the same result by construction (property-tested).
 *
 * @example
 * ```ts
 * const shape = new FrameShape([["price", "string", 0], ["qty", "number", 1]]);
 * const frame = new RegExp(`^${shape.pattern}$`);
 * const text = '{"price":"0.036","qty":5}';
 * const starts = new Int32Array(2), stops = new Int32Array(2);
 * if (frame.test(text)) shape.spans(text, 0, starts, stops); // 25; price at [10, 15), qty at [23, 24)
 * ```
 * @module
 */

import { FrameError } from "./json-cursor.ts";

/** How a field's value is written: a JSON string, a bare JSON number, or `true`/`false`. */
export type ShapeValue = "string" | "number" | "bool";

/** One member of a shape: key, value form, and the slot its span goes to (−1: not kept). */
export type ShapeField = readonly [key: string, value: ShapeValue, slot: number];

const K_STRING = 0;
const K_NUMBER = 1;
const K_BOOL = 2;

/**
 * Value patterns. A string holds no quote and no backslash (so its end is the next `"`); control
 * characters are let through as the cursor's own fast path does. A number is the cursor's number
 * span: a digit or `-`, then number characters (the next literal must be `,` or `}`, so the span is
 * the same greedy run the cursor takes).
 */
const VALUE_PATTERN: Record<ShapeValue, string> = {
  string: '"[^"\\\\]*"',
  number: "[-0-9][-+.eE0-9]*",
  bool: "(?:true|false)",
};

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** An expected object layout: {@link pattern} to recognise it, {@link spans} to locate its values. */
export class FrameShape {
  /** The keys in order (diagnostics). */
  readonly keys: readonly string[];
  /** Regular-expression source matching exactly one object of this shape (no anchors, no groups). */
  readonly pattern: string;
  private readonly skips: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly slots: Int32Array;

  /** @param fields the members in the order the venue writes them */
  constructor(fields: readonly ShapeField[]) {
    if (fields.length === 0) throw new RangeError("a frame shape needs at least one field");
    for (const [key] of fields) {
      if (/["\\\u0000-\u001f]/.test(key)) throw new RangeError(`shape key ${JSON.stringify(key)} would need escaping`);
    }
    this.keys = fields.map((f) => f[0]);
    const literal = (i: number): string => `${i === 0 ? "{" : ","}"${fields[i]![0]}":`;
    this.pattern = fields.map((f, i) => escapeRegExp(literal(i)) + VALUE_PATTERN[f[1]]).join("") + "\\}";
    this.skips = Int32Array.from(fields, (f, i) => literal(i).length + (f[1] === "string" ? 1 : 0));
    this.kinds = Uint8Array.from(fields, (f) => (f[1] === "string" ? K_STRING : f[1] === "number" ? K_NUMBER : K_BOOL));
    this.slots = Int32Array.from(fields, (f) => f[2]);
  }

  /**
   * Notes the value spans of the object at `at`, which MUST already be known to match {@link pattern}
   * (the caller's anchored test): `starts[slot]`/`stops[slot]` get string contents without quotes, or
   * the number / `true` / `false` text. Returns the offset after the object's `}`.
   */
  spans(text: string, at: number, starts: Int32Array, stops: Int32Array): number {
    const skips = this.skips;
    const kinds = this.kinds;
    const slots = this.slots;
    let p = at;
    for (let i = 0; i < skips.length; i++) {
      p += skips[i]!;
      const kind = kinds[i]!;
      let end: number;
      let next: number;
      if (kind === K_STRING) {
        end = text.indexOf('"', p);
        next = end + 1;
      } else if (kind === K_NUMBER) {
        // The number ends where the next member (",") or the object ("}") begins.
        const comma = i + 1 < skips.length ? text.indexOf(",", p) : -1;
        end = comma >= 0 ? comma : text.indexOf("}", p);
        next = end;
      } else {
        end = p + (text.charCodeAt(p) === 116 /* t */ ? 4 : 5);
        next = end;
      }
      const slot = slots[i]!;
      if (slot >= 0) {
        starts[slot] = p;
        stops[slot] = end;
      }
      p = next;
    }
    return p + 1;
  }
}

/**
 * The integer written in `text[start, stop)`, exactly as {@link JsonCursor.int} reads it (up to 15
 * plain digits on the fast loop; otherwise an optional `-` and digits within 2^53); throws
 * {@link FrameError} for anything else.
 */
export function intAt(text: string, start: number, stop: number): number {
  if (stop - start <= 15 && stop > start) {
    let v = 0;
    let p = start;
    for (; p < stop; p++) {
      const d = text.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (p === stop) return v;
  }
  const s = text.slice(start, stop);
  if (!/^-?\d+$/.test(s)) throw new FrameError(`${JSON.stringify(s)} is not an integer`, start);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new FrameError(`${s} exceeds 2^53`, start);
  return n;
}

/**
 * True when `text[start, stop)` is exactly `word`. A character loop: for the short words of a frame
 * (sides, types, symbols) it is several times cheaper than `startsWith` on V8.
 */
export function spanIs(text: string, start: number, stop: number, word: string): boolean {
  if (stop - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}
