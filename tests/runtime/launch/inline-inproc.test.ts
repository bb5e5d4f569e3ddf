/**
 * `ap start --inline` has no sockets between its services (runtime/launch/inline-runner.ts): started on
 * examples/my-strategy.yaml, every service reaches its relays over in-process endpoints
 * (relay/transport/inproc.ts) — the listeners of `inproc:relay-market-data` and `inproc:relay-system`
 * hold the adapters', the strategy's and the status reporters' connections — and trades still reach the
 * strategy, whose signals the API (a client of the signal relay's Unix socket) shows in `/history`.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log.ts";
import { RelayDomain } from "../../../protocol/mod.ts";
import { inprocConnections } from "../../../relay/transport/inproc.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { AppConfigSchema } from "../../../runtime/config/schema.ts";
import { resolveStrategyModules } from "../../../runtime/config/strategy-modules.ts";
import { relayEndpointName } from "../../../runtime/service/relay-endpoints.ts";
import { startSystem, type RunningSystem } from "../../../app/system.ts";
import { until } from "../helpers.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CONFIG = join(ROOT, "examples/my-strategy.yaml");
const dir = mkdtempSync(join(tmpdir(), "ap-inline-inproc-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ap start --inline", () => {
  it("connects its services to the relays in-process, and trades reach the strategy", async () => {
    const parsed = parseConfig(readFileSync(CONFIG, "utf8"), AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: join(dir, "run"), ALPHAPULSE_PORT: "0" }, CONFIG);
    const config = resolveStrategyModules(parsed, CONFIG);
    const level = process.env.ALPHAPULSE_LOG_LEVEL;
    process.env.ALPHAPULSE_LOG_LEVEL = "error";
    const prev = process.cwd();
    let system: RunningSystem | undefined;
    try {
      process.chdir(ROOT); // the replays' paths are relative to the project
      try {
        system = await startSystem(config, { mainPath: join(ROOT, "main.ts"), inline: true, log: createLogger("inline-inproc", { level: "error" }) });
      } finally {
        process.chdir(prev);
      }
      // Two adapters publish and the strategy subscribes on the market-data relay, in-process.
      expect(relayEndpointName(RelayDomain.MarketData)).toBe("relay-market-data");
      await until("in-process connections to the market-data relay", async () => (inprocConnections("relay-market-data") >= 3 ? true : undefined), 60_000, 100);
      // Every service's status reporter talks to the system relay in-process too.
      expect(inprocConnections("relay-system")).toBeGreaterThanOrEqual(config.services.length);
      const auth = { authorization: `Bearer ${system.token}` };
      const signals = await until("the strategy's signals on the signal relay", async () => {
        const r = await fetch(`${system!.apiUrl}/history?domain=signal`, { headers: auth });
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { messages: { header: { source: number } }[] };
        const mine = body.messages.filter((m) => m.header.source === 22);
        return mine.length >= 1 ? mine : undefined;
      }, 240_000, 500);
      expect(signals.length).toBeGreaterThanOrEqual(1);
      expect(inprocConnections("relay-signal")).toBeGreaterThanOrEqual(1);
    } finally {
      await system?.stop();
      if (level === undefined) delete process.env.ALPHAPULSE_LOG_LEVEL;
      else process.env.ALPHAPULSE_LOG_LEVEL = level;
    }
    // Stopped: the relays' in-process listeners are gone with them.
    expect(inprocConnections("relay-market-data")).toBe(0);
  }, 300_000);
});
