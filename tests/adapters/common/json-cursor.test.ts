import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameError, JsonCursor, parseJsonExact, type ExactJson } from "../../../adapters/common/json-cursor.ts";

function withNumbers(v: ExactJson): unknown {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(withNumbers);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withNumbers(x)]));
  return v;
}

describe("JsonCursor", () => {
  it("keeps JSON numbers as their exact text (Kraken prices never become floats)", () => {
    const c = new JsonCursor().reset('{"price": 105944.20, "qty":0.00100000, "tiny": 1e-9}');
    c.enterObject();
    const got: Record<string, string> = {};
    while (c.nextKey()) {
      c.decimal();
      got[c.key()] = c.span();
    }
    expect(got).toEqual({ price: "105944.20", qty: "0.00100000", tiny: "1e-9" });
  });

  it("walks nested values, strings with escapes and brackets inside strings", () => {
    const c = new JsonCursor().reset('{"a":{"x":[1,[2,{"y":"]}"}]]},"s":"q\\"\\u00e9","n":null,"t":true,"b":3}');
    c.enterObject();
    const keys: string[] = [];
    let s = "";
    let b = -1;
    while (c.nextKey()) {
      keys.push(c.key());
      if (c.keyIs("s")) s = c.string();
      else if (c.keyIs("b")) b = c.int();
      else c.skipValue();
    }
    c.end();
    expect(keys).toEqual(["a", "s", "n", "t", "b"]);
    expect(s).toBe('q"é');
    expect(b).toBe(3);
  });

  it("throws FrameError with an offset on malformed text", () => {
    for (const bad of ['{"a":1', '{"a" 1}', '{"a":[1,2}', '{"a":"x', "[", '{"a":tru}', '{"a":1} x']) {
      const c = new JsonCursor().reset(bad);
      let err: unknown;
      try {
        c.enterObject();
        while (c.nextKey()) c.skipValue();
        c.end();
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FrameError);
      expect((err as FrameError).offset).toBeGreaterThanOrEqual(0);
    }
  });

  it("parseJsonExact matches JSON.parse on any JSON, numbers as their text", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value);
      const exact = parseJsonExact(text);
      const reparsed = JSON.parse(JSON.stringify(withNumbers(exact)), (_k, v) => v);
      const viaNumbers = JSON.parse(text, (_k, v) => (typeof v === "number" ? JSON.stringify(v) : v));
      expect(reparsed).toEqual(viaNumbers);
    }), { numRuns: 500 });
  });

  it("reads integers as numbers or bigints, quoted or not", () => {
    const c = new JsonCursor().reset('[110614077300,"42","18446744073709551615"]');
    c.enterArray();
    c.nextItem();
    expect(c.int()).toBe(110_614_077_300);
    c.nextItem();
    expect(c.int()).toBe(42);
    c.nextItem();
    expect(c.bigint()).toBe(18_446_744_073_709_551_615n);
    expect(c.nextItem()).toBe(false);
  });
});

describe("parseJsonExact with hostile keys", () => {
  it("keeps __proto__ an own property and never touches the prototype", () => {
    const v = parseJsonExact('{"__proto__":{"polluted":"1"},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
