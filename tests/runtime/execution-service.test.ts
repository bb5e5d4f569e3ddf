/**
 * The execution service's restore and failure paths, on the real service with real relays: a restart
 * restores risk and portfolio from the snapshot its graceful stop wrote (kill switch included); a
 * snapshot or trading-state path that cannot be read (a directory there), or a file that is not a
 * snapshot at all, never crashes the start — the service comes up HALTED with a typed alert (name, file,
 * kind), an error log line naming the file and why, reports Degraded, and still answers its control
 * operations, and releasing the kill switch lets it trade again.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createLogger, type Logger } from "../../core/log.ts";
import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import { ExecutionOptionsSchema, startExecutionService } from "../../runtime/service/execution-service.ts";
import type { RunningService, ServiceContext } from "../../runtime/service/types.ts";
import { serviceRelays } from "./helpers.ts";

const { dir: tmpDir, context } = serviceRelays([RelayDomain.MarketData, RelayDomain.Signal, RelayDomain.Execution]);
const OPTIONS = v.parse(ExecutionOptionsSchema, {
  planner: { capital: "100000", capitalFraction: 0.02, orderType: "ioc", maxSlippageBps: 20, lotSize: "0.0001" },
  risk: { limits: { maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "5000", maxDataAgeMs: 10000 } },
  paper: { fees: { makerBps: 2, takerBps: 5 } },
});

interface Alert { name: string; file: string; kind: string; reason: string }
interface TradingStatus { tradingState: string; reason: string; alerts: Alert[] }

/** A logger keeping its lines (parsed) for the test to read. */
function recordingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger("execution", { level: "info", write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) }) };
}

const ctx = (stateDir: string, log: Logger): ServiceContext => context("execution", 40, log, stateDir);

/** The state folders of a fresh state dir: `<dir>/state` (snapshots, trading state) and `<dir>/journal`. */
function stateDir(name: string): { dir: string; snapshot: string; tradingState: string } {
  const dir = join(tmpDir, name);
  mkdirSync(join(dir, "state"), { recursive: true, mode: 0o700 });
  return { dir, snapshot: join(dir, "state", "execution.snapshot.json"), tradingState: join(dir, "state", "execution.trading-state.json") };
}

async function status(s: RunningService): Promise<TradingStatus> {
  return (await s.control.tradingStatus!({})) as TradingStatus;
}

describe("the execution service restores", () => {
  it("risk and portfolio from the snapshot its graceful stop wrote, with the kill switch still engaged", async () => {
    const d = stateDir("restore");
    const first = await startExecutionService(ctx(d.dir, recordingLogger().log), OPTIONS);
    await first.control.setKillSwitch!({ engaged: true });
    await first.stop();
    const saved = JSON.parse(readFileSync(d.snapshot, "utf8")) as { format: string; state: { risk: unknown } };
    expect(saved.state.risk).toBeDefined();

    const { log, lines } = recordingLogger();
    const second = await startExecutionService(ctx(d.dir, log), OPTIONS);
    try {
      const p = (await second.control.portfolio!({})) as { recovery: { mode: string; problem?: unknown }; tradingState: string };
      expect(p.recovery.mode).toBe("snapshot");
      expect(p.recovery.problem).toBeUndefined();
      expect(await status(second)).toMatchObject({ tradingState: "HALTED", alerts: [] });
      expect(lines.some((l) => l.msg === "restored from a snapshot plus the journal tail" && l.snapshot === d.snapshot)).toBe(true);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe("the execution service fails closed, without crashing, on", () => {
  const cases: [string, (d: ReturnType<typeof stateDir>) => string, string, string | RegExp][] = [
    ["a snapshot path it cannot read (a directory)", (d) => (mkdirSync(d.snapshot), d.snapshot), "snapshot_unusable", "unreadable"],
    ["a file that is not a snapshot (JSON of something else)", (d) => (writeFileSync(d.snapshot, JSON.stringify({ hello: "world", items: [1, 2] })), d.snapshot), "snapshot_unusable", /corrupt|incompatible/],
    ["a snapshot that is not JSON at all", (d) => (writeFileSync(d.snapshot, "this is a shopping list\n"), d.snapshot), "snapshot_unusable", "corrupt"],
    ["a trading-state path it cannot read (a directory)", (d) => (mkdirSync(d.tradingState), d.tradingState), "trading_state_unreadable", /unreadable|corrupt/],
  ];
  for (const [what, damage, name, kind] of cases) {
    it(`${what}: HALTED with ${name}, an error line naming the file, Degraded, still serving`, async () => {
      const d = stateDir(`damaged-${name}-${cases.findIndex((c) => c[0] === what)}`);
      const path = damage(d);
      const { log, lines } = recordingLogger();
      const s = await startExecutionService(ctx(d.dir, log), OPTIONS);
      try {
        const st = await status(s);
        expect(st.tradingState).toBe("HALTED");
        const alert = st.alerts.find((a) => a.name === name);
        expect(alert, JSON.stringify(st.alerts)).toBeDefined();
        expect(alert!.file).toBe(path.split("/").at(-1));
        expect(alert!.kind).toMatch(kind);
        expect(alert!.reason.length).toBeGreaterThan(10);
        const line = lines.find((l) => l.level === "error" && l.msg === "alert" && l.alert === name);
        expect(line, "an error log line for the alert").toBeDefined();
        expect(line!.file).toBe(path);
        expect(s.status().state).toBe(ServiceState.Degraded);
        expect(s.metricsText()).toMatch(new RegExp(`alphapulse_alert\\{[^}]*name="${name}"[^}]*\\} 1`));
        // Releasing the kill switch is the operator's way out; it works and trading resumes.
        await s.control.setKillSwitch!({ engaged: false });
        expect(await status(s)).toMatchObject({ tradingState: "ACTIVE", alerts: [] });
      } finally {
        await s.stop();
      }
    }, 60_000);
  }
});
