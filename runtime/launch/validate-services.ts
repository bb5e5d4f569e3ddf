/**
 * Validates every configured service's `options` by its kind's own schemas before the first process
 * starts — the same schemas the service parses when it starts (adapter, strategy and the chosen
 * strategy's config, execution and its planner / risk / paper / portfolio sections) — so a typo in
 * risk limits is a {@link ConfigError} naming `services[6].options.risk.limits.maxPositon` and the
 * nearest known key, not a crash loop after "running". The kinds' modules are loaded only for the kinds
 * the config uses.
 *
 * @module
 */

import process from "node:process";
import * as v from "valibot";
import { ConfigError, issuePath } from "../config/load.ts";
import type { AppConfig, ServiceConfig } from "../config/schema.ts";
import { describeUnknownKey, findUnknownKey } from "../config/unknown-keys.ts";
import { withAppDefaults } from "../service/kinds.ts";

/** Kinds that trade or feed trading: a config without any of them has nothing to run. */
const TRADING_KINDS: readonly string[] = ["adapter", "strategy", "execution"];

function at(base: string, inner: string): string {
  return inner === "" ? base : inner.startsWith("[") ? base + inner : `${base}.${inner}`;
}

/** Checks `value` against `schema` at `path`: unknown keys first (with a hint), then values. Returns the output. */
function checkValues<S extends v.GenericSchema>(file: string, path: string, schema: S, value: unknown): v.InferOutput<S> {
  const unknown = findUnknownKey(schema, value);
  if (unknown) throw new ConfigError(file, at(path, unknown.path), describeUnknownKey(unknown));
  const r = v.safeParse(schema, value);
  if (!r.success) throw new ConfigError(file, at(path, issuePath(r.issues[0])), r.issues[0].message);
  return r.output;
}

/** Runs a strategy module's check; its `StrategyModuleError` becomes a {@link ConfigError} at `module` or `config.<path>`. */
async function checkModule(file: string, base: string, run: () => Promise<void>): Promise<void> {
  const { StrategyModuleError, StrategyModuleProblem } = await import("../../trading/strategies/plugin-loader.ts");
  try {
    await run();
  } catch (e) {
    if (!(e instanceof StrategyModuleError)) throw e;
    throw new ConfigError(file, e.problem === StrategyModuleProblem.BadConfig ? at(`${base}.config`, e.path) : `${base}.module`, e.message);
  }
}

async function validateOne(file: string, index: number, configured: ServiceConfig, config: AppConfig, values: boolean): Promise<void> {
  const base = `services[${index}].options`;
  // Unknown keys are looked for in what the file says; values as the service will see them (app defaults filled in).
  const raw = (configured.options ?? {}) as Record<string, unknown>;
  const unknown = (schema: v.GenericSchema, value: unknown, path: string) => {
    const u = findUnknownKey(schema, value);
    if (u) throw new ConfigError(file, at(path, u.path), describeUnknownKey(u));
  };
  // A service that will not start (disabled, or its requiresEnv unset) is held to its keys only: its
  // values may come from the environment it lacks (`wsUrl: ${POLYGON_WS_URL:-}`).
  const check = <S extends v.GenericSchema>(f: string, path: string, schema: S, value: unknown): v.InferOutput<S> => {
    if (values) return checkValues(f, path, schema, value);
    unknown(schema, value, path);
    return (value ?? {}) as v.InferOutput<S>;
  };
  const options = withAppDefaults(configured, config).options;
  switch (configured.kind) {
    case "adapter": {
      const m = await import("../service/adapter-service.ts");
      unknown(m.AdapterOptionsSchema, raw, base);
      check(file, base, m.AdapterOptionsSchema, options);
      return;
    }
    case "strategy": {
      const m = await import("../service/strategy-service.ts");
      const { strategyEntry } = await import("../../trading/strategies/registry.ts");
      unknown(m.StrategyOptionsSchema, raw, base);
      const parsed = check(file, base, m.StrategyOptionsSchema, options);
      const entry = parsed.strategy === undefined ? undefined : strategyEntry(parsed.strategy);
      if (entry) check(file, `${base}.config`, entry.schema, { source: configured.serviceId, ...parsed.config });
      if (values && parsed.module !== undefined) await checkModule(file, base, () => m.checkStrategyModule(parsed, configured.serviceId, `${base}.config`));
      return;
    }
    case "execution": {
      const m = await import("../service/execution-service.ts");
      const { PlannerConfigSchema } = await import("../../trading/execution/planner.ts");
      const { RiskConfigSchema } = await import("../../trading/risk/limits.ts");
      const { PaperConfigSchema } = await import("../../trading/execution/paper-config.ts");
      const { PortfolioConfigSchema } = await import("../../trading/portfolio/config.ts");
      unknown(m.ExecutionOptionsSchema, raw, base);
      const parsed = check(file, base, m.ExecutionOptionsSchema, options) as Record<string, unknown>;
      const sections: [string, v.GenericSchema][] = [
        ["planner", PlannerConfigSchema], ["risk", RiskConfigSchema], ["paper", PaperConfigSchema], ["portfolio", PortfolioConfigSchema],
      ];
      for (const [key, schema] of sections) check(file, `${base}.${key}`, schema, parsed[key] ?? {});
      return;
    }
  }
}

/**
 * Validates the options of every configured service by its kind's schemas: keys for all of them, values
 * for those that will start (enabled, every `requiresEnv` variable set in `env`).
 * Throws {@link ConfigError} naming `file`, the path and the reason.
 */
export async function validateServiceOptions(
  config: AppConfig,
  file = "config",
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  for (let i = 0; i < config.services.length; i++) {
    const svc = config.services[i]!;
    const starts = svc.enabled && svc.requiresEnv.every((name) => !!env[name]);
    await validateOne(file, i, svc, config, starts);
  }
}

/** Throws {@link ConfigError} when `config` has no adapter, strategy or execution service: nothing would trade. */
export function requireTradingServices(config: AppConfig, file = "config"): void {
  if (!config.services.some((s) => TRADING_KINDS.includes(s.kind))) {
    throw new ConfigError(file, "services", "no services configured (no adapter, strategy or execution): nothing to run");
  }
}
