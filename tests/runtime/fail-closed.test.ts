/**
 * Issue 14, findings 3 and 8 and the stop behaviour, with real processes: a supervised trading system
 * (replaying adapter, momentum strategy, risk + paper execution) in a temp runtime directory.
 *
 * - Corrupted state never releases the kill switch: with HALTED engaged, the trading-state file or the
 *   snapshot is damaged (truncated, garbage, valid JSON of the wrong schema, a wrong checksum, deleted
 *   while the journal exists) and the execution service is killed; it comes back HALTED with an alert in
 *   its control answer, status and metrics, and no order reaches the venue (the journal shows orders
 *   refused by the kill switch and none forwarded).
 * - The operator's limits that cannot be read back become the strictest of config and last-known-good.
 * - Out-of-range limits are refused with 400 and never persisted.
 * - A graceful stop cancels resting orders (journaled Cancel + the venue's cancelled ack) and a normal
 *   restart is not halted.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelReason, MessageBuilder, MessageView, OrderStatus, OrderType, RejectReason, RelayDomain, Side, TlvType, Venue, pairInstrument,
} from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { Role } from "../../relay/wire/control.ts";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { callControl } from "../../runtime/control/channel.ts";
import { readJournal } from "../../runtime/journal.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { until as waitUntil } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ap-fail-closed-"));
const runDir = join(dir, "run");
const stateDir = join(runDir, "state");
const STATE_FILE = join(stateDir, "execution.trading-state.json");
const LAST_GOOD = join(stateDir, "execution.trading-state.last-good.json");
const SNAPSHOT = join(stateDir, "execution.snapshot.json");
let system: RunningSystem;
let auth: Record<string, string>;

/** Processes start slowly on a loaded 2-core machine. */
const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => waitUntil(what, probe, 90_000, 200);
const api = async (path: string, init: RequestInit = {}) => await fetch(`${system.apiUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });
const ctl = (op: string, args: Record<string, unknown> = {}) => callControl(system.paths.controlSocket("execution"), op, args, 10_000);
const service = () => system.services().find((s) => s.name === "execution")!;

interface Alert { name: string; file: string; kind: string; reason: string }
interface TradingStatus { tradingState: string; reason: string; alerts: Alert[] }

/** Counts in the execution journal: orders risk forwarded to the venue, orders refused by the kill switch, and our own resting orders' fate. */
async function journalCounts(orderIds: bigint[] = []) {
  const view = new MessageView();
  let forwarded = 0;
  let killSwitchRejects = 0;
  const cancels = new Map<bigint, number>();
  const cancelledAcks = new Set<bigint>();
  const accepted = new Set<bigint>();
  for await (const m of readJournal(join(runDir, "journal"), "execution")) {
    view.wrap(m);
    if (view.relayDomain !== RelayDomain.Execution || !view.firstTlv()) continue;
    do {
      const t = view.tlvType;
      if (view.source === 40 && t === TlvType.OrderRequest) forwarded++;
      if (view.source === 40 && t === TlvType.OrderAck && view.u8At(16) === OrderStatus.Rejected && view.u8At(17) === RejectReason.KillSwitch) killSwitchRejects++;
      if (view.source === 40 && t === TlvType.Cancel && orderIds.includes(view.u64(0))) cancels.set(view.u64(0), view.u8At(8));
      if (view.source === 41 && t === TlvType.OrderAck && orderIds.includes(view.u64(0))) {
        if (view.u8At(16) === OrderStatus.Cancelled) cancelledAcks.add(view.u64(0));
        if (view.u8At(16) === OrderStatus.Accepted) accepted.add(view.u64(0));
      }
    } while (view.nextTlv());
  }
  return { forwarded, killSwitchRejects, cancels, cancelledAcks, accepted };
}

/**
 * Kills the execution service with SIGKILL, counts its journal while it is down (what it had forwarded;
 * a fail-closed restart must add nothing to that), and waits for the supervisor's restart to answer.
 */
async function killAndRestart(): Promise<{ forwarded: number; killSwitchRejects: number }> {
  const victim = service().pid!;
  process.kill(victim, "SIGKILL");
  await until("execution gone", async () => (service().pid !== victim || service().state !== "running" ? true : undefined));
  const counts = await journalCounts();
  await until("execution restarted", async () => (service().state === "running" && service().pid !== victim ? true : undefined));
  await until("execution answers", async () => ((await ctl("tradingStatus")) as TradingStatus));
  return counts;
}

const engage = async () => expect(await (await api("/kill-switch", { method: "POST" })).json()).toMatchObject({ tradingState: "HALTED" });
const release = async () => expect(await (await api("/kill-switch", { method: "DELETE" })).json()).toMatchObject({ tradingState: "ACTIVE" });

/** After a fail-closed start: HALTED with `alert` in the control answer, the status, the metrics and /health. */
async function expectFailClosed(alert: { name: string; file: string; kind: string | RegExp }): Promise<TradingStatus> {
  const shown = (await (await api("/kill-switch")).json()) as TradingStatus;
  expect(shown.tradingState).toBe("HALTED");
  // The API shows why: the reason and the alert naming the file.
  expect(shown.reason).toMatch(/^fail closed: /);
  expect(shown.alerts.some((a) => a.name === alert.name && a.file === alert.file)).toBe(true);
  const status = (await ctl("tradingStatus")) as TradingStatus;
  expect(status.tradingState).toBe("HALTED");
  const found = status.alerts.find((a) => a.name === alert.name && a.file === alert.file);
  expect(found, JSON.stringify(status.alerts)).toBeDefined();
  expect(found!.kind).toMatch(alert.kind);
  expect(found!.reason).toContain(join(stateDir, alert.file));
  expect(status.reason).toMatch(/^fail closed: /);
  expect(((await ctl("status")) as { state: number }).state).toBe(3); // degraded
  const metrics = String(await ctl("metrics"));
  expect(metrics).toContain(`alphapulse_alert{service="execution",name="${alert.name}",file="${alert.file}",kind="${found!.kind}"} 1`);
  expect(metrics).toMatch(/^alphapulse_execution_trading_halted 1$/m);
  const health = await until("health shows the degraded execution service", async () => {
    const r = await api("/health");
    const body = (await r.json()) as { status: string };
    return body.status === "degraded" ? { code: r.status, body } : undefined;
  });
  expect(health.body.status).toBe("degraded");
  return status;
}

beforeAll(async () => {
  process.env.ALPHAPULSE_LOG_LEVEL = "error";
  const yaml = `
runtimeDir: ${runDir}
api: { port: 0 }
supervisor: { initialBackoffMs: 100, maxBackoffMs: 400, crashLoopLimit: 1000 }
services:
  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }
  - name: strategy-momentum
    kind: strategy
    serviceId: 21
    options:
      strategy: momentum
      snapshotIntervalMs: 600000
      config: { strategyId: 21, windows: [{ seconds: 5, thresholdBps: 3 }, { seconds: 15, thresholdBps: 8 }], minTrades: 3, cooldownMs: 500 }
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
    system = await startSystem(config, { mainPath: join(ROOT, "main.ts"), log: createLogger("fail-closed-test", { level: "error" }) });
  } finally {
    process.chdir(prev);
  }
  auth = { authorization: `Bearer ${system.token}` };
  await until("first orders forwarded", async () => ((await journalCounts()).forwarded > 0 ? true : undefined));
}, 180_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("corrupted state never releases the kill switch (execution service as a real process)", () => {
  it("the issue's reproduction: HALTED, both files corrupted, killed → HALTED, alerts for both files, no order forwarded while orders keep coming", async () => {
    await engage();
    writeFileSync(STATE_FILE, "{\"state\":\"act");
    writeFileSync(SNAPSHOT, randomBytes(300));
    const before = await killAndRestart();
    await expectFailClosed({ name: "trading_state_unreadable", file: "execution.trading-state.json", kind: "corrupt" });
    await expectFailClosed({ name: "snapshot_unusable", file: "execution.snapshot.json", kind: /corrupt|unreadable/ });
    // The strategy keeps signalling and the planner keeps planning: every order is refused by the kill switch.
    const after = await until("orders refused by the kill switch after the restart", async () => {
      const c = await journalCounts();
      return c.killSwitchRejects > before.killSwitchRejects ? c : undefined;
    });
    expect(after.forwarded).toBe(before.forwarded);
    // The unusable files were kept for inspection; valid ones (HALTED, the alerts) replaced them.
    const names = readdirSync(stateDir);
    expect(names.some((n) => n.startsWith("execution.trading-state.json.unusable-"))).toBe(true);
    expect(names.some((n) => n.startsWith("execution.snapshot.json.unusable-"))).toBe(true);
    // A restart with valid files stays HALTED with the alerts (they persist until an operator releases).
    await killAndRestart();
    expect(((await ctl("tradingStatus")) as TradingStatus).alerts.map((a) => a.name).sort()).toEqual(["snapshot_unusable", "trading_state_unreadable"]);
    expect((await journalCounts()).forwarded).toBe(before.forwarded);
    // Releasing is the operator's explicit act: ACTIVE, alerts cleared, running again.
    await release();
    expect(((await ctl("tradingStatus")) as TradingStatus).alerts).toEqual([]);
    expect(String(await ctl("metrics"))).toMatch(/^alphapulse_execution_alerts_open 0$/m);
    expect(((await ctl("status")) as { state: number }).state).toBe(2);
  }, 300_000);

  const damages: [string, string, (path: string) => void, string | RegExp, string][] = [
    ["trading state", "truncated", (p) => writeFileSync(p, readFileSync(p, "utf8").slice(0, 60)), "corrupt", "trading_state_unreadable"],
    ["trading state", "garbage", (p) => writeFileSync(p, randomBytes(200)), "corrupt", "trading_state_unreadable"],
    ["trading state", "valid JSON of the old unsealed schema, ACTIVE", (p) => writeFileSync(p, JSON.stringify({ state: "active", reason: "x", apiLimits: {} })), "incompatible", "trading_state_unreadable"],
    ["trading state", "ACTIVE written over HALTED (wrong checksum)", (p) => writeFileSync(p, readFileSync(p, "utf8").replace('"state":"halted"', '"state":"active"')), "checksum", "trading_state_unreadable"],
    ["trading state", "deleted while the journal exists", (p) => rmSync(p), "missing", "trading_state_unreadable"],
    ["snapshot", "truncated", (p) => writeFileSync(p, readFileSync(p, "utf8").slice(0, 100)), "corrupt", "snapshot_unusable"],
    ["snapshot", "garbage", (p) => writeFileSync(p, randomBytes(200)), /corrupt|unreadable/, "snapshot_unusable"],
    ["snapshot", "valid JSON of the wrong schema", (p) => writeFileSync(p, JSON.stringify({ format: "alphapulse-snapshot", version: 2, service: "execution", position: 7 })), "corrupt", "snapshot_unusable"],
    ["snapshot", "a changed value (wrong checksum)", (p) => writeFileSync(p, readFileSync(p, "utf8").replace(/"savedAt":"\d/, '"savedAt":"9')), "checksum", "snapshot_unusable"],
    ["snapshot", "deleted while the journal exists", (p) => rmSync(p), "missing", "snapshot_unusable"],
  ];
  for (const [file, what, damage, kind, name] of damages) {
    // The trading state is damaged with HALTED engaged (the damage must not release it); the snapshot
    // while ACTIVE (the damage alone must halt).
    it(`${file} ${what} → HALTED with ${name} (${String(kind)}), no order forwarded`, async () => {
      if (file === "trading state") await engage();
      const path = file === "snapshot" ? SNAPSHOT : STATE_FILE;
      damage(path);
      const before = await killAndRestart();
      await expectFailClosed({ name, file: path.slice(stateDir.length + 1), kind });
      expect((await journalCounts()).forwarded).toBe(before.forwarded);
      await release();
    }, 240_000);
  }
});

describe("risk limits", () => {
  it("out-of-range limits are refused with 400 naming the field, and nothing is persisted", async () => {
    const r = await api("/risk/limits", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ maxOpenOrders: 1e23 }) });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toMatch(/maxOpenOrders/);
    expect(readFileSync(STATE_FILE, "utf8")).not.toMatch(/1e\+23|100000000000000000000000/);
    expect(((await (await api("/risk/limits")).json()) as { maxOpenOrders: number }).maxOpenOrders).toBe(20);
  });

  it("operator limits that cannot be read back become the strictest of config and last-known-good, never the config's looser ones", async () => {
    // Tighter than the config in some fields, looser in others.
    const set = await api("/risk/limits", {
      method: "PUT", headers: { "content-type": "application/json" },
      body: JSON.stringify({ maxOpenOrders: 3, maxOrderNotional: "20000", maxPosition: "50", dailyLossLimit: "9000" }),
    });
    expect(set.status).toBe(200);
    writeFileSync(STATE_FILE, randomBytes(100));
    await killAndRestart();
    await expectFailClosed({ name: "trading_state_unreadable", file: "execution.trading-state.json", kind: "corrupt" });
    const limits = (await (await api("/risk/limits")).json()) as Record<string, unknown>;
    // The API's one readable form (decimal text in whole units, as PUT takes it).
    expect(limits).toMatchObject({ maxOpenOrders: 3, maxOrderNotional: "20000", maxPosition: "5", dailyLossLimit: "5000" });
    // Both copies unusable: the config's limits (and still HALTED, with the alert).
    writeFileSync(STATE_FILE, "garbage");
    writeFileSync(LAST_GOOD, "garbage");
    await killAndRestart();
    await expectFailClosed({ name: "trading_state_unreadable", file: "execution.trading-state.json", kind: "corrupt" });
    expect(((await (await api("/risk/limits")).json()) as { maxOpenOrders: number }).maxOpenOrders).toBe(20);
    await release();
  }, 240_000);
});

describe("stop cancels open orders", () => {
  it("a graceful restart (SIGTERM from the supervisor) cancels resting orders, journaled, and comes back ACTIVE with none lost", async () => {
    expect(((await ctl("tradingStatus")) as TradingStatus).tradingState).toBe("ACTIVE");
    // Two limit buys far below the market rest at the paper venue.
    const ids = [0x7e57_0000_0001n, 0x7e57_0000_0002n];
    const client = await RelayClient.connect({
      endpoint: { kind: "unix", path: system.paths.relaySocket(RelayDomain.Execution) }, domain: RelayDomain.Execution, serviceId: 91,
      // The tools' identity (ids 90–99, tools.token beside the sockets) may publish a source no live service owns.
      token: readFileSync(join(system.paths.dir, TOOLS_TOKEN_FILE), "utf8").trim(),
      role: Role.Publisher, waitForRelay: true, logger: createLogger("fail-closed-orders", { level: "error" }),
    });
    const b = new MessageBuilder(256);
    const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);
    try {
      await until("both orders resting", async () => {
        for (const orderId of ids) {
          client.publish(b.begin(RelayDomain.Execution, 22).add({
            type: TlvType.OrderRequest, name: "OrderRequest", orderId, instrument: BTC, side: Side.Buy, orderType: OrderType.Limit, strategyId: 22,
            price: 1_000n * 100_000_000n, quantity: 100_000n, signalId: 0n, createdAt: 0n, maxSlippageBps: 0, flags: 0,
          }).finish());
        }
        await client.flush();
        await new Promise((r) => setTimeout(r, 1_000));
        return (await journalCounts(ids)).accepted.size === ids.length ? true : undefined;
      });
    } finally {
      await client.close();
    }
    const open = (await ctl("portfolio")) as { openOrders: number };
    expect(open.openOrders).toBeGreaterThanOrEqual(2);

    const pid = service().pid;
    expect((await (await api("/services/execution/restart", { method: "POST" })).status)).toBe(200);
    await until("execution restarted", async () => (service().state === "running" && service().pid !== pid ? true : undefined));
    const status = await until("execution answers", async () => (await ctl("tradingStatus")) as TradingStatus);
    const c = await journalCounts(ids);
    expect([...c.cancels.entries()].sort()).toEqual(ids.map((id) => [id, CancelReason.Risk]));
    expect([...c.cancelledAcks].sort()).toEqual(ids);
    // A plain stop does not persist HALTED; nothing was left open for the restart to expire.
    expect(status.tradingState).toBe("ACTIVE");
    expect(status.alerts).toEqual([]);
    const metrics = String(await ctl("metrics"));
    expect(metrics).toMatch(/^alphapulse_execution_recovery_expired_orders 0$/m);
    expect(metrics).toMatch(/^alphapulse_execution_recovery_from_snapshot 1$/m);
  }, 240_000);
});
