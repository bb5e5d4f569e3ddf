/**
 * Config files of strategies, the risk manager and the paper engine: YAML parsed with `yaml`, validated
 * with a valibot schema. A config that cannot be used is a {@link StrategyConfigError} naming the file,
 * the dotted path inside the document and the reason — raised before anything runs.
 *
 * Also the schema pieces every config shares: exact decimal text (never a float), EVM addresses,
 * u64/u128 integers as text, and non-negative integers.
 *
 * @example
 * ```ts
 * const cfg = await loadYamlConfig("arb.yaml", ArbitrageConfigSchema);
 * // invalid → StrategyConfigError: arb.yaml: minNetProfitUsd: "ten" is not a decimal number
 * ```
 * @module
 */

import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { parseDecimal } from "../protocol/mod.ts";

/** A config that cannot be used: `path` is the dotted location inside the document. */
export class StrategyConfigError extends Error {
  /** The config file, or `<inline>`. */
  readonly file: string;
  /** Dotted path of the offending value (`""` for the whole document). */
  readonly path: string;
  /** Why it was rejected. */
  readonly reason: string;
  /** @param file config file @param path dotted path @param reason what is wrong */
  constructor(file: string, path: string, reason: string) {
    super(`${file}: ${path === "" ? "" : `${path}: `}${reason}`);
    this.name = "StrategyConfigError";
    this.file = file;
    this.path = path;
    this.reason = reason;
  }
}

/** Any valibot schema. */
export type AnySchema = v.GenericSchema<unknown, unknown>;

/**
 * Validates `data` against `schema`; returns the typed output or throws {@link StrategyConfigError}
 * for the first issue (path + reason).
 */
export function parseConfig<S extends AnySchema>(schema: S, data: unknown, file = "<inline>"): v.InferOutput<S> {
  const result = v.safeParse(schema, data);
  if (result.success) return result.output as v.InferOutput<S>;
  const issue = result.issues[0];
  throw new StrategyConfigError(file, v.getDotPath(issue) ?? "", issue.message);
}

/** Reads and validates a YAML config file. Missing file, bad YAML and bad values are {@link StrategyConfigError}s. */
export async function loadYamlConfig<S extends AnySchema>(file: string, schema: S): Promise<v.InferOutput<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new StrategyConfigError(file, "", `cannot read: ${(e as Error).message}`);
  }
  return parseYamlConfig(text, schema, file);
}

/** Parses YAML text and validates it. An empty document validates as `{}`. */
export function parseYamlConfig<S extends AnySchema>(text: string, schema: S, file = "<inline>"): v.InferOutput<S> {
  const doc = parseDocument(text, { intAsBigInt: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new StrategyConfigError(file, "", `invalid YAML${line === undefined ? "" : ` at line ${line}`}: ${err.message.split("\n")[0]}`);
  }
  const data: unknown = doc.toJS() ?? {};
  return parseConfig(schema, data, file);
}

/** Issues of a failed validation as `path: reason` lines (for run-time limit updates). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`);
}

/** Decimal text or a plain number, kept as exact text (`"1.25"`). */
export const DecimalText = v.pipe(
  v.union([v.string(), v.number()]),
  v.transform((x) => String(x)),
  v.check((s) => {
    try {
      parseDecimal(s, 0, "decimal");
      return true;
    } catch {
      return false;
    }
  }, (issue) => `${JSON.stringify(issue.input)} is not a decimal number`),
);

/** Decimal text converted to an exact fixed-point `bigint` scaled by 10^8 (USD, prices). Rejects extra precision. */
export const Fixed8 = v.pipe(
  DecimalText,
  v.check((s) => {
    try {
      return !parseDecimal(s, 8).inexact;
    } catch {
      return false;
    }
  }, (issue) => `${JSON.stringify(issue.input)} has more than 8 decimals or does not fit i64`),
  v.transform((s) => parseDecimal(s, 8).value),
);

/** A non-negative 10^8 fixed-point value. */
export const NonNegativeFixed8 = v.pipe(Fixed8, v.check((x) => x >= 0n, "must not be negative"));

/** An EVM address, normalised to lowercase. */
export const Address = v.pipe(
  v.string(),
  v.regex(/^0x[0-9a-fA-F]{40}$/, (issue) => `${JSON.stringify(issue.input)} is not a 0x-prefixed 20-byte address`),
  v.transform((s) => s.toLowerCase()),
);

/** An unsigned integer given as a number or decimal digits, as `bigint` (u64/u128 amounts, wei). */
export const BigUint = v.pipe(
  v.union([v.string(), v.number()]),
  v.check((x) => (typeof x === "number" ? Number.isSafeInteger(x) && x >= 0 : /^\d+$/.test(x)), (issue) => `${JSON.stringify(issue.input)} is not a non-negative integer`),
  v.transform((x) => BigInt(x)),
);

/** A non-negative safe integer. */
export const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A positive safe integer. */
export const PositiveCount = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Basis points 0..10000. */
export const Bps = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000));

/** A u16 service/strategy id. */
export const U16 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff));
