/**
 * The fail-closed rules of the execution service's trading state, on real files in a temp directory:
 * which starts are expected to find the file, what an unusable one does to the state and the limits,
 * and that alerts persist until the kill switch is released.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import type { RecoveryReport } from "../../runtime/recovery.ts";
import { ExecutionTradingState } from "../../runtime/service/execution-state.ts";
import { sealJson } from "../../runtime/state/sealed-json.ts";
import { TRADING_STATE_VERSION, TradingStateStore } from "../../runtime/state/trading-state-file.ts";
import { parseConfig } from "../../trading/config.ts";
import { RiskConfigSchema } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";

const root = mkdtempSync(join(tmpdir(), "ap-exec-state-"));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const E8 = 100_000_000n;
const fresh: RecoveryReport = { mode: "full", replayedMessages: 0, millis: 0 };
const previousRun: RecoveryReport = { mode: "snapshot", replayedMessages: 12, millis: 0 };

/** A risk manager with config limits, a store in a new directory, and the error log lines. */
function setup(dir = join(root, `s-${n++}`)) {
  const errors: string[] = [];
  const log = createLogger("execution", { level: "error", write: (line) => errors.push(line) });
  const risk = new RiskManager(parseConfig(RiskConfigSchema, { limits: { maxOpenOrders: 20, maxPosition: "5" } }));
  const store = new TradingStateStore(dir, "execution");
  return { dir, risk, store, errors, state: new ExecutionTradingState(store, risk, log, risk.limits) };
}

describe("ExecutionTradingState.restore", () => {
  it("a first start (no snapshot, no journal, no file) is not a problem: ACTIVE, no alert, and the file is written", async () => {
    const t = setup();
    await t.state.restore({ recovery: fresh, snapshotExisted: false });
    expect(t.risk.state).toBe(TradingState.Active);
    expect(t.state.alerts).toEqual([]);
    expect(t.errors).toEqual([]);
    expect(await t.store.load()).toMatchObject({ status: "ok", record: { state: "active" } });
  });

  it("a missing file with only the last-known-good copy left is missing-but-expected: HALTED", async () => {
    const t = setup();
    await t.state.restore({ recovery: fresh, snapshotExisted: false });
    rmSync(t.store.path);
    const u = setup(t.dir);
    await u.state.restore({ recovery: fresh, snapshotExisted: false });
    expect(u.risk.state).toBe(TradingState.Halted);
    expect(u.state.alerts).toMatchObject([{ name: "trading_state_unreadable", kind: "missing", file: "execution.trading-state.json" }]);
    expect(u.state.alerts[0]!.reason).toMatch(/last-known-good/);
  });

  it("a missing file after a run that journaled is missing-but-expected: HALTED, with an error log line naming the file", async () => {
    const t = setup();
    await t.state.restore({ recovery: previousRun, snapshotExisted: false });
    expect(t.risk.state).toBe(TradingState.Halted);
    expect(t.risk.stateReason).toMatch(/^fail closed: .*execution\.trading-state\.json: missing, but a previous run left 12 journal messages/);
    expect(t.errors.some((l) => /"alert":"trading_state_unreadable"/.test(l) && l.includes(t.store.path))).toBe(true);
  });

  it("saved limits no longer valid (stored before ranges existed): an alert, the strictest limits, still trading", async () => {
    const t = setup();
    mkdirSync(t.dir, { mode: 0o700 });
    writeFileSync(join(t.dir, "execution.trading-state.json"), sealJson("trading-state", TRADING_STATE_VERSION, {
      state: "active", reason: "x", apiLimits: { maxOpenOrders: 1e23 }, alerts: [], savedAt: "2026-01-01T00:00:00.000Z",
    }));
    const u = setup(t.dir);
    await u.state.restore({ recovery: previousRun, snapshotExisted: true });
    expect(u.risk.state).toBe(TradingState.Active);
    expect(u.state.alerts).toMatchObject([{ name: "risk_limits_unusable", kind: "invalid" }]);
    expect(u.risk.limits.maxOpenOrders).toBe(20);
    expect(u.state.status()).toMatchObject({ tradingState: "ACTIVE" });
    expect(u.state.metricsText("execution")).toContain('alphapulse_alert{service="execution",name="risk_limits_unusable",file="execution.trading-state.json",kind="invalid"} 1');
  });

  it("alerts persist across restarts until the kill switch is released (clearAlerts), and the state stays HALTED", async () => {
    const t = setup();
    await t.state.restore({ recovery: previousRun, snapshotExisted: true });
    expect(t.state.alerts.length).toBe(1);
    const u = setup(t.dir);
    await u.state.restore({ recovery: previousRun, snapshotExisted: true });
    expect(u.risk.state).toBe(TradingState.Halted);
    expect(u.state.alerts.map((a) => a.name)).toEqual(["trading_state_unreadable"]);
    u.risk.setTradingState(TradingState.Active, "kill switch released through the API");
    u.state.clearAlerts();
    await u.state.save();
    const w = setup(t.dir);
    await w.state.restore({ recovery: previousRun, snapshotExisted: true });
    expect(w.risk.state).toBe(TradingState.Active);
    expect(w.state.alerts).toEqual([]);
  });

  it("a snapshot problem alone halts too, naming the snapshot", async () => {
    const t = setup();
    await t.state.restore({ recovery: fresh, snapshotExisted: false });
    const u = setup(t.dir);
    const snap = join(t.dir, "execution.snapshot.json");
    await u.state.restore({
      recovery: { ...previousRun, mode: "full", problem: { kind: "checksum", path: snap, message: `snapshot ${snap}: checksum mismatch` } }, snapshotExisted: true,
    });
    expect(u.risk.state).toBe(TradingState.Halted);
    expect(u.state.status()).toMatchObject({ tradingState: "HALTED", alerts: [{ name: "snapshot_unusable", file: "execution.snapshot.json", kind: "checksum" }] });
  });

  it("without a usable last-known-good copy the fallback limits are the config's", async () => {
    const t = setup();
    await t.state.restore({ recovery: previousRun, snapshotExisted: true });
    expect(t.risk.limits.maxPosition).toBe(5n * E8);
  });
});
