/**
 * The execution service's trading state across restarts, failing closed.
 *
 * What is kept (in `<stateDir>/state/<service>.trading-state.json`, see trading-state-file.ts): the
 * trading state and its reason (a kill switch engaged or released through the API), the risk limits set
 * through the API, and open alerts. It is written at every start and on every change.
 *
 * Fail closed — the service starts HALTED, raises an alert and says which file and why when:
 * - the trading-state file is corrupt, unparsable, fails its checksum, has another version or schema, or
 *   is a symlink / unreadable;
 * - the trading-state file is missing although it is expected: a previous run of this service left
 *   evidence (a snapshot file — usable or not —, journal messages, or the last-known-good copy), and every
 *   run writes the file at start before it journals anything;
 * - the snapshot was expected but unusable or missing (`RecoveryReport.problem`; state is still rebuilt
 *   from the whole journal).
 * An alert is a structured error log line, the service reported degraded, `alphapulse_alert{…} 1` in its
 * metrics and the reason in the `tradingStatus` control answer. Alerts are persisted, so a restart keeps
 * them, until an operator releases the kill switch — releasing stays an explicit operator action.
 *
 * Upgrades: a trading-state file of an earlier build (unsealed, "version 1") or a version-1 snapshot is
 * incompatible, so the first start after the upgrade is HALTED with the alert — deliberately: nothing
 * verifies those files. An operator releases the kill switch once.
 *
 * Limits: when the operator's limits cannot be read back (the file unusable, or its limits no longer
 * valid), the risk manager gets the strictest of the config's limits and those of the last-known-good
 * copy ({@link strictestLimits}) — never silently the config's looser ones.
 *
 * @module
 */

import { basename } from "node:path";
import * as v from "valibot";
import type { Logger } from "../../core/log.ts";
import { Exposition } from "../../core/metrics/mod.ts";
import { limitsToInput, RiskLimitsSchema, strictestLimits, type RiskLimits } from "../../trading/risk/limits.ts";
import type { RiskManager } from "../../trading/risk/risk-manager.ts";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";
import type { RecoveryReport } from "../recovery.ts";
import { TradingStateFileError, type Alert, type TradingStateRecord, type TradingStateStore } from "../state/trading-state-file.ts";
import { jsonSafe } from "./json-safe.ts";

/** Alert names. */
export const AlertName = {
  TradingStateUnreadable: "trading_state_unreadable",
  SnapshotUnusable: "snapshot_unusable",
  RiskLimitsUnusable: "risk_limits_unusable",
} as const;

/** Alerts that halt trading (an unusable limits patch alone falls back to stricter limits and keeps trading). */
const HALTING: readonly string[] = [AlertName.TradingStateUnreadable, AlertName.SnapshotUnusable];

const API_STATE: Record<TradingState, "ACTIVE" | "REDUCING" | "HALTED"> = {
  [TradingState.Active]: "ACTIVE", [TradingState.Reducing]: "REDUCING", [TradingState.Halted]: "HALTED",
};

/** The `tradingStatus` control answer: the state as the API names it, why, and the open alerts. */
export interface TradingStatus {
  tradingState: "ACTIVE" | "REDUCING" | "HALTED";
  reason: string;
  alerts: Alert[];
}

/** What {@link ExecutionTradingState.restore} needs to know about the previous run. */
export interface PreviousRun {
  /** The recovery outcome (its `problem`, whether it found journal messages or a snapshot). */
  recovery: RecoveryReport;
  /** Whether a snapshot file existed before recovery (usable or not). */
  snapshotExisted: boolean;
}

/** The trading state, API limits and alerts of one execution service, persisted and failing closed. */
export class ExecutionTradingState {
  /** Open alerts (cleared when the kill switch is released). */
  alerts: Alert[] = [];
  /** The limits patch set through the API (or the fallback limits), persisted and re-applied at start. */
  apiLimits: Record<string, unknown> = {};

  private readonly store: TradingStateStore;
  private readonly risk: RiskManager;
  private readonly log: Logger;
  private readonly configLimits: RiskLimits;

  /** @param store the file @param risk the risk manager it governs @param log where alerts go @param configLimits the config's limits */
  constructor(store: TradingStateStore, risk: RiskManager, log: Logger, configLimits: RiskLimits) {
    this.store = store;
    this.risk = risk;
    this.log = log;
    this.configLimits = configLimits;
  }

  /** Applies the saved state, limits and alerts to the risk manager, failing closed (see the module doc), then saves. */
  async restore(previous: PreviousRun): Promise<void> {
    const loaded = await this.store.load();
    const lastGood = await this.store.loadLastGood();
    let record: TradingStateRecord | undefined;
    let problem: TradingStateFileError | undefined;
    let movedTo: string | undefined;
    if (loaded.status === "ok") record = loaded.record;
    else if (loaded.status === "unusable") {
      problem = loaded.error;
      movedTo = await this.store.moveAside();
    } else if (previous.snapshotExisted || previous.recovery.replayedMessages > 0 || previous.recovery.problem !== undefined || lastGood !== undefined) {
      const evidence = previous.snapshotExisted ? "a snapshot" : previous.recovery.replayedMessages > 0 ? `${previous.recovery.replayedMessages} journal messages` : lastGood !== undefined ? "the last-known-good copy" : "a journal";
      problem = new TradingStateFileError("missing", this.store.path, `missing, but a previous run left ${evidence} (every run writes this file before it journals)`);
    }
    if (record !== undefined) this.alerts = [...record.alerts];

    if (problem !== undefined) {
      this.raise(AlertName.TradingStateUnreadable, problem.path, problem.kind, problem.message, { movedTo });
      this.fallBackLimits(lastGood, "the trading-state file is unusable");
    } else if (record !== undefined && Object.keys(record.apiLimits).length > 0) {
      const r = this.risk.updateLimits(record.apiLimits);
      if (r.ok) {
        this.apiLimits = record.apiLimits;
        this.log.warn("risk limits set through the API before the restart are kept over the config", { limits: jsonSafe(record.apiLimits) });
      } else {
        this.raise(AlertName.RiskLimitsUnusable, this.store.path, "invalid", `${this.store.path}: saved risk limits are invalid now (${r.issues.join("; ")})`);
        this.fallBackLimits(lastGood?.savedAt === record.savedAt ? undefined : lastGood, "the saved risk limits are invalid");
      }
    }
    const snap = previous.recovery.problem;
    if (snap !== undefined) this.raise(AlertName.SnapshotUnusable, snap.path, snap.kind, snap.message, { movedTo: snap.movedTo });

    const halting = this.alerts.find((a) => HALTING.includes(a.name));
    if (halting !== undefined) {
      this.risk.setTradingState(TradingState.Halted, `fail closed: ${halting.reason}`);
      this.log.error("starting HALTED: trading state cannot be trusted; release the kill switch to trade again", {
        alerts: this.alerts.map((a) => `${a.name} ${a.file} (${a.kind})`), reason: halting.reason,
      });
    } else if (record !== undefined) {
      const keepReducing = record.state === TradingState.Active && this.risk.state === TradingState.Reducing;
      if (record.state !== this.risk.state && !keepReducing) {
        this.risk.setTradingState(record.state, `restored after restart: ${record.reason}`);
        this.log.warn("trading state restored from before the restart", { state: record.state, reason: record.reason });
      }
    }
    await this.save();
  }

  /** Persists the current state, reason, API limits and alerts (durably; see TradingStateStore.save). */
  async save(): Promise<void> {
    await this.store.save({
      state: this.risk.state, reason: this.risk.stateReason, apiLimits: this.apiLimits, alerts: this.alerts, savedAt: new Date().toISOString(),
    });
  }

  /** The kill switch was released by an operator: the alerts are acknowledged. */
  clearAlerts(): void {
    if (this.alerts.length > 0) this.log.warn("alerts cleared by releasing the kill switch", { alerts: this.alerts.map((a) => a.name) });
    this.alerts = [];
  }

  /** The `tradingStatus` control answer. */
  status(): TradingStatus {
    return { tradingState: API_STATE[this.risk.state], reason: this.risk.stateReason, alerts: this.alerts };
  }

  /** Prometheus text of the open alerts (`alphapulse_alert{service,name,file,kind} 1`) and their count. */
  metricsText(service: string): string {
    return this.addMetrics(new Exposition(), service).render();
  }

  /** Adds the open alerts (`alphapulse_alert{service,name,file,kind} 1`) and their count to `e`. */
  addMetrics(e: Exposition, service: string): Exposition {
    return e
      .gauge("alphapulse_alert", "1 for each open fail-closed alert of the execution service (cleared by releasing the kill switch).",
        this.alerts.map((a) => [{ service, name: a.name, file: a.file, kind: a.kind }, 1]))
      .gauge("alphapulse_execution_alerts_open", "Open fail-closed alerts.", this.alerts.length);
  }

  private raise(name: string, path: string, kind: string, reason: string, extra: Record<string, unknown> = {}): void {
    const file = basename(path);
    this.alerts = this.alerts.filter((a) => !(a.name === name && a.file === file));
    this.alerts.push({ name, file, kind, reason, since: new Date().toISOString() });
    this.log.error("alert", { alert: name, file: path, kind, reason, ...extra });
  }

  /** Limits: the strictest of the config's and the last-known-good copy's (config alone when none is usable). */
  private fallBackLimits(lastGood: TradingStateRecord | undefined, why: string): void {
    let known: RiskLimits | undefined;
    if (lastGood !== undefined && Object.keys(lastGood.apiLimits).length > 0) {
      const parsed = v.safeParse(RiskLimitsSchema, { ...limitsToInput(this.configLimits), ...lastGood.apiLimits });
      if (parsed.success) known = parsed.output;
    }
    const strict = known === undefined ? this.configLimits : strictestLimits(this.configLimits, known);
    const input = limitsToInput(strict);
    const r = this.risk.updateLimits(input);
    if (!r.ok) throw new Error(`fallback risk limits refused: ${r.issues.join("; ")}`);
    this.apiLimits = known === undefined ? {} : input;
    this.log.warn(`${why}: risk limits are the strictest of the config and the last-known-good copy`, {
      lastKnownGood: known === undefined ? "none usable" : this.store.lastGoodPath, limits: jsonSafe(input),
    });
  }
}
