/**
 * Risk and paper execution as one supervised service — the only path from a signal to an order:
 *
 *   signal relay ─▶ planner ─OrderRequest─▶ risk manager ─approved OrderRequest─▶ paper venue ─▶ OrderAck/Fill
 *                                              └─ OrderAck(rejected, reason)                          │
 *   market-data relay ─▶ market state of planner, risk, paper venue and portfolio       portfolio ◀──┘
 *
 * The stages run as one pipeline (trading/execution/pipeline.ts: plain calls, no sockets or files); this
 * shell owns what is around it. Every message a stage emits goes to the execution relay (LiquidationAlerts to
 * the signal relay) and into the audit journal. Options and stages: execution-options.ts; control
 * operations: execution-control.ts; metrics: execution-metrics.ts; journal and snapshots:
 * execution-recovery.ts; the trading-state file: execution-state.ts.
 *
 * Recovery: the risk manager and the portfolio are snapshotted every `snapshotIntervalMs` and on
 * graceful shutdown, each snapshot taken with the exact journal position it covers
 * ({@link Journal.checkpoint}). On start, the snapshot is restored and only the journal's tail after
 * that position is replayed (outputs muted; the risk manager applies recorded outcomes, it does not
 * decide again); without a usable snapshot the whole journal is replayed. So a restart — even after
 * `kill -9` — loses no position or P&L. Kill switch, limits and the portfolio are served on the control
 * socket; the recovery outcome is in the logs, in `/portfolio` (`recovery`) and in the metrics.
 *
 * Fail closed (execution-state.ts): an unusable or missing-but-expected trading-state file or snapshot
 * starts the service HALTED with an alert naming the file and why; the `tradingStatus` control
 * operation answers the state, its reason and the open alerts.
 *
 * Stop (SIGTERM from the supervisor, or the supervisor gone): inputs close first, then every open order
 * is cancelled the way the kill switch does it (a Cancel per order, the venue's ack, all journaled),
 * without persisting HALTED — a normal restart comes up in the state it had.
 *
 * @module
 */

import { serviceStateDirs } from "../paths.ts";
import { CancelReason, MessageView, OrderAckField, OrderStatus, RelayDomain, ServiceState, TlvType } from "../../protocol/mod.ts";
import { Role } from "../../relay/wire/control.ts";
import { Exposition } from "../../core/metrics/mod.ts";
import { ExecutionPipeline } from "../../trading/execution/pipeline.ts";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";
import { TradingStateStore } from "../state/trading-state-file.ts";
import { executionControl } from "./execution-control.ts";
import { addExecutionMetrics } from "./execution-metrics.ts";
import { buildExecutionStages, type ExecutionOptions } from "./execution-options.ts";
import { loadPoolCache } from "../../trading/dex/pool-cache.ts";
import { recoverExecution } from "./execution-recovery.ts";
import { ExecutionTradingState } from "./execution-state.ts";
import { connectRelay } from "./relay-link.ts";
import type { RunningService, ServiceContext } from "./types.ts";

export { PLANNER_SOURCE, expireLostOrders } from "../../trading/execution/pipeline.ts";
export { ExecutionOptionsSchema, type ExecutionOptions } from "./execution-options.ts";

const REJECT_REASONS = ["none", "risk limit", "kill switch", "invalid", "venue", "stale"];

/** Starts the execution service. */
export async function startExecutionService(ctx: ServiceContext, options: ExecutionOptions): Promise<RunningService> {
  const poolCache = typeof options.dex?.poolCache === "string" ? await loadPoolCache(options.dex.poolCache) : undefined;
  const stages = buildExecutionStages(options, poolCache === undefined ? [] : [...poolCache.values()]);
  const { risk, portfolio, riskConfig } = stages;
  // Recovery: the last snapshot of risk + portfolio and the journal tail after it (or the whole
  // journal), outputs muted (execution-recovery.ts).
  const { journal, recovery, recovered, snapshotExisted, append: journalAppend, snapshot } = await recoverExecution(ctx, risk, portfolio, {
    maxFileBytes: options.journalMaxFileBytes, maxFiles: options.journalMaxFiles,
  });

  // The trading state, the API's risk limits and open alerts survive restarts; anything unusable or
  // missing-but-expected about them or the snapshot starts the service HALTED (execution-state.ts).
  const trading = new ExecutionTradingState(new TradingStateStore(serviceStateDirs(ctx).snapshots, ctx.name), risk, ctx.log, riskConfig.limits);
  await trading.restore({ recovery: recovered, snapshotExisted });

  // A new run of LiquidationAlert ids, persisted before the first alert (and a fresh snapshot after a
  // full replay makes the next start short).
  portfolio.ids.nextRun();
  await recovery.runNow(snapshot);
  recovery.startPeriodic(snapshot, options.snapshotIntervalMs);

  const execRelay = await connectRelay(ctx, RelayDomain.Execution, Role.Both);
  const signalOut = await connectRelay(ctx, RelayDomain.Signal, Role.Publisher);

  // Every message a stage emits: journaled, then published on the relay of its domain.
  const outView = new MessageView();
  const pipeline = new ExecutionPipeline(stages, (bytes) => {
    journalAppend(bytes);
    const m = outView.wrap(bytes);
    if (m.findTlv(TlvType.OrderAck) && m.u8At(OrderAckField.status) === OrderStatus.Rejected) {
      const reason = m.u8At(OrderAckField.rejectReason);
      ctx.log.debug("order rejected", { cid: `order:${m.u64(OrderAckField.orderId)}`, reason: REJECT_REASONS[reason] ?? reason, ack: `${m.source}:${m.sequence}` });
    }
    if (outView.wrap(bytes).relayDomain === RelayDomain.Execution) execRelay.publish(bytes);
    else signalOut.publish(bytes);
  });

  // The paper venue keeps resting orders in memory only: orders the restored risk manager still counts
  // as open did not survive the restart. They expire now through the venue's own OrderAck (journaled
  // and published like any ack), so risk, the journal and every subscriber agree they are gone.
  const lostOrders = pipeline.expireLostOrders();
  if (lostOrders.length > 0) {
    ctx.log.warn("open orders did not survive the paper venue's restart: expired", { orders: lostOrders.map(String), openOrders: risk.openOrders });
  }
  const cidView = new MessageView();
  /** Correlation id of a message for logs: `source:sequence`. */
  const cidOf = (bytes: Uint8Array, offset = 0): string => {
    const m = cidView.wrap(bytes, offset);
    return `${m.source}:${m.sequence}`;
  };
  let processed = 0;
  let failures = 0;
  const guarded = (what: string, bytes: Uint8Array, offset: number, f: () => void): void => {
    processed++;
    try {
      f();
    } catch (e) {
      failures++;
      if (failures <= 10 || failures % 1000 === 0) {
        ctx.log.error(`execution failed on a ${what} message`, { cid: cidOf(bytes, offset), error: String(e), failures });
      }
    }
  };

  let stopCancels = 0;
  const market = await connectRelay(ctx, RelayDomain.MarketData, Role.Subscriber);
  market.onMessage((bytes, offset) => guarded("market", bytes, offset, () => void pipeline.onMarketData(bytes, offset)));
  const signals = await connectRelay(ctx, RelayDomain.Signal, Role.Subscriber);
  signals.onMessage((bytes, offset, length) => guarded("signal", bytes, offset, () => {
    journalAppend(bytes.subarray(offset, offset + length));
    const planned = pipeline.onSignal(bytes, offset);
    if (planned === undefined) return;
    const { order } = planned;
    ctx.log.debug("order planned", {
      cid: `signal:${order.signalId}`, orderId: order.orderId, side: order.side, quantity: order.quantity, price: order.price,
      from: cidOf(bytes, offset), order: cidOf(planned.message),
    });
  }));
  execRelay.onMessage((bytes, offset, length) => guarded("execution", bytes, offset, () => {
    const msg = bytes.subarray(offset, offset + length);
    journalAppend(msg);
    pipeline.onExecution(msg);
  }));

  return {
    status() {
      const degraded = risk.state !== TradingState.Active || trading.alerts.length > 0;
      return {
        state: degraded ? ServiceState.Degraded : ServiceState.Running,
        connections: [execRelay, signalOut, market, signals].filter((c) => c.connected).length,
        processed: BigInt(processed),
        dropped: BigInt(execRelay.stats.droppedOutgoing + signalOut.stats.droppedOutgoing + journal.stats().droppedMessages),
        errors: BigInt(failures + journal.stats().writeErrors + recovery.failures), p50Micros: 0, p99Micros: 0, lastSequence: 0n,
      };
    },
    metricsText() {
      const e = addExecutionMetrics(new Exposition(), {
        orders: pipeline.counters.ordersPlanned, failures, risk, paper: stages.paper, portfolio, journal, recovery, recovered, expiredOrders: lostOrders.length, stopCancels,
      });
      return trading.addMetrics(e, ctx.name).render();
    },
    control: executionControl({ pipeline, trading, journal, recovery, recovered, log: ctx.log }),
    async stop() {
      // Inputs first (no new orders), then every open order cancelled as the kill switch does it (the
      // paper venue acks each cancel; all journaled and published), without persisting HALTED. Then the
      // relay links, while the relays are surely still up (they stop at the same time), the final
      // snapshot, which covers everything journaled, and the journal.
      for (const c of [market, signals]) await c.close();
      const open = risk.openOrders;
      stopCancels = pipeline.cancelOpenOrders(CancelReason.Risk);
      if (open > 0) ctx.log.warn("open orders cancelled on stop", { cancelled: stopCancels, stillOpen: risk.openOrders });
      await journal.flush().catch(() => {});
      await execRelay.flush().catch(() => {});
      await signalOut.flush().catch(() => {});
      await execRelay.close();
      await signalOut.close();
      await recovery.stopPeriodic();
      await recovery.runNow(snapshot);
      await journal.close();
    },
  };
}
