/**
 * Finds keys a config has that its valibot schema does not know — a typo like `maxPositon` would
 * otherwise be dropped silently by `v.object` (or reported by `v.strictObject` without a hint) — and
 * names the nearest known key by edit distance.
 *
 * The walk follows the schema's own structure (valibot schemas are plain objects: `entries` of
 * objects, `wrapped` of optional/nullable, `item` of arrays, `value` of records, `options` of unions and
 * variants; a `pipe` carries its root schema's fields), so every schema is checked as written — nothing
 * is listed twice. Loose objects, intersections and `unknown` values are not looked into.
 *
 * @example
 * ```ts
 * findUnknownKey(v.object({ maxPosition: v.string() }), { maxPositon: "5" });
 * // { path: "maxPositon", key: "maxPositon", known: ["maxPosition"], suggestion: "maxPosition" }
 * ```
 * @module
 */

/** An unknown key and where it is. */
export interface UnknownKey {
  /** Dotted path of the key (`services[2].options.risk.limits.maxPositon`). */
  readonly path: string;
  /** The key itself. */
  readonly key: string;
  /** The keys allowed there. */
  readonly known: readonly string[];
  /** The nearest known key, when one is close enough to be a likely typo. */
  readonly suggestion: string | undefined;
}

interface SchemaNode {
  type?: string;
  entries?: Record<string, SchemaNode>;
  wrapped?: SchemaNode;
  item?: SchemaNode;
  items?: SchemaNode[];
  value?: SchemaNode;
  rest?: SchemaNode;
  options?: SchemaNode[];
  key?: string | SchemaNode;
  getter?: (input: unknown) => SchemaNode;
}

const WRAPPERS = new Set(["optional", "nullable", "nullish", "exact_optional", "undefinedable", "non_optional", "non_nullable", "non_nullish"]);

/** Edit distance (insertions, deletions, substitutions) between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known key nearest to `key`, if close enough to be a typo (case-insensitive equal, or distance ≤ max(2, length/3)). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** One line describing an unknown key: `unknown key "maxPositon" (did you mean "maxPosition"?)`. */
export function describeUnknownKey(u: UnknownKey): string {
  if (u.suggestion !== undefined) return `unknown key "${u.key}" (did you mean "${u.suggestion}"?)`;
  return u.known.length > 0 ? `unknown key "${u.key}" (known keys: ${u.known.join(", ")})` : `unknown key "${u.key}" (no keys are allowed here)`;
}

function join(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** The first key of `value` (depth first, in document order) that `schema` does not know, or `undefined`. */
export function findUnknownKey(schema: unknown, value: unknown, path = ""): UnknownKey | undefined {
  const s = schema as SchemaNode;
  if (typeof s !== "object" || s === null || value === undefined || value === null) return undefined;
  const type = s.type ?? "";
  if (WRAPPERS.has(type) && s.wrapped) return findUnknownKey(s.wrapped, value, path);
  if (type === "lazy" && s.getter) return findUnknownKey(s.getter(value), value, path);
  if ((type === "object" || type === "strict_object" || type === "object_with_rest") && s.entries && isRecord(value)) {
    const known = Object.keys(s.entries);
    for (const [k, v] of Object.entries(value)) {
      const entry = s.entries[k];
      if (entry === undefined) {
        if (type === "object_with_rest") {
          const found = findUnknownKey(s.rest, v, join(path, k));
          if (found) return found;
          continue;
        }
        return { path: join(path, k), key: k, known, suggestion: nearestKey(k, known) };
      }
      const found = findUnknownKey(entry, v, join(path, k));
      if (found) return found;
    }
    return undefined;
  }
  if (type === "array" && s.item && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnknownKey(s.item, value[i], join(path, i));
      if (found) return found;
    }
    return undefined;
  }
  if ((type === "tuple" || type === "strict_tuple") && s.items && Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, s.items.length); i++) {
      const found = findUnknownKey(s.items[i], value[i], join(path, i));
      if (found) return found;
    }
    return undefined;
  }
  if (type === "record" && s.value && isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      const found = findUnknownKey(s.value, v, join(path, k));
      if (found) return found;
    }
    return undefined;
  }
  if (type === "variant" && s.options && typeof s.key === "string" && isRecord(value)) {
    const discriminator = s.key;
    const option = s.options.find((o) => {
      const entry = o.entries?.[discriminator] as { literal?: unknown; options?: unknown[] } | undefined;
      const want = value[discriminator];
      return entry?.literal === want || (Array.isArray(entry?.options) && entry.options.includes(want));
    });
    return option ? findUnknownKey(option, value, path) : undefined;
  }
  if (type === "union" && s.options) {
    // Fine when one of the options knows every key.
    const found = s.options.map((o) => findUnknownKey(o, value, path));
    return found.every((f) => f !== undefined) ? found[0] : undefined;
  }
  return undefined;
}
