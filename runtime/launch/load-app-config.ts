/**
 * Loads the application config for `ap start` / `ap service`: YAML with env substitution, validated
 * (service options too, by their kinds' schemas);
 * a resolved JSON copy (written by `ap start` for its children) is read as-is and validated again.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import process from "node:process";
import * as v from "valibot";
import { ConfigError, issuePath, loadConfigFile } from "../config/load.ts";
import { AppConfigSchema, type AppConfig } from "../config/schema.ts";
import { resolveStrategyModules } from "../config/strategy-modules.ts";
import { validateServiceOptions } from "./validate-services.ts";

/** Default config path, relative to the working directory. */
export const DEFAULT_CONFIG = "config/default.yaml";

/**
 * Loads and validates a YAML config file: the document (empty refused, unknown keys named with the
 * nearest known one), then every service's options by its kind's schemas.
 */
export async function loadAppConfig(file: string): Promise<AppConfig> {
  const config = resolveStrategyModules(await loadConfigFile(file, AppConfigSchema, process.env), file);
  await validateServiceOptions(config, file);
  return config;
}

/** Reads a resolved config written by `ap start`. */
export async function readResolvedConfig(file: string): Promise<AppConfig> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new ConfigError(file, "", `cannot read resolved config: ${(e as Error).message}`);
  }
  const r = v.safeParse(AppConfigSchema, json);
  if (!r.success) throw new ConfigError(file, issuePath(r.issues[0]), r.issues[0].message);
  return r.output;
}
