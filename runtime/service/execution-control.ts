/**
 * The execution service's control operations: trading state and status, the kill switch, risk limits and
 * the portfolio, served on its control socket.
 *
 * @module
 */

import type { Journal } from "../journal.ts";
import type { RecoveryManager, RecoveryReport } from "../recovery.ts";
import type { ExecutionPipeline } from "../../trading/execution/pipeline.ts";
import { RiskLimitsError } from "../../trading/risk/limits.ts";
import type { Logger } from "../../core/log.ts";
import { ControlError, type ControlHandler } from "../control/channel.ts";
import type { ExecutionTradingState } from "./execution-state.ts";
import { jsonSafe } from "./json-safe.ts";
import { dexBookJson } from "../../trading/portfolio/dex-book.ts";

/** What the control operations act on and read. */
export interface ExecutionControlDeps {
  pipeline: ExecutionPipeline;
  trading: ExecutionTradingState;
  journal: Journal;
  recovery: RecoveryManager;
  recovered: RecoveryReport;
  log: Logger;
}

/** The control operations of the execution service. */
export function executionControl(d: ExecutionControlDeps): Record<string, ControlHandler> {
  const { pipeline, trading, journal, recovery, recovered } = d;
  const risk = pipeline.risk;
  const limitsJson = () => jsonSafe(risk.limits);
  return {
    tradingState: async () => trading.status().tradingState,
    /** The trading state with its reason and the open alerts (why a fail-closed start is HALTED). */
    tradingStatus: async () => jsonSafe(trading.status()),
    setKillSwitch: async (args) => {
      if (args.engaged) pipeline.killSwitch("kill switch engaged through the API");
      else {
        pipeline.activate("kill switch released through the API");
        trading.clearAlerts();
      }
      d.log.warn(args.engaged ? "kill switch engaged" : "kill switch released", { state: risk.state, openOrders: risk.openOrders });
      await journal.flush();
      await trading.save();
      return trading.status().tradingState;
    },
    riskLimits: async () => limitsJson(),
    setRiskLimits: async (args) => {
      try {
        risk.applyLimits(args.limits);
      } catch (e) {
        if (e instanceof RiskLimitsError) throw new ControlError("BadRequest", e.message, e.path);
        throw e;
      }
      trading.apiLimits = { ...trading.apiLimits, ...(args.limits as Record<string, unknown>) };
      await trading.save();
      return limitsJson();
    },
    portfolio: async () => jsonSafe({
      tradingState: trading.status().tradingState, tradingReason: risk.stateReason, alerts: trading.alerts,
      totals: pipeline.portfolio.totals(), positions: pipeline.portfolio.positionsList(),
      orders: { planned: pipeline.counters.ordersPlanned, accepted: risk.counters.accepted },
      dex: pipeline.portfolio.dex === undefined ? undefined : {
        ...(dexBookJson(pipeline.portfolio.dex.book, pipeline.portfolio.dex.label) as object),
        planner: pipeline.planner.dex?.counters, venue: pipeline.paper.dexCounters, risk: risk.dexCounters,
      },
      openOrders: risk.openOrders, journal: journal.stats(), recoveredMessages: recovered.replayedMessages, recovery: recovered,
      snapshots: { saved: recovery.saved, failures: recovery.failures, lastError: recovery.lastError },
    }),
  };
}
