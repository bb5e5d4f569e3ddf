/**
 * The execution service's own metric families (`alphapulse_execution_*`): orders, risk decisions, daily
 * loss against its limit, paper fills, portfolio P&L, journal, recovery and snapshots.
 *
 * @module
 */

import type { Exposition } from "../../core/metrics/mod.ts";
import type { PaperExecutionEngine } from "../../trading/execution/paper-engine.ts";
import type { Portfolio } from "../../trading/portfolio/portfolio.ts";
import type { RiskManager } from "../../trading/risk/risk-manager.ts";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";
import type { Journal } from "../journal.ts";
import type { RecoveryManager, RecoveryReport } from "../recovery.ts";

/** What the figures are read from. */
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

/** Adds the execution service's families to `e`. */
export function addExecutionMetrics(e: Exposition, s: ExecutionMetricSources): Exposition {
  const { risk, paper, journal, recovery, recovered } = s;
  const t = s.portfolio.totals();
  const j = journal.stats();
  const c = risk.counters;
  const p = "alphapulse_execution_";
  return e
    .counter(`${p}orders_planned_total`, "Orders the planner made from signals.", s.orders)
    .counter(`${p}risk_accepted_total`, "Orders the risk manager accepted.", c.accepted)
    .counter(`${p}risk_rejected_total`, "Orders the risk manager rejected, by reason.", [
      [{ reason: "risk" }, c.rejectedRisk], [{ reason: "stale" }, c.rejectedStale],
      [{ reason: "kill_switch" }, c.rejectedKillSwitch], [{ reason: "invalid" }, c.rejectedInvalid],
    ])
    .counter(`${p}risk_clock_skew_total`, "Messages stamped ahead of the local clock, by kind.", [
      [{ kind: "order" }, c.clockSkewOrders], [{ kind: "market_data" }, c.clockSkewMarketData], [{ kind: "execution" }, c.clockSkewExecution],
    ])
    .counter(`${p}risk_stale_order_stamps_total`, "Orders whose stamps were stale.", c.staleOrderStamps)
    .counter(`${p}paper_fills_total`, "Fills of the paper venue.", paper.counters.fills)
    .gauge(`${p}open_orders`, "Orders open at the venue.", risk.openOrders)
    .gauge(`${p}trading_halted`, "1 while trading is HALTED (kill switch engaged).", risk.state === TradingState.Halted ? 1 : 0)
    .gauge(`${p}trading_state`, "Trading state (0 active, 1 reducing, 2 halted).", risk.state === TradingState.Active ? 0 : risk.state === TradingState.Halted ? 2 : 1)
    .gauge(`${p}daily_pnl_quote`, "Net P&L of the current UTC day, in quote units.", Number(risk.dailyPnl()) / 1e8)
    .gauge(`${p}daily_loss_limit_quote`, "The daily loss limit, in quote units (0: none).", Number(risk.limits.dailyLossLimit) / 1e8)
    .gauge(`${p}portfolio_realized_pnl_e8`, "Realized P&L (quote × 1e8).", t.realized)
    .gauge(`${p}portfolio_unrealized_pnl_e8`, "Unrealized P&L (quote × 1e8).", t.unrealized)
    .gauge(`${p}portfolio_fees_e8`, "Fees paid (quote × 1e8).", t.fees)
    .gauge(`${p}portfolio_win_rate`, "Share of winning round trips.", t.winRate)
    .counter(`${p}journal_written_total`, "Messages written to the journal.", j.written)
    .counter(`${p}journal_dropped_total`, "Messages the journal dropped.", j.droppedMessages)
    .counter(`${p}journal_write_errors_total`, "Journal write errors.", j.writeErrors)
    .counter(`${p}failures_total`, "Messages the service failed on.", s.failures)
    .gauge(`${p}recovery_from_snapshot`, "1 when the last start recovered from a snapshot.", recovered.mode === "snapshot" ? 1 : 0)
    .gauge(`${p}recovery_replayed_messages`, "Journal messages replayed at the last start.", recovered.replayedMessages)
    .gauge(`${p}recovery_seconds`, "Time the last start's recovery took.", Math.round(recovered.millis) / 1000)
    .gauge(`${p}recovery_expired_orders`, "Orders expired at start because the paper venue lost them.", s.expiredOrders)
    .counter(`${p}snapshots_saved_total`, "Snapshots saved.", recovery.saved)
    .counter(`${p}snapshot_failures_total`, "Snapshots that failed.", recovery.failures)
    .gauge(`${p}stop_cancelled_orders`, "Open orders cancelled by the last stop.", s.stopCancels);
}
