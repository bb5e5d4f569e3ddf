/**
 * Loads a strategy from the user's own module (`module: ./my-strategy.ts` in a config, or a package
 * name) and checks every part of it before anything runs: the file exists, it imports, its default
 * export is a {@link StrategyDefinition} (name, `create`, optional Standard Schema `configSchema`),
 * the config passes that schema, and `create` returns a {@link TradingStrategy}. Anything wrong is a
 * {@link StrategyModuleError} naming the module's file, the kind of problem and what exactly is wrong.
 *
 * Paths: `./x.ts`, `../x.js`, `/abs/x.mjs` and `file:` URLs are files, resolved against `baseDir` (the
 * folder of the config that names them); anything else is a package name, imported as this runtime
 * imports its own dependencies (Node: the nearest `node_modules`; Deno: also `npm:` and `jsr:`
 * specifiers). TypeScript modules load natively on Deno and under tsx on Node (how `ap` runs from the
 * sources); on plain Node (the built `ap`) a `.ts` module is handed to tsx's `tsImport` when tsx is
 * installed, else the error says to install it or compile the module.
 *
 * @example
 * ```ts
 * const loaded = await loadStrategyModule("./my-strategy.ts", "config");
 * const config = await strategyModuleConfig(loaded, { threshold: 5 }, "config/demo.yaml");
 * const strategy = await createModuleStrategy(loaded, config, { source: 22, configDir: "config", configFile: "config/demo.yaml" });
 * ```
 * @module
 */

import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ConfigSchema, StrategyContext, StrategyDefinition, TradingStrategy } from "./contract.ts";

/** What is wrong with a strategy module. */
export const StrategyModuleProblem = {
  /** No such file, or no such package. */
  NotFound: "not-found",
  /** Importing it threw (syntax error, a failing import, a throw at the top level). */
  ImportFailed: "import-failed",
  /** It imported, but its default export is not a strategy definition. */
  BadExport: "bad-export",
  /** Its config schema refused the config. */
  BadConfig: "bad-config",
  /** `create` threw. */
  CreateFailed: "create-failed",
  /** `create` returned something that is not a TradingStrategy. */
  BadStrategy: "bad-strategy",
} as const;
/** One of {@link StrategyModuleProblem}. */
export type StrategyModuleProblem = (typeof StrategyModuleProblem)[keyof typeof StrategyModuleProblem];

/** A strategy module that cannot be used. */
export class StrategyModuleError extends Error {
  /** The module's file (absolute) or package name. */
  readonly module: string;
  /** What kind of problem. */
  readonly problem: StrategyModuleProblem;
  /** For `bad-config`: dotted path inside the strategy's config (`""` for the whole of it). */
  readonly path: string;
  /** What exactly is wrong. */
  readonly reason: string;
  /** @param module file or package @param problem kind @param reason what is wrong @param path config path */
  constructor(module: string, problem: StrategyModuleProblem, reason: string, path = "") {
    super(`strategy module ${module}: ${problem}: ${path === "" ? "" : `config.${path}: `}${reason}`);
    this.name = "StrategyModuleError";
    this.module = module;
    this.problem = problem;
    this.path = path;
    this.reason = reason;
  }
}

/** A module that imported and whose default export has the shape of a {@link StrategyDefinition}. */
export interface LoadedStrategyModule {
  /** Absolute file or package name. */
  readonly module: string;
  /** The checked definition. */
  readonly definition: StrategyDefinition<unknown>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Whether `spec` names a file (relative, absolute or `file:`) rather than a package. */
export function isModulePath(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../") || spec === "." || spec === ".." || isAbsolute(spec) || spec.startsWith("file:");
}

/** `spec` as an absolute file path when it names a file (resolved against `baseDir`), else unchanged (a package). */
export function resolveModuleSpec(spec: string, baseDir: string): string {
  if (spec.startsWith("file:")) return fileURLToPath(spec);
  return isModulePath(spec) ? resolve(baseDir, spec) : spec;
}

function describe(x: unknown): string {
  if (x === undefined) return "missing";
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "function") return "a function";
  return typeof x === "object" ? "an object" : `${typeof x} ${JSON.stringify(x)}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e);
}

async function importTypeScriptWithTsx(url: string, module: string, first: unknown): Promise<Record<string, unknown>> {
  let api: { tsImport(specifier: string, parent: string): Promise<unknown> };
  try {
    api = (await import("tsx/esm/api")) as typeof api;
  } catch {
    throw new StrategyModuleError(module, StrategyModuleProblem.ImportFailed,
      `this runtime cannot load TypeScript (${errorText(first)}): install tsx (npm i tsx), run ap with \`node --import tsx\`, or compile the module to .js`);
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

async function importModule(spec: string, module: string): Promise<Record<string, unknown>> {
  const file = isModulePath(spec);
  if (file) {
    try {
      if (!(await stat(module)).isFile()) throw new StrategyModuleError(module, StrategyModuleProblem.NotFound, "is not a file");
    } catch (e) {
      if (e instanceof StrategyModuleError) throw e;
      throw new StrategyModuleError(module, StrategyModuleProblem.NotFound, `no such file (named as ${JSON.stringify(spec)})`);
    }
  }
  const target = file ? pathToFileURL(module).href : spec;
  try {
    return (await import(target)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (file && /\.[cm]?ts$/.test(module) && code === "ERR_UNKNOWN_FILE_EXTENSION") {
      try {
        return await importTypeScriptWithTsx(target, module, e);
      } catch (e2) {
        if (e2 instanceof StrategyModuleError) throw e2;
        throw new StrategyModuleError(module, StrategyModuleProblem.ImportFailed, `importing it threw ${errorText(e2)}`);
      }
    }
    const message = String((e as Error)?.message ?? e);
    // Node: ERR_MODULE_NOT_FOUND; Deno and vite word it; either way the message names the package.
    const missingPackage = !file && message.includes(spec)
      && (code === "ERR_MODULE_NOT_FOUND" || /cannot find|not found|failed to (load|resolve)|not a dependency|not prefixed/i.test(message));
    if (missingPackage) throw new StrategyModuleError(module, StrategyModuleProblem.NotFound, `no such package: ${errorText(e)}`);
    throw new StrategyModuleError(module, StrategyModuleProblem.ImportFailed, `importing it threw ${errorText(e)}`);
  }
}

function checkSchema(module: string, schema: unknown): ConfigSchema<unknown> | undefined {
  if (schema === undefined) return undefined;
  const std = (schema as { "~standard"?: { validate?: unknown } } | null)?.["~standard"];
  if (typeof schema !== "object" || schema === null || typeof std?.validate !== "function") {
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport,
      `configSchema is ${describe(schema)} without ["~standard"].validate: give a Standard Schema (a valibot, zod or arktype schema) or leave it out`);
  }
  return schema as ConfigSchema<unknown>;
}

/** Checks a module namespace's default export; returns the definition. */
export function checkDefinition(module: string, namespace: Record<string, unknown>): StrategyDefinition<unknown> {
  const d = namespace.default;
  if (d === undefined) {
    const names = Object.keys(namespace);
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport,
      `has no default export: expected \`export default defineStrategy({ name, create, configSchema? })\` (its exports: ${names.length === 0 ? "none" : names.join(", ")})`);
  }
  if (typeof d !== "object" || d === null) {
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport,
      `default export is ${describe(d)}, expected a strategy definition { name, create, configSchema? }`);
  }
  const def = d as Record<string, unknown>;
  if (typeof def.name !== "string" || !NAME.test(def.name)) {
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport,
      `default export's name is ${describe(def.name)}: expected lower-case letters, digits, '.', '_' and '-' (1–63)`);
  }
  if (typeof def.create !== "function") {
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport, `default export's create is ${describe(def.create)}, expected a function (config, context) => TradingStrategy`);
  }
  if (def.summary !== undefined && typeof def.summary !== "string") {
    throw new StrategyModuleError(module, StrategyModuleProblem.BadExport, `default export's summary is ${describe(def.summary)}, expected a string`);
  }
  checkSchema(module, def.configSchema);
  return d as StrategyDefinition<unknown>;
}

/** Imports and checks a strategy module (`spec` resolved against `baseDir`). */
export async function loadStrategyModule(spec: string, baseDir: string): Promise<LoadedStrategyModule> {
  const module = resolveModuleSpec(spec, baseDir);
  const namespace = await importModule(spec, module);
  return { module, definition: checkDefinition(module, namespace) };
}

function issuePath(path: ConfigSchemaIssueLike["path"]): string {
  let out = "";
  for (const item of path ?? []) {
    const key = typeof item === "object" && item !== null ? (item as { key: PropertyKey }).key : item;
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

type ConfigSchemaIssueLike = { message: string; path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined };

/**
 * The module's config: `raw` validated by its `configSchema` (`bad-config` names the path and why), or
 * `raw` itself (which must then be an object) when it has none.
 */
export async function strategyModuleConfig(loaded: LoadedStrategyModule, raw: unknown): Promise<unknown> {
  const data = raw ?? {};
  const schema = loaded.definition.configSchema;
  if (schema === undefined) {
    if (typeof data !== "object" || Array.isArray(data)) throw new StrategyModuleError(loaded.module, StrategyModuleProblem.BadConfig, `the config is ${describe(data)}, expected an object`);
    return data;
  }
  let result;
  try {
    result = await schema["~standard"].validate(data);
  } catch (e) {
    throw new StrategyModuleError(loaded.module, StrategyModuleProblem.BadConfig, `its configSchema threw ${errorText(e)}`);
  }
  if (result.issues !== undefined) {
    const issue = result.issues[0] as ConfigSchemaIssueLike | undefined;
    throw new StrategyModuleError(loaded.module, StrategyModuleProblem.BadConfig, issue?.message ?? "refused (no issue given)", issuePath(issue?.path));
  }
  return result.value;
}

/** Throws `bad-strategy` unless `s` has every member of {@link TradingStrategy}. */
export function checkStrategy(module: string, s: unknown): TradingStrategy {
  if (typeof s !== "object" || s === null) throw new StrategyModuleError(module, StrategyModuleProblem.BadStrategy, `create returned ${s === undefined ? "nothing" : describe(s)}, expected a TradingStrategy`);
  const o = s as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof o.name !== "string") missing.push("name (string)");
  for (const k of ["strategyId", "source"]) {
    const x = o[k];
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffff) missing.push(`${k} (integer 0–65535)`);
  }
  for (const k of ["connect", "onMarketData", "stats"]) if (typeof o[k] !== "function") missing.push(`${k}() (function)`);
  if (missing.length > 0) throw new StrategyModuleError(module, StrategyModuleProblem.BadStrategy, `create returned an object without a valid ${missing.join(", ")}`);
  return s as TradingStrategy;
}

/** Calls the module's `create` with a validated config; checks what it returns. */
export async function createModuleStrategy(loaded: LoadedStrategyModule, config: unknown, context: Omit<StrategyContext, "module">): Promise<TradingStrategy> {
  let made: unknown;
  try {
    made = await loaded.definition.create(config, { ...context, module: loaded.module });
  } catch (e) {
    if (e instanceof StrategyModuleError) throw e;
    throw new StrategyModuleError(loaded.module, StrategyModuleProblem.CreateFailed, `create threw ${errorText(e)}`);
  }
  return checkStrategy(loaded.module, made);
}
