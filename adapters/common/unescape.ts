/**
 * JSON text with its string escapes written out, so the adapters' span readers (which compare and
 * slice the raw text) see what a JSON parser would: `"BTC\/USD"` and `"BTC/USD"` name the same
 * symbol, and a key written `"pr\u0069ce"` is the key `price`.
 *
 * Venues almost never escape (a frame with a backslash is a cold path), but a serializer that escapes
 * `/` or non-ASCII characters is legal JSON, and reading such a frame must not silently miss a field.
 * A string whose decoded form would itself need escaping (a quote, a backslash or a control character)
 * is left as it was: no venue field of interest can hold those, and the general path then treats it as
 * an unknown value, never as another one.
 *
 * @example
 * ```ts
 * unescapeJson('{"symbol":"BTC\\/USD"}'); // '{"symbol":"BTC/USD"}'
 * unescapeJson('{"a":1}');                // the same string, not a copy
 * ```
 * @module
 */

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * `text` with every escaped string (key or value) replaced by its decoded form where that form needs
 * no escape; `text` itself when it holds no backslash. Malformed strings are left untouched (the
 * caller's parser reports them).
 */
export function unescapeJson(text: string): string {
  let bs = text.indexOf("\\");
  if (bs < 0) return text;
  let out = "";
  let copied = 0;
  let p = 0;
  for (;;) {
    const open = text.indexOf('"', p);
    if (open < 0) break;
    // Find the closing quote, stepping over escapes.
    let q = open + 1;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(q);
      if (c !== c) return copied === 0 ? text : out + text.slice(copied); // unterminated: leave it
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        q += 2;
        continue;
      }
      q++;
    }
    if (escaped) {
      let decoded: string | undefined;
      try {
        decoded = JSON.parse(text.slice(open, q + 1)) as string;
      } catch {
        decoded = undefined;
      }
      if (decoded !== undefined && !NEEDS_ESCAPE.test(decoded)) {
        out += text.slice(copied, open + 1) + decoded + '"';
        copied = q + 1;
      }
    }
    p = q + 1;
    if (bs < p) {
      bs = text.indexOf("\\", p);
      if (bs < 0) break;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
