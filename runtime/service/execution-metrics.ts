/**
 * The execution service's own metrics rows (`alphapulse_execution_<name> <value>`): orders, risk
 * decisions, paper fills, portfolio P&L, journal, recovery and snapshots.
 *
 * @module
 */

import type { PaperExecutionEngine } from "../../strategies/execution/paper-engine.ts";
import type { Portfolio } from "../../strategies/portfolio/portfolio.ts";
import type { RiskManager } from "../../strategies/risk/risk-manager.ts";
import { TradingState } from "../../strategies/risk/risk-snapshot.ts";
import type { Journal } from "../journal.ts";
import type { RecoveryManager, RecoveryReport } from "../recovery.ts";

/** What the rows are read from. */
export interface ExecutionMetricSources {
  orders: number;
  failures: number;
  risk: RiskManager;
  paper: PaperExecutionEngine;
  portfolio: Portfolio;
  journal: Journal;
  recovery: RecoveryManager;
  recovered: RecoveryReport;
  /** Orders expired at start because the paper venue lost them. */
  expiredOrders: number;
  /** Open orders cancelled by the last stop (0 until the service stops). */
  stopCancels: number;
}

/** `[name, value]` rows, names without the `alphapulse_execution_` prefix. */
export function executionMetricRows(s: ExecutionMetricSources): [string, number | bigint][] {
  const { risk, paper, journal, recovery, recovered } = s;
  const t = s.portfolio.totals();
  const j = journal.stats();
  return [
    ["orders_planned_total", s.orders], ["risk_accepted_total", risk.counters.accepted],
    ["risk_rejected_total{reason=\"risk\"}", risk.counters.rejectedRisk], ["risk_rejected_total{reason=\"stale\"}", risk.counters.rejectedStale],
    ["risk_rejected_total{reason=\"kill_switch\"}", risk.counters.rejectedKillSwitch], ["risk_rejected_total{reason=\"invalid\"}", risk.counters.rejectedInvalid],
    ["risk_clock_skew_total{kind=\"order\"}", risk.counters.clockSkewOrders], ["risk_clock_skew_total{kind=\"market_data\"}", risk.counters.clockSkewMarketData],
    ["risk_clock_skew_total{kind=\"execution\"}", risk.counters.clockSkewExecution], ["risk_stale_order_stamps_total", risk.counters.staleOrderStamps],
    ["paper_fills_total", paper.counters.fills], ["open_orders", risk.openOrders], ["trading_halted", risk.state === TradingState.Halted ? 1 : 0],
    ["portfolio_realized_pnl_e8", t.realized], ["portfolio_unrealized_pnl_e8", t.unrealized], ["portfolio_fees_e8", t.fees],
    ["portfolio_win_rate", t.winRate], ["journal_written_total", j.written], ["journal_dropped_total", j.droppedMessages],
    ["journal_write_errors_total", j.writeErrors], ["failures_total", s.failures],
    ["recovery_from_snapshot", recovered.mode === "snapshot" ? 1 : 0], ["recovery_replayed_messages", recovered.replayedMessages],
    ["recovery_millis", Math.round(recovered.millis)], ["recovery_expired_orders", s.expiredOrders], ["snapshots_saved_total", recovery.saved],
    ["snapshot_failures_total", recovery.failures], ["stop_cancelled_orders", s.stopCancels],
  ];
}
