/**
 * Risk and paper execution as one supervised service — the only path from a signal to an order:
 *
 *   signal relay ─▶ planner ─OrderRequest─▶ risk manager ─approved OrderRequest─▶ paper venue ─▶ OrderAck/Fill
 *                                              └─ OrderAck(rejected, reason)                          │
 *   market-data relay ─▶ market state of planner, risk, paper venue and portfolio       portfolio ◀──┘
 *
 * Every stage publishes real Protocol V2 messages: they go to the execution relay (LiquidationAlerts to
 * the signal relay), into the audit journal, and to the other stages in this process.
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
import * as v from "valibot";
import { CancelReason, MessageBuilder, MessageView, OrderStatus, RejectReason, RelayDomain, ServiceState, TlvType, type OrderRequestTlv } from "../../protocol/mod.ts";
import { Role } from "../../relay/wire/control.ts";
import { Exposition } from "../../core/metrics/mod.ts";
import { type MessageSink } from "../../trading/strategies/contract.ts";
import { MarketState } from "../../trading/execution/market-state.ts";
import { PaperConfigSchema } from "../../trading/execution/paper-config.ts";
import { PaperExecutionEngine } from "../../trading/execution/paper-engine.ts";
import { ExecutionPlanner, PlannerConfigSchema } from "../../trading/execution/planner.ts";
import { PortfolioConfigSchema } from "../../trading/portfolio/config.ts";
import { Portfolio } from "../../trading/portfolio/portfolio.ts";
import { RiskConfigSchema, RiskLimitsError } from "../../trading/risk/limits.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";
import { TradingState } from "../../trading/risk/risk-snapshot.ts";
import { ControlError } from "../control/channel.ts";
import { TradingStateStore } from "../state/trading-state-file.ts";
import { addExecutionMetrics } from "./execution-metrics.ts";
import { recoverExecution } from "./execution-recovery.ts";
import { ExecutionTradingState } from "./execution-state.ts";
import { jsonSafe } from "./json-safe.ts";
import { connectRelay } from "./relay-link.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** Source id of the planner's OrderRequests (execution range 40–59; risk 40, paper 41, portfolio 42). */
export const PLANNER_SOURCE = 43;

/** `options` of the execution service. */
export const ExecutionOptionsSchema = v.object({
  planner: v.optional(v.record(v.string(), v.unknown()), {}),
  risk: v.optional(v.record(v.string(), v.unknown()), {}),
  paper: v.optional(v.record(v.string(), v.unknown()), {}),
  portfolio: v.optional(v.record(v.string(), v.unknown()), {}),
  /** Journal file rotation. */
  journalMaxFileBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(4096)), 64 * 1024 * 1024),
  /** Journal files kept; older ones are removed (a snapshot must cover them: see RecoveryManager). */
  journalMaxFiles: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2)), 32),
  /** Period of risk/portfolio snapshots (ms); a snapshot is also written on graceful shutdown. */
  snapshotIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 10_000),
});
/** Parsed execution options. */
export type ExecutionOptions = v.InferOutput<typeof ExecutionOptionsSchema>;

/**
 * Publishes, as the paper venue (`venueSource`), an OrderAck expired (reason venue) for every order the
 * risk manager counts as open — after a restart, the in-memory paper venue no longer has them. Returns
 * their ids. The acks go to `publish` (the service's emit: journal, relay, and back into the stages).
 */
export function expireLostOrders(risk: RiskManager, venueSource: number, publish: (bytes: Uint8Array) => void): bigint[] {
  const ids = risk.toSnapshot().openOrders.map((o) => BigInt(o.orderId));
  const b = new MessageBuilder(128);
  for (const orderId of ids) {
    b.begin(RelayDomain.Execution, venueSource).setTimestamp(risk.market.now);
    const at = b.reserve(TlvType.OrderAck, 32);
    b.dv.setBigUint64(at, orderId, true);
    b.dv.setUint8(at + 16, OrderStatus.Expired);
    b.dv.setUint8(at + 17, RejectReason.Venue);
    b.dv.setBigUint64(at + 24, risk.market.now, true);
    publish(b.finish());
  }
  return ids;
}

/** Starts the execution service. */
export async function startExecutionService(ctx: ServiceContext, options: ExecutionOptions): Promise<RunningService> {
  const plannerConfig = v.parse(PlannerConfigSchema, options.planner);
  // Live, risk's "now" is the wall clock (a feed that stops ages without new messages; a skewed stamp is
  // judged against the local clock); `risk.clock: stamps` in the config restores stamp-derived time.
  const riskConfig = v.parse(RiskConfigSchema, { orderSources: [PLANNER_SOURCE, ...Array.from({ length: 20 }, (_, i) => 20 + i)], clock: "wall", ...options.risk });
  const paperConfig = v.parse(PaperConfigSchema, options.paper);
  const portfolioConfig = v.parse(PortfolioConfigSchema, options.portfolio);

  const plannerMarket = new MarketState();
  const planner = new ExecutionPlanner(plannerConfig, plannerMarket);
  const risk = new RiskManager(riskConfig);
  const paper = new PaperExecutionEngine(paperConfig);
  const portfolio = new Portfolio(portfolioConfig, new MarketState());
  // Recovery: the last snapshot of risk + portfolio and the journal tail after it (or the whole
  // journal), outputs muted (execution-recovery.ts).
  const { journal, recovery, recovered, snapshotExisted, append: journalAppend, snapshot } = await recoverExecution(ctx, risk, portfolio, {
    maxFileBytes: options.journalMaxFileBytes, maxFiles: options.journalMaxFiles,
  });
  const replayed = recovered.replayedMessages;
  const view = new MessageView();

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

  const queue: Uint8Array[] = [];
  let processed = 0;
  let failures = 0;
  const REJECT_REASONS = ["none", "risk limit", "kill switch", "invalid", "venue", "stale"];
  const emit = (bytes: Uint8Array): void => {
    const copy = bytes.slice();
    journalAppend(copy);
    const m = view.wrap(copy);
    if (m.findTlv(TlvType.OrderAck) && m.u8At(16) === OrderStatus.Rejected) {
      ctx.log.debug("order rejected", { cid: `order:${m.u64(0)}`, reason: REJECT_REASONS[m.u8At(17)] ?? m.u8At(17), ack: `${m.source}:${m.sequence}` });
    }
    if (view.wrap(copy).relayDomain === RelayDomain.Execution) {
      execRelay.publish(copy);
      queue.push(copy);
    } else signalOut.publish(copy);
  };
  const sink: MessageSink = { publish: emit };
  risk.connect(sink);
  paper.connect(sink);
  portfolio.connect(sink);
  const stageView = new MessageView();
  const toStages = (bytes: Uint8Array): void => {
    risk.onMessage(stageView.wrap(bytes));
    paper.onMessage(stageView.wrap(bytes));
    portfolio.onMessage(stageView.wrap(bytes));
  };
  const drain = (): void => {
    while (queue.length > 0) toStages(queue.shift()!);
  };

  // The paper venue keeps resting orders in memory only: orders the restored risk manager still counts
  // as open did not survive the restart. They expire now through the venue's own OrderAck (journaled
  // and published like any ack), so risk, the journal and every subscriber agree they are gone.
  const lostOrders = expireLostOrders(risk, paperConfig.source, emit);
  drain();
  if (lostOrders.length > 0) {
    ctx.log.warn("open orders did not survive the paper venue's restart: expired", { orders: lostOrders.map(String), openOrders: risk.openOrders });
  }
  const cidView = new MessageView();
  /** Correlation id of a message for logs: `source:sequence`. */
  const cidOf = (bytes: Uint8Array, offset = 0): string => {
    const m = cidView.wrap(bytes, offset);
    return `${m.source}:${m.sequence}`;
  };
  const guarded = (what: string, bytes: Uint8Array, offset: number, f: () => void): void => {
    processed++;
    try {
      f();
      drain();
    } catch (e) {
      failures++;
      queue.length = 0;
      if (failures <= 10 || failures % 1000 === 0) {
        ctx.log.error(`execution failed on a ${what} message`, { cid: cidOf(bytes, offset), error: String(e), failures });
      }
    }
  };

  const orderBuilder = new MessageBuilder(512);
  const inView = new MessageView();
  let orders = 0;
  let stopCancels = 0;
  const market = await connectRelay(ctx, RelayDomain.MarketData, Role.Subscriber);
  market.onMessage((bytes, offset) => guarded("market", bytes, offset, () => {
    plannerMarket.onMessage(inView.wrap(bytes, offset));
    toStages(bytes.subarray(offset));
  }));
  const signals = await connectRelay(ctx, RelayDomain.Signal, Role.Subscriber);
  signals.onMessage((bytes, offset, length) => guarded("signal", bytes, offset, () => {
    const msg = bytes.subarray(offset, offset + length);
    journalAppend(msg);
    portfolio.onMessage(inView.wrap(bytes, offset));
    const order: OrderRequestTlv | undefined = planner.plan(inView.wrap(bytes, offset));
    if (order === undefined) return;
    orders++;
    const orderMessage = orderBuilder.begin(RelayDomain.Execution, PLANNER_SOURCE).add(order).finish();
    ctx.log.debug("order planned", {
      cid: `signal:${order.signalId}`, orderId: order.orderId, side: order.side, quantity: order.quantity, price: order.price,
      from: cidOf(bytes, offset), order: cidOf(orderMessage),
    });
    emit(orderMessage);
  }));
  execRelay.onMessage((bytes, offset, length) => guarded("execution", bytes, offset, () => {
    const msg = bytes.subarray(offset, offset + length);
    journalAppend(msg);
    toStages(msg);
  }));

  const limitsJson = () => jsonSafe(risk.limits);
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
      const e = addExecutionMetrics(new Exposition(), { orders, failures, risk, paper, portfolio, journal, recovery, recovered, expiredOrders: lostOrders.length, stopCancels });
      return trading.addMetrics(e, ctx.name).render();
    },
    control: {
      tradingState: async () => trading.status().tradingState,
      /** The trading state with its reason and the open alerts (why a fail-closed start is HALTED). */
      tradingStatus: async () => jsonSafe(trading.status()),
      setKillSwitch: async (args) => {
        if (args.engaged) risk.killSwitch("kill switch engaged through the API");
        else {
          risk.setTradingState(TradingState.Active, "kill switch released through the API");
          trading.clearAlerts();
        }
        ctx.log.warn(args.engaged ? "kill switch engaged" : "kill switch released", { state: risk.state, openOrders: risk.openOrders });
        drain();
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
        tradingState: trading.status().tradingState, tradingReason: risk.stateReason, alerts: trading.alerts, totals: portfolio.totals(), positions: portfolio.positionsList(),
        orders: { planned: orders, accepted: risk.counters.accepted },
        openOrders: risk.openOrders, journal: journal.stats(), recoveredMessages: replayed, recovery: recovered,
        snapshots: { saved: recovery.saved, failures: recovery.failures, lastError: recovery.lastError },
      }),
    },
    async stop() {
      // Inputs first (no new orders), then every open order cancelled as the kill switch does it (the
      // paper venue acks each cancel; all journaled and published), without persisting HALTED. Then the
      // relay links, while the relays are surely still up (they stop at the same time), the final
      // snapshot, which covers everything journaled, and the journal.
      for (const c of [market, signals]) await c.close();
      const open = risk.openOrders;
      stopCancels = risk.cancelOpenOrders(CancelReason.Risk);
      drain();
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
