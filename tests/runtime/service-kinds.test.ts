/**
 * App-level settings reach the services that use them: `recovery.snapshotIntervalSeconds` and `journal.*`
 * become a strategy's / the execution service's options unless the service sets its own.
 */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { withAppDefaults } from "../../runtime/service/kinds.ts";
import { ExecutionOptionsSchema } from "../../runtime/service/execution-service.ts";
import { StrategyOptionsSchema } from "../../runtime/service/strategy-service.ts";
import * as v from "valibot";

const demo = readFileSync(new URL("../../config/default.yaml", import.meta.url), "utf8");

describe("withAppDefaults", () => {
  it("passes recovery and journal settings to strategy and execution services; a service's own option wins", () => {
    const text = demo + "\nrecovery:\n  snapshotIntervalSeconds: 3\njournal:\n  maxFileBytes: 1048576\n  maxFiles: 4\n";
    const config = parseConfig(text, AppConfigSchema, {});
    const exec = config.services.find((s) => s.kind === "execution")!;
    const strat = config.services.find((s) => s.kind === "strategy")!;
    const e = v.parse(ExecutionOptionsSchema, withAppDefaults(exec, config).options);
    expect(e.snapshotIntervalMs).toBe(3000);
    expect(e.journalMaxFileBytes).toBe(1_048_576);
    expect(e.journalMaxFiles).toBe(4);
    expect(v.parse(StrategyOptionsSchema, withAppDefaults(strat, config).options).snapshotIntervalMs).toBe(3000);
    const own = withAppDefaults({ ...exec, options: { ...exec.options, snapshotIntervalMs: 500 } }, config);
    expect(v.parse(ExecutionOptionsSchema, own.options).snapshotIntervalMs).toBe(500);
    const adapter = config.services.find((s) => s.kind === "adapter")!;
    expect(withAppDefaults(adapter, config).options).toEqual(adapter.options);
  });
});
