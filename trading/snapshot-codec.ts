/**
 * Shared pieces of the state snapshots of the portfolio, the risk manager and the strategies: the typed
 * error a refused snapshot raises (naming the field), valibot schemas for bigints written as decimal
 * text and for instrument ids, and {@link parseSnapshot}, which validates a plain JSON value against a
 * versioned schema.
 *
 * Snapshots are plain JSON-safe objects (`JSON.stringify` works on them unchanged): every bigint is a
 * decimal string, every instrument `{ assetId: "<u64 decimal>", venue, assetType }`, and each carries
 * `kind` and `version` so an incompatible file is refused instead of misread.
 *
 * @example
 * ```ts
 * const snap = parseSnapshot(PortfolioSnapshotSchema, JSON.parse(text), "portfolio");
 * // throws SnapshotError { field: "positions[0].quantity", … } on a bad value
 * ```
 * @module
 */

import * as v from "valibot";
import type { InstrumentId } from "../protocol/mod.ts";
import type { InstrumentTable } from "./instrument-table.ts";

/** A snapshot that cannot be restored: wrong kind or version, or a field with a bad value. */
export class SnapshotError extends Error {
  /** Which snapshot (`portfolio`, `risk`, `momentum`, …). */
  readonly snapshot: string;
  /** Path of the offending field (`positions[2].quantity`), or `""` for the whole value. */
  readonly field: string;
  /** Why it was refused. */
  readonly reason: string;
  /** @param snapshot which snapshot @param field path of the field @param reason why */
  constructor(snapshot: string, field: string, reason: string) {
    super(`${snapshot} snapshot refused: ${field === "" ? "" : `${field}: `}${reason}`);
    this.name = "SnapshotError";
    this.snapshot = snapshot;
    this.field = field;
    this.reason = reason;
  }
}

/** A signed integer written as decimal text, read as a bigint. */
export const BigIntText = v.pipe(v.string(), v.regex(/^-?(0|[1-9]\d*)$/, "must be an integer in decimal text"), v.transform((s) => BigInt(s)));

/** A u64 written as decimal text, read as a bigint. */
export const U64Text = v.pipe(
  v.string(),
  v.regex(/^(0|[1-9]\d*)$/, "must be an unsigned integer in decimal text"),
  v.transform((s) => BigInt(s)),
  v.check((x) => x < 1n << 64n, "must fit in 64 bits"),
);

const U64_RE = /^(0|[1-9]\d{0,19})$/;
const INT_RE = /^-?(0|[1-9]\d*)$/;
const U64_LIMIT = 1n << 64n;

/**
 * A list of `["<u64 decimal>", "<integer decimal>"]` pairs (id → price tables with up to ~10⁵ rows),
 * read as `[bigint, bigint]` by one hand-written loop: per-element schemas cost ~4× more here. A bad
 * row is reported with its index (`[12]: …`).
 */
export const U64IntPairs = v.pipe(
  v.array(v.unknown()),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const rows = dataset.value;
    const out: [bigint, bigint][] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const ok = Array.isArray(row) && row.length === 2 && typeof row[0] === "string" && U64_RE.test(row[0]) && typeof row[1] === "string" && INT_RE.test(row[1]);
      const key = ok ? BigInt(row[0] as string) : 0n;
      if (!ok || key >= U64_LIMIT) {
        addIssue({ message: `[${i}]: must be ["<u64 decimal>", "<integer decimal>"]` });
        return NEVER;
      }
      out[i] = [key, BigInt(row[1] as string)];
    }
    return out;
  }),
);

/** A non-negative integer count. */
export const CountNumber = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A finite number (JSON has no NaN or ±Infinity). */
export const FiniteNumber = v.pipe(v.number(), v.finite());

/** An instrument id in a snapshot. */
export const InstrumentJsonSchema = v.strictObject({
  assetId: U64Text,
  venue: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff)),
  assetType: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xff)),
});

/** The JSON form of an instrument id. */
export interface InstrumentJson {
  assetId: string;
  venue: number;
  assetType: number;
}

/** An instrument id in its snapshot form. */
export function instrumentJson(id: InstrumentId): InstrumentJson {
  return { assetId: id.assetId.toString(), venue: id.venue, assetType: id.assetType };
}

/** Every instrument of a table, in slot order. */
export function instrumentList(table: InstrumentTable): InstrumentJson[] {
  const out: InstrumentJson[] = [];
  for (let s = 0; s < table.size; s++) out.push(instrumentJson(table.instrument(s)));
  return out;
}

/** Path of a valibot issue as `a.b[2].c`. */
function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = "";
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates `value` against a snapshot schema whose `kind` and `version` are literals. A wrong kind or
 * version is reported as such (not as a field error); any other issue names its field.
 */
export function parseSnapshot<S extends v.GenericSchema>(schema: S, value: unknown, kind: string, version: number): v.InferOutput<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SnapshotError(kind, "", "not an object");
  const o = value as { kind?: unknown; version?: unknown };
  if (o.kind !== kind) throw new SnapshotError(kind, "kind", `is ${JSON.stringify(o.kind)}, expected "${kind}"`);
  if (o.version !== version) throw new SnapshotError(kind, "version", `is ${JSON.stringify(o.version)}, this build reads version ${version}`);
  const r = v.safeParse(schema, value);
  if (!r.success) {
    const issue = r.issues[0];
    throw new SnapshotError(kind, issuePath(issue), issue.message);
  }
  return r.output;
}
