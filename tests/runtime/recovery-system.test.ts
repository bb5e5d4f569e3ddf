import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageView, RelayDomain, TlvType } from "../../protocol/mod.ts";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { readJournal } from "../../runtime/journal.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { until as waitUntil } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "main.ts");
const dir = mkdtempSync(join(tmpdir(), "ap-recovery-sys-"));
const runDir = join(dir, "run");
let system: RunningSystem;
let auth: Record<string, string>;

/** Processes start slowly on a loaded 2-core machine. */
const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => waitUntil(what, probe, 90_000, 200);

interface Position { instrument: { assetId: string; venue: number }; quantity: string; averagePrice: string; realized: string; fees: string }
interface PortfolioBody {
  tradingState: string;
  totals: { fills: number; realized: string; fees: string; roundTrips: number; slippageCost: string };
  positions: Position[];
  openOrders: number;
  recovery: { mode: string; replayedMessages: number; position?: { file: string; offset: number } };
}

/** What must survive a restart exactly (marks, hence unrealized P&L, come back with market data). */
function book(p: PortfolioBody) {
  return {
    fills: p.totals.fills, realized: p.totals.realized, fees: p.totals.fees, roundTrips: p.totals.roundTrips, slippageCost: p.totals.slippageCost,
    openOrders: p.openOrders,
    positions: p.positions.map((x) => [x.instrument.assetId, x.instrument.venue, x.quantity, x.averagePrice, x.realized, x.fees].join(" ")).sort(),
  };
}

const get = async (path: string) => (await fetch(`${system.apiUrl}${path}`, { headers: auth })).json();
const post = async (path: string) => (await fetch(`${system.apiUrl}${path}`, { method: "POST", headers: auth })).json();
const metrics = async () => await (await fetch(`${system.apiUrl}/metrics`)).text();
const metric = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text);
  return m === null ? undefined : Number(m[1]);
};
const service = (name: string) => system.services().find((s) => s.name === name)!;

/** Waits until `name` runs again under a new pid. */
const restarted = (name: string, oldPid: number | null | undefined) =>
  until(`${name} restarted`, async () => (service(name).state === "running" && service(name).pid !== oldPid ? true : undefined));

/** The portfolio once it has stopped changing (two reads 1.5 s apart agree). */
async function settledPortfolio(): Promise<PortfolioBody> {
  return until("portfolio settled", async () => {
    const a = (await get("/portfolio")) as PortfolioBody;
    await new Promise((r) => setTimeout(r, 1_500));
    const b = (await get("/portfolio")) as PortfolioBody;
    return JSON.stringify(book(a)) === JSON.stringify(book(b)) ? b : undefined;
  });
}

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "warn";
  // A small trading system: one replaying adapter, the momentum strategy, risk + paper execution.
  // Snapshots only on shutdown (a long period), so what is after the last snapshot is known.
  const yaml = `
runtimeDir: ${runDir}
api: { port: 0 }
supervisor: { initialBackoffMs: 100 }
services:
  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }
  - name: strategy-momentum
    kind: strategy
    serviceId: 21
    options:
      strategy: momentum
      snapshotIntervalMs: 600000
      config: { strategyId: 21, windows: [{ seconds: 5, thresholdBps: 3 }, { seconds: 15, thresholdBps: 8 }], minTrades: 3, cooldownMs: 2000 }
  - name: execution
    kind: execution
    serviceId: 40
    options:
      snapshotIntervalMs: 600000
      planner: { capital: "100000", capitalFraction: 0.02, orderType: ioc, maxSlippageBps: 20, lotSize: "0.0001" }
      risk: { limits: { maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "5000", maxDataAgeMs: 10000 } }
      paper: { fees: { makerBps: 2, takerBps: 5 } }
`;
  const config = parseConfig(yaml, AppConfigSchema, {});
  const prev = process.cwd();
  process.chdir(ROOT);
  try {
    system = await startSystem(config, { mainPath: MAIN, log: createLogger("recovery-test", { level: "warn" }) });
  } finally {
    process.chdir(prev);
  }
  auth = { authorization: `Bearer ${system.token}` };
}, 120_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("recovery of the execution service and a strategy, as real processes", () => {
  it("kill -9 of the execution service: restored from its snapshot plus the journal tail, the same portfolio", async () => {
    await until("first fills", async () => (((await get("/portfolio")) as PortfolioBody).totals.fills > 0 ? true : undefined));

    // A graceful restart writes a snapshot on shutdown …
    const first = service("execution").pid;
    await post("/services/execution/restart");
    await restarted("execution", first);
    const afterGraceful = await until("restored after the graceful restart", async () => {
      const p = (await get("/portfolio")) as PortfolioBody;
      return p.recovery?.mode === "snapshot" ? p : undefined;
    });
    // … then trading goes on: these fills are only in the journal, after the snapshot's position.
    await until("more fills after the snapshot", async () => {
      const p = (await get("/portfolio")) as PortfolioBody;
      return p.totals.fills > afterGraceful.totals.fills ? true : undefined;
    });
    expect((await post("/strategies/strategy-momentum/disable")).enabled).toBe(false);
    const before = await settledPortfolio();
    expect(before.totals.fills).toBeGreaterThan(afterGraceful.totals.fills);

    const victim = service("execution").pid!;
    process.kill(victim, "SIGKILL");
    await restarted("execution", victim);
    const after = await until("portfolio served again", async () => {
      const r = await fetch(`${system.apiUrl}/portfolio`, { headers: auth });
      return r.status === 200 ? ((await r.json()) as PortfolioBody) : undefined;
    });
    expect(book(after)).toEqual(book(before));
    expect(after.recovery.mode).toBe("snapshot");
    expect(after.recovery.replayedMessages).toBeGreaterThan(0);
    const text = await until("execution metrics", async () => {
      const t = await metrics();
      return metric(t, "alphapulse_execution_recovery_from_snapshot") !== undefined ? t : undefined;
    });
    expect(metric(text, "alphapulse_execution_recovery_from_snapshot")).toBe(1);
    expect(metric(text, "alphapulse_execution_recovery_replayed_messages")).toBe(after.recovery.replayedMessages);
  }, 240_000);

  it("kill -9 of the adapter and the strategy: signal ids never repeat, the strategy restores its snapshot under a new epoch", async () => {
    const label = `{strategy="strategy-momentum",kind="momentum"}`;
    const epochBefore = metric(await metrics(), `alphapulse_strategy_signal_id_epoch${label}`);
    expect(epochBefore).toBeGreaterThanOrEqual(1);
    expect((await post("/strategies/strategy-momentum/enable")).enabled).toBe(true);
    const fillsBefore = ((await get("/portfolio")) as PortfolioBody).totals.fills;

    // The adapter starts its sequences again at 1; the strategy restarts from its last snapshot.
    const adapter = service("adapter-coinbase").pid!;
    process.kill(adapter, "SIGKILL");
    await restarted("adapter-coinbase", adapter);
    const strategy = service("strategy-momentum").pid!;
    process.kill(strategy, "SIGKILL");
    await restarted("strategy-momentum", strategy);
    const text = await until("strategy metrics after the restart", async () => {
      const t = await metrics();
      const epoch = metric(t, `alphapulse_strategy_signal_id_epoch${label}`);
      return epoch !== undefined && epoch > epochBefore! ? t : undefined;
    });
    expect(metric(text, `alphapulse_strategy_snapshot_restored${label}`)).toBe(1);
    await until("signals and fills again", async () => (((await get("/portfolio")) as PortfolioBody).totals.fills > fillsBefore ? true : undefined));

    // Every signal the execution service received is in its journal: no id twice.
    const view = new MessageView();
    const ids: bigint[] = [];
    for await (const m of readJournal(join(runDir, "journal"), "execution")) {
      view.wrap(m);
      if (view.relayDomain !== RelayDomain.Signal || view.source !== 21 || !view.findTlv(TlvType.SignalIdentity)) continue;
      ids.push(view.u64(8));
    }
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  }, 240_000);
});
