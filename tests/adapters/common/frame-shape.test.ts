/**
 * FrameShape, the trade fast path's layout check: whatever text its pattern accepts, the spans hold
 * exactly what a JSON parser reads there; the compact form of any object of the shape is accepted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameShape, intAt, spanIs, type ShapeValue } from "../../../adapters/common/frame-shape.ts";
import { JsonCursor } from "../../../adapters/common/json-cursor.ts";

const kinds: ShapeValue[] = ["string", "number", "bool"];
const field = fc.record({
  key: fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz_ABCZ09"), maxLength: 7 }).map((k) => `k${k}`), // not integer-like: JS orders those first
  kind: fc.constantFrom(...kinds),
  str: fc.string({ maxLength: 12 }),
  num: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  bool: fc.boolean(),
});
const value = (f: { kind: ShapeValue; str: string; num: number; bool: boolean }) => (f.kind === "string" ? f.str : f.kind === "number" ? f.num : f.bool);
const edit = fc.record({ at: fc.nat(), op: fc.constantFrom("keep", "delete", "insert", "replace"), c: fc.constantFrom(..."\"{},:0123456789.eE-+\\ tfa") });

describe("FrameShape", () => {
  it("accepts the compact form of its objects, and whatever it accepts is read exactly as JSON.parse reads it", () => {
    fc.assert(
      fc.property(fc.uniqueArray(field, { minLength: 1, maxLength: 8, selector: (f) => f.key }), fc.array(edit, { maxLength: 2 }), (fields, edits) => {
        const shape = new FrameShape(fields.map((f, i) => [f.key, f.kind, i] as const));
        const frame = new RegExp(`^${shape.pattern}$`);
        const compact = `{${fields.map((f) => `${JSON.stringify(f.key)}:${JSON.stringify(value(f))}`).join(",")}}`;
        if (!/\\/.test(compact)) expect(frame.test(compact)).toBe(true);
        let text = compact;
        for (const e of edits) {
          const i = e.at % (text.length + 1);
          if (e.op === "delete") text = text.slice(0, i) + text.slice(i + 1);
          else if (e.op === "insert") text = text.slice(0, i) + e.c + text.slice(i);
          else if (e.op === "replace") text = text.slice(0, i) + e.c + text.slice(i + 1);
        }
        if (!frame.test(text)) return;
        const starts = new Int32Array(fields.length);
        const stops = new Int32Array(fields.length);
        expect(shape.spans(text, 0, starts, stops)).toBe(text.length);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return; // accepted but not JSON (e.g. "1-2" as a number): the adapter's readers reject those spans
        }
        expect(Object.keys(parsed)).toEqual(fields.map((f) => f.key));
        fields.forEach((f, i) => {
          const raw = text.slice(starts[i]!, stops[i]!);
          if (f.kind === "string") expect(raw).toBe(parsed[f.key]);
          else if (f.kind === "number") {
            expect(Number(raw)).toBe(parsed[f.key]);
            // the span is the whole number token, as the general cursor takes it
            const c = new JsonCursor().reset(text);
            c.pos = starts[i]!;
            c.numberSpan();
            expect([c.start, c.stop]).toEqual([starts[i], stops[i]]);
          } else expect(raw === "true").toBe(parsed[f.key]);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("refuses keys that would need escaping", () => {
    expect(() => new FrameShape([['a"b', "string", 0]])).toThrow(RangeError);
    expect(() => new FrameShape([])).toThrow(RangeError);
  });

  it("intAt reads integers as JsonCursor.int does; spanIs compares a span exactly", () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat().map(String), fc.string({ unit: fc.constantFrom(..."0123456789-+.e"), maxLength: 20 })), (s) => {
        const c = new JsonCursor().reset(`"${s}"`);
        let want: number | string;
        try {
          want = c.int();
        } catch {
          want = "throws";
        }
        let got: number | string;
        try {
          got = intAt(s, 0, s.length);
        } catch {
          got = "throws";
        }
        expect(got).toBe(want);
      }),
    );
    expect(spanIs("xsellx", 1, 5, "sell")).toBe(true);
    expect(spanIs("xsellx", 1, 5, "sale")).toBe(false);
    expect(spanIs("xsellx", 1, 4, "sell")).toBe(false);
  });
});
