/**
 * Finds every object of a JSON text and the exact span of each of its values, without building values,
 * so a caller can rewrite a few fields in place and leave every other byte as the venue wrote it (a
 * Kraken book's checksum is computed over the original number text; a parse and re-serialise would
 * change `105944.0` into `105944`). Used by the replay pass shifters (`pass-shift.ts`).
 *
 * @example
 * ```ts
 * const objects = scanJsonObjects('{"s":"BTCUSDT","t":7}');
 * const t = fieldOf(objects![0]!, "t")!; // { key: "t", start: 19, end: 20, first: 55 }
 * applyEdits('{"s":"BTCUSDT","t":7}', [{ start: t.start, end: t.end, text: "8" }]); // '{"s":"BTCUSDT","t":8}'
 * ```
 * @module
 */

/** One `key: value` of an object: the value is `text.slice(start, end)`. */
export interface JsonField {
  /** The key as written (escapes not decoded; venue keys have none). */
  readonly key: string;
  /** Start of the value. */
  readonly start: number;
  /** End of the value (exclusive). */
  readonly end: number;
  /** Char code of the value's first character: `"` string, `{` object, `[` array, digit/`-` number, else a literal. */
  readonly first: number;
}

/** One object of the text. */
export interface JsonObjectSpans {
  /** Its fields in order. */
  readonly fields: JsonField[];
  /** Index of the enclosing object in the scan result (through arrays too), or -1 at the top. */
  readonly parent: number;
  /** The key under which it sits in that enclosing object (through arrays), or "" at the top. */
  readonly parentKey: string;
}

/** A replacement of `text[start, end)`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const MAX_DEPTH = 64;

class Scanner {
  pos = 0;
  readonly objects: JsonObjectSpans[] = [];
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  ws(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else return;
    }
  }

  expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) throw new SyntaxError(`expected ${String.fromCharCode(code)} at ${this.pos}`);
    this.pos++;
  }

  string(): void {
    const t = this.text;
    this.expect(34);
    for (;;) {
      const q = t.indexOf('"', this.pos);
      if (q < 0) throw new SyntaxError("unterminated string");
      let backslashes = 0;
      for (let i = q - 1; i >= this.pos && t.charCodeAt(i) === 92; i--) backslashes++;
      this.pos = q + 1;
      if (backslashes % 2 === 0) return;
    }
  }

  value(parent: number, key: string, depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxError("nested too deep");
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    if (c === 123) return this.object(parent, key, depth + 1);
    if (c === 91) return this.array(parent, key, depth + 1);
    if (c === 34) return this.string();
    const from = this.pos;
    const t = this.text;
    for (;;) {
      const d = t.charCodeAt(this.pos);
      if (Number.isNaN(d) || d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 10 || d === 13) break;
      this.pos++;
    }
    if (this.pos === from) throw new SyntaxError(`value expected at ${from}`);
  }

  object(parent: number, key: string, depth: number): void {
    const fields: JsonField[] = [];
    const index = this.objects.push({ fields, parent, parentKey: key }) - 1;
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const ks = this.pos + 1;
      this.string();
      const k = this.text.slice(ks, this.pos - 1);
      this.ws();
      this.expect(58);
      this.ws();
      const start = this.pos;
      this.value(index, k, depth);
      fields.push({ key: k, start, end: this.pos, first: this.text.charCodeAt(start) });
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 125) return;
      if (c !== 44) throw new SyntaxError(`expected , or } at ${this.pos - 1}`);
    }
  }

  array(parent: number, key: string, depth: number): void {
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(parent, key, depth);
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 93) return;
      if (c !== 44) throw new SyntaxError(`expected , or ] at ${this.pos - 1}`);
    }
  }
}

/**
 * Every object of `text` in document order (an object comes before those inside it), or `undefined`
 * when the text is not one well-formed JSON value.
 */
export function scanJsonObjects(text: string): JsonObjectSpans[] | undefined {
  const s = new Scanner(text);
  try {
    s.value(-1, "", 0);
    s.ws();
    if (s.pos !== text.length) return undefined;
  } catch {
    return undefined;
  }
  return s.objects;
}

/** The field `key` of `obj`, or `undefined`. */
export function fieldOf(obj: JsonObjectSpans, key: string): JsonField | undefined {
  for (const f of obj.fields) if (f.key === key) return f;
  return undefined;
}

/** The value of a string field without escapes, or `undefined` (absent, not a string, or escaped). */
export function stringValue(text: string, f: JsonField | undefined): string | undefined {
  if (f === undefined || f.first !== 34) return undefined;
  const v = text.slice(f.start + 1, f.end - 1);
  return v.includes("\\") ? undefined : v;
}

/** The value of a field written as a non-negative decimal integer below 2^53, or `undefined`. */
export function intValue(text: string, f: JsonField | undefined): number | undefined {
  if (f === undefined || f.first < 48 || f.first > 57) return undefined;
  const s = text.slice(f.start, f.end);
  if (!/^\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}

/** Applies non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
