/**
 * Loads a YAML config: environment substitution, YAML parse (the `yaml` package), then validation
 * against a valibot schema. An empty document is refused, and so is any key the schema does not know
 * (named with its path and the nearest known key: unknown-keys.ts). Any failure is a
 * {@link ConfigError} that names the file, the path inside the document and the reason, raised before
 * anything starts.
 *
 * @example
 * ```ts
 * const config = await loadConfigFile("config/default.yaml", AppConfigSchema, process.env);
 * ```
 * @module
 */

import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { MissingEnvError, substituteEnv } from "./env.ts";
import { describeUnknownKey, findUnknownKey } from "./unknown-keys.ts";

/** A config that cannot be used: `path` is the dotted location inside the document (`relays.market-data.queueBytes`). */
export class ConfigError extends Error {
  /** The config file (or `<inline>`). */
  readonly file: string;
  /** Dotted path inside the document, empty for whole-file problems. */
  readonly path: string;
  /** @param file source @param path location @param reason why */
  constructor(file: string, path: string, reason: string) {
    super(`${file}${path ? ` at ${path}` : ""}: ${reason}`);
    this.name = "ConfigError";
    this.file = file;
    this.path = path;
  }
}

/** Formats a valibot issue path as `a.b[2].c`. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = "";
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Parses and validates config text. */
export function parseConfig<S extends v.GenericSchema>(
  text: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  file = "<inline>",
): v.InferOutput<S> {
  let substituted: string;
  try {
    substituted = substituteEnv(text, env);
  } catch (e) {
    if (e instanceof MissingEnvError) throw new ConfigError(file, "", e.message);
    throw e;
  }
  const doc = parseDocument(substituted, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = substituted.slice(0, err.pos[0]).split("\n").length;
    throw new ConfigError(file, "", `YAML line ${line}: ${err.message.split("\n")[0]}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) throw new ConfigError(file, "", "the config is empty (no settings, no services); nothing to start");
  const unknown = findUnknownKey(schema, data);
  if (unknown) throw new ConfigError(file, unknown.path, describeUnknownKey(unknown));
  const result = v.safeParse(schema, data);
  if (!result.success) {
    const issue = result.issues[0];
    throw new ConfigError(file, issuePath(issue), issue.message);
  }
  return result.output;
}

/** Reads, substitutes, parses and validates a config file. */
export async function loadConfigFile<S extends v.GenericSchema>(
  file: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Promise<v.InferOutput<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, "", `cannot read: ${(e as Error).message}`);
  }
  return parseConfig(text, schema, env, file);
}
