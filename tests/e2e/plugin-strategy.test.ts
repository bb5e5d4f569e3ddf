/**
 * The example strategy of the user's own (examples/my-strategy.ts, named by `module:` in
 * examples/my-strategy.yaml, nothing registered in the project) runs in the demo: the config is read as
 * `ap start` reads it (the module resolved against the config's folder), the system started with every
 * service its own process (Node: under tsx, Deno: natively) and with every service in one process
 * (`--inline`), and its MomentumSignals (strategyId 22, header source 22) appear on the signal relay, as
 * the API's `/history` of the signal domain shows them.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { resolveStrategyModules } from "../../runtime/config/strategy-modules.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { until } from "../runtime/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG = join(ROOT, "examples/my-strategy.yaml");
const dir = mkdtempSync(join(tmpdir(), "ap-plugin-e2e-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonMessage {
  header: { source: number };
  tlvs: { name: string; strategyId?: number; direction?: number; referencePrice?: string; instrument?: { symbol?: string } }[];
}

async function runDemo(inline: boolean): Promise<JsonMessage[]> {
  const runtimeDir = join(dir, inline ? "inline" : "process");
  const parsed = parseConfig(readFileSync(CONFIG, "utf8"), AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: "0" }, CONFIG);
  const config = resolveStrategyModules(parsed, CONFIG);
  expect(config.services.find((s) => s.name === "strategy-mine")?.options.module).toBe(join(ROOT, "examples/my-strategy.ts"));
  const level = process.env.ALPHAPULSE_LOG_LEVEL;
  process.env.ALPHAPULSE_LOG_LEVEL = "error";
  const prev = process.cwd();
  let system: RunningSystem | undefined;
  try {
    process.chdir(ROOT); // the replays' paths are relative to the project
    try {
      system = await startSystem(config, { mainPath: join(ROOT, "main.ts"), inline, log: createLogger("plugin-e2e", { level: "error" }) });
    } finally {
      process.chdir(prev);
    }
    const auth = { authorization: `Bearer ${system.token}` };
    return await until("MomentumSignals of the module's strategy on the signal relay", async () => {
      const r = await fetch(`${system!.apiUrl}/history?domain=signal`, { headers: auth });
      if (r.status !== 200) return undefined;
      const body = (await r.json()) as { messages: JsonMessage[] };
      const mine = body.messages.filter((m) => m.header.source === 22 && m.tlvs[0]?.name === "SignalIdentity" && m.tlvs[0].strategyId === 22);
      return mine.length >= 2 ? mine : undefined;
    }, 240_000, 500);
  } finally {
    await system?.stop();
    if (level === undefined) delete process.env.ALPHAPULSE_LOG_LEVEL;
    else process.env.ALPHAPULSE_LOG_LEVEL = level;
  }
}

function expectMeanReversionSignals(mine: readonly JsonMessage[]): void {
  for (const m of mine) {
    const signal = m.tlvs[1];
    expect(signal?.name).toBe("MomentumSignal");
    expect([-1, 1]).toContain(signal?.direction);
    expect(BigInt(signal?.referencePrice ?? "0")).toBeGreaterThan(0n);
    expect(signal?.instrument?.symbol).toMatch(/^[A-Z0-9]+\/[A-Z0-9]+$/);
  }
}

describe("a strategy from the user's own file runs in the demo", () => {
  it("every service its own process: examples/my-strategy.ts publishes MomentumSignals on the signal relay", async () => {
    expectMeanReversionSignals(await runDemo(false));
  }, 300_000);

  it("--inline (every service in one process): the same module publishes on the signal relay", async () => {
    expectMeanReversionSignals(await runDemo(true));
  }, 300_000);
});
