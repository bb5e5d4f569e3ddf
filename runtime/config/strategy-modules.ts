/**
 * `module:` of strategy services is relative to the config file that names it: when a config is loaded
 * from a file, each such path is made absolute here, so the services (hosted in this process or started
 * as processes from the resolved config `ap start` writes) load the same file whatever their working
 * directory. Package names and absolute paths are left as written.
 *
 * @example
 * ```ts
 * resolveStrategyModules(config, "config/mine.yaml"); // "./my-strategy.ts" → "/abs/config/my-strategy.ts"
 * ```
 * @module
 */

import { dirname, resolve } from "node:path";
import { resolveModuleSpec } from "../../trading/strategies/plugin-loader.ts";
import type { AppConfig } from "./schema.ts";

/** `config` with every strategy service's `options.module` resolved against the folder of `file`. */
export function resolveStrategyModules(config: AppConfig, file: string): AppConfig {
  const dir = dirname(resolve(file));
  return {
    ...config,
    services: config.services.map((s) => {
      const module = (s.options as Record<string, unknown> | undefined)?.module;
      if (s.kind !== "strategy" || typeof module !== "string" || module === "") return s;
      return { ...s, options: { ...s.options, module: resolveModuleSpec(module, dir) } };
    }),
  };
}
