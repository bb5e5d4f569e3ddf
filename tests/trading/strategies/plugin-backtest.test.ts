/**
 * A strategy module in a backtest: `module:` in a backtest config (relative to the config file's
 * folder) loads examples/my-strategy.ts into the backtest engine, which runs it over a small recording
 * and turns its signals into orders and fills; `ap backtest` does the same as a process on BOTH
 * runtimes (Node under tsx, Deno) with the example's own demo config (examples/my-strategy.yaml, an
 * application config whose strategy service names the module); and `ap strategy --module` runs the
 * module over a recording into a signal file (a bad one: exit 1 naming the file).
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadBacktestConfig } from "../../../runtime/backtest/config.ts";
import { BacktestEngine } from "../../../runtime/backtest/engine.ts";
import { frameRecording, sourceFromBytes } from "../../../runtime/backtest/sources.ts";
import { MessageView, TlvType } from "../../../protocol/mod.ts";
import { ap, spikyMarket } from "./plugin-helpers.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLE = join(ROOT, "examples/my-strategy.ts");
const dir = mkdtempSync(join(tmpdir(), "ap-plugin-bt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXECUTION = `execution:
  planner: { capital: "100000", capitalFraction: 0.02, orderType: ioc, maxSlippageBps: 50, lotSize: "0.0001" }
  risk: { limits: { maxPosition: "500", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "5000", maxDataAgeMs: 10000 } }
  paper: { latencyMs: 0, fees: { makerBps: 2, takerBps: 5 } }
`;

describe("a strategy module in a backtest", () => {
  it("module: relative to the backtest config loads the example; its signals become orders and fills", async () => {
    const sub = join(dir, "configs");
    const file = join(sub, "bt.yaml");
    const rel = relative(sub, EXAMPLE);
    mkdirSync(sub, { recursive: true });
    writeFileSync(file, `strategies:\n  - module: ${rel}\n    config: { thresholdBps: 20, minTrades: 10, cooldownMs: 0 }\n${EXECUTION}`);
    const config = await loadBacktestConfig(file, {});
    expect(config.strategies[0]?.module).toBe(EXAMPLE);
    const engine = await BacktestEngine.create(config);
    const result = engine.run([sourceFromBytes("spiky.bin", spikyMarket())]);
    expect(result.strategies[0]?.name).toBe("mean-reversion");
    expect(result.strategies[0]?.stats().signals).toBe(10);
    expect(result.pipeline.counters.ordersPlanned).toBeGreaterThan(0);
    expect(result.recorder.fills.length).toBeGreaterThan(0);
    expect(result.recorder.strategies.has(22)).toBe(true);
  });

  for (const runtime of ["node", "deno"] as const) {
    it(`ap backtest on ${runtime} runs examples/my-strategy.yaml (the module resolved against examples/) and trades`, async () => {
      const data = join(dir, `spiky-${runtime}.bin`);
      writeFileSync(data, spikyMarket());
      const r = await ap(runtime, ["backtest", "--config", "examples/my-strategy.yaml", "--data", data]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      const orders = /orders\s+(\d+)/.exec(r.stdout);
      expect(Number(orders?.[1] ?? 0)).toBeGreaterThan(0);
    }, 150_000);
  }

  for (const runtime of ["node", "deno"] as const) {
    it(`ap strategy --module on ${runtime}: the example's signals into a file; a missing module is exit 1 naming it`, async () => {
      const data = join(dir, `strategy-in-${runtime}.bin`);
      const out = join(dir, `strategy-out-${runtime}.bin`);
      const cfg = join(dir, `strategy-${runtime}.yaml`);
      writeFileSync(data, spikyMarket());
      writeFileSync(cfg, "thresholdBps: 20\nminTrades: 10\ncooldownMs: 0\n");
      const r = await ap(runtime, ["strategy", "--module", "examples/my-strategy.ts", "--config", cfg, "--in", data, "--out", out]);
      expect(r.stderr).toContain("ap strategy mean-reversion: 1200 messages");
      expect(r.code).toBe(0);
      const bytes = new Uint8Array(readFileSync(out));
      const offsets = frameRecording(bytes, out);
      expect(offsets.length).toBe(10);
      const view = new MessageView().wrap(bytes, offsets[0]!);
      expect(view.firstTlv() && view.nextTlv() && view.tlvType === TlvType.MomentumSignal).toBe(true);

      const bad = await ap(runtime, ["strategy", "--module", "./examples/missing.ts", "--in", data, "--out", out]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/strategy module \/.*examples\/missing\.ts: not-found/);
    }, 150_000);
  }
});
