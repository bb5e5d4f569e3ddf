/**
 * A pull scanner over JSON text that reads fields in place — the adapters' hot-path parser.
 *
 * Why not `JSON.parse`: it turns Kraken's unquoted prices into floats (0.036 → 0.035999…), it builds
 * an object per frame only to read five fields of it, and on the test machine it alone costs more
 * than the whole 2 µs budget of a trade frame. The cursor walks the frame once and exposes each value
 * as a span `[start, stop)` of the original text, so numbers keep their exact digits and nothing is
 * allocated unless a string is asked for.
 *
 * It checks the structure it walks (quotes, colons, brackets, value syntax) and throws
 * {@link FrameError} on malformed text; commas between members are accepted but not required.
 *
 * @example
 * ```ts
 * const c = new JsonCursor().reset('{"price":105944.20,"qty":"0.036"}');
 * c.enterObject();
 * while (c.nextKey()) {
 *   if (c.keyIs("price")) { c.decimal(); c.span(); } // "105944.20", exactly as sent
 *   else c.skipValue();
 * }
 * ```
 * @module
 */

/** Malformed venue text: what was expected and the character offset where it was not found. */
export class FrameError extends Error {
  /** Offset in the frame text. */
  readonly offset: number;

  /** @param message what was expected @param offset where */
  constructor(message: string, offset: number) {
    super(`malformed frame: ${message} at offset ${offset}`);
    this.name = "FrameError";
    this.offset = offset;
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/** In-place JSON scanner; reuse one instance per adapter via {@link reset}. */
export class JsonCursor {
  /** The text being scanned. */
  text = "";
  /** Current offset. */
  pos = 0;
  /** Start of the last key read by {@link nextKey} (inside the quotes). */
  keyStart = 0;
  /** End of the last key. */
  keyStop = 0;
  /** Start of the last value span (string contents without quotes, or number text). */
  start = 0;
  /** End of the last value span. */
  stop = 0;
  /** True when the last string span contains escapes (use {@link string} to decode it). */
  escaped = false;
  /** First backslash at or after {@link backslashFrom} (-1: none): lets string scans skip escapes natively. */
  private backslash = -1;
  private backslashFrom = 0;

  /** Starts scanning `text` from offset 0. */
  reset(text: string): this {
    this.text = text;
    this.pos = 0;
    this.backslash = text.indexOf("\\");
    this.backslashFrom = 0;
    return this;
  }

  /** Error for the current position. */
  fail(what: string): FrameError {
    return new FrameError(what, this.pos);
  }

  private ws(): number {
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++p);
    this.pos = p;
    return c; // NaN at end of text
  }

  /** The next significant character code (NaN at end), without consuming it. */
  peek(): number {
    return this.ws();
  }

  /** True when the next value is `null` (consumed if so). */
  isNull(): boolean {
    if (this.ws() === 110 && this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return true;
    }
    return false;
  }

  /** Consumes `{`. */
  enterObject(): void {
    if (this.ws() !== LBRACE) throw this.fail("expected '{'");
    this.pos++;
  }

  /** Consumes `[`. */
  enterArray(): void {
    if (this.ws() !== LBRACKET) throw this.fail("expected '['");
    this.pos++;
  }

  /**
   * Reads the next member key of the current object and its colon; the cursor then sits on the value,
   * which the caller must read or {@link skipValue}. Returns false (consuming `}`) at the end.
   */
  nextKey(): boolean {
    let c = this.ws();
    if (c === COMMA) {
      this.pos++;
      c = this.ws();
    }
    if (c === RBRACE) {
      this.pos++;
      return false;
    }
    if (c !== QUOTE) throw this.fail("expected a key or '}'");
    this.scanString();
    this.keyStart = this.start;
    this.keyStop = this.stop;
    if (this.ws() !== COLON) throw this.fail("expected ':'");
    this.pos++;
    return true;
  }

  /** True when the last key equals `name` (compared in place). */
  keyIs(name: string): boolean {
    return this.keyStop - this.keyStart === name.length && this.text.startsWith(name, this.keyStart);
  }

  /** The last key as a string. */
  key(): string {
    return this.text.slice(this.keyStart, this.keyStop);
  }

  /** Moves to the next array element; false (consuming `]`) at the end. */
  nextItem(): boolean {
    let c = this.ws();
    if (c === COMMA) {
      this.pos++;
      c = this.ws();
    }
    if (c === RBRACKET) {
      this.pos++;
      return false;
    }
    if (c !== c) throw this.fail("unexpected end of text in array");
    return true;
  }

  private scanString(): void {
    const t = this.text;
    const begin = this.pos + 1;
    // Fast path: the closing quote found natively, and no backslash before it (venue strings rarely
    // hold escapes). Control characters are not checked on this path.
    const q = t.indexOf('"', begin);
    if (q < 0) {
      this.pos = t.length;
      throw this.fail("unterminated string");
    }
    let bs = this.backslash;
    if (begin < this.backslashFrom || (bs >= 0 && bs < begin)) {
      bs = this.backslash = t.indexOf("\\", begin);
      this.backslashFrom = begin;
    }
    if (bs < 0 || bs > q) {
      this.start = begin;
      this.stop = q;
      this.escaped = false;
      this.pos = q + 1;
      return;
    }
    let p = begin;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        p += 2;
        continue;
      }
      if (c !== c) {
        this.pos = p;
        throw this.fail("unterminated string");
      }
      if (c < 32) {
        this.pos = p;
        throw this.fail("control character in string");
      }
      p++;
    }
    this.start = begin;
    this.stop = p;
    this.escaped = true;
    this.pos = p + 1;
  }

  /** Reads a string value and sets the span to its contents (escapes not decoded; see {@link escaped}). */
  stringSpan(): void {
    if (this.ws() !== QUOTE) throw this.fail("expected a string");
    this.scanString();
  }

  /** Reads a string value and returns it decoded. */
  string(): string {
    this.stringSpan();
    if (!this.escaped) return this.text.slice(this.start, this.stop);
    try {
      return JSON.parse(this.text.slice(this.start - 1, this.stop + 1)) as string;
    } catch {
      throw new FrameError("bad escape in string", this.start);
    }
  }

  /** Reads a JSON number and sets the span to its exact text. */
  numberSpan(): void {
    const t = this.text;
    const c0 = this.ws();
    let p = this.pos;
    if (!((c0 >= 48 && c0 <= 57) || c0 === 45)) throw this.fail("expected a number");
    const begin = p;
    while (isNumberChar(t.charCodeAt(p))) p++;
    this.start = begin;
    this.stop = p;
    this.pos = p;
  }

  /**
   * Reads a decimal given either as a JSON number (Kraken v2) or a quoted string (Coinbase, Binance)
   * and sets the span to its digits, exactly as sent.
   */
  decimal(): void {
    if (this.ws() === QUOTE) {
      this.scanString();
      if (this.escaped) throw new FrameError("escape inside a decimal string", this.start);
    } else {
      this.numberSpan();
    }
  }

  /** The last value span as a string. */
  span(): string {
    return this.text.slice(this.start, this.stop);
  }

  /**
   * Reads a non-negative integer given as a number or a string, as a JS number; throws when it is not
   * an integer or exceeds 2^53 − 1 (use {@link bigint} for larger).
   */
  int(): number {
    this.decimal();
    const t = this.text;
    let v = 0;
    if (this.stop === this.start || this.stop - this.start > 15) return this.intSlow();
    for (let p = this.start; p < this.stop; p++) {
      const d = t.charCodeAt(p) - 48;
      if (d < 0 || d > 9) return this.intSlow();
      v = v * 10 + d;
    }
    return v;
  }

  private intSlow(): number {
    const s = this.span();
    if (!/^-?\d+$/.test(s)) throw new FrameError(`${JSON.stringify(s)} is not an integer`, this.start);
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new FrameError(`${s} exceeds 2^53`, this.start);
    return n;
  }

  /** Reads an integer given as a number or a string, as a bigint. */
  bigint(): bigint {
    this.decimal();
    const s = this.span();
    if (!/^-?\d+$/.test(s)) throw new FrameError(`${JSON.stringify(s)} is not an integer`, this.start);
    return BigInt(s);
  }

  /** Reads `true` or `false`. */
  bool(): boolean {
    const t = this.text;
    if (this.ws() === 116 && t.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (t.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    throw this.fail("expected true or false");
  }

  /** Skips one value of any kind (nested objects and arrays included), checking its brackets. */
  skipValue(): void {
    const c = this.ws();
    if (c === QUOTE) return this.scanString();
    if (c === LBRACE || c === LBRACKET) return this.skipNested();
    if ((c >= 48 && c <= 57) || c === 45) return this.numberSpan();
    const t = this.text;
    if (t.startsWith("true", this.pos) || t.startsWith("null", this.pos)) {
      this.pos += 4;
      return;
    }
    if (t.startsWith("false", this.pos)) {
      this.pos += 5;
      return;
    }
    throw this.fail("expected a value");
  }

  private skipNested(): void {
    const t = this.text;
    const stack: number[] = [];
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p;
        this.scanString();
        p = this.pos;
        continue;
      }
      if (c === LBRACE) stack.push(RBRACE);
      else if (c === LBRACKET) stack.push(RBRACKET);
      else if (c === RBRACE || c === RBRACKET) {
        if (stack.pop() !== c) {
          this.pos = p;
          throw this.fail("mismatched bracket");
        }
        if (stack.length === 0) {
          this.pos = p + 1;
          return;
        }
      } else if (c !== c) {
        this.pos = p;
        throw this.fail("unexpected end of text");
      }
      p++;
    }
  }

  /** Throws unless only whitespace is left. */
  end(): void {
    this.ws();
    if (this.pos < this.text.length) throw this.fail("trailing characters");
  }
}

/** A JSON value with every number kept as its exact source text (see {@link parseJsonExact}). */
export type ExactJson = string | boolean | null | ExactJson[] | { [key: string]: ExactJson };

/**
 * Parses a whole JSON text into plain values, keeping every number as its source text (so `105944.20`
 * becomes `"105944.20"`, never a float). For cold paths (REST bodies, control frames, tests); the hot
 * path reads fields in place with {@link JsonCursor}.
 */
export function parseJsonExact(text: string): ExactJson {
  const c = new JsonCursor().reset(text);
  const v = readExact(c, 0);
  c.end();
  return v;
}

function readExact(c: JsonCursor, depth: number): ExactJson {
  if (depth > 256) throw c.fail("nesting deeper than 256");
  const ch = c.peek();
  if (ch === LBRACE) {
    c.enterObject();
    const o: { [key: string]: ExactJson } = {};
    while (c.nextKey()) {
      const k = c.escaped ? (JSON.parse(`"${c.key()}"`) as string) : c.key();
      // An own property even for "__proto__", as JSON.parse does: a venue frame must not set a prototype.
      Object.defineProperty(o, k, { value: readExact(c, depth + 1), writable: true, enumerable: true, configurable: true });
    }
    return o;
  }
  if (ch === LBRACKET) {
    c.enterArray();
    const a: ExactJson[] = [];
    while (c.nextItem()) a.push(readExact(c, depth + 1));
    return a;
  }
  if (ch === QUOTE) return c.string();
  if (c.isNull()) return null;
  if (ch === 116 || ch === 102) return c.bool();
  c.numberSpan();
  const s = c.span();
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) throw new FrameError(`${JSON.stringify(s)} is not a JSON number`, c.start);
  return s;
}
