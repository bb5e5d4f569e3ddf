/**
 * The execution pipeline: signal → planner → risk → paper venue → portfolio, in one process, with no
 * sockets, files or timers — what the execution service runs live (runtime/service/execution-service.ts
 * owns the relays, the journal, recovery and control around it) and what a backtest runs over history
 * with a {@link ManualClock}.
 *
 *   signal ─▶ portfolio (reference prices) ─▶ planner ─OrderRequest(43)─▶ risk ─OrderRequest(40)─▶ paper venue
 *                                                  └─ OrderAck rejected(40)            OrderAck/Fill(41) ─┘
 *   market data ─▶ planner's market, risk, paper venue, portfolio         portfolio, risk ◀── acks, fills
 *
 * Every stage speaks real Protocol V2 messages. Each message a stage emits goes, in the order emitted, to
 * the pipeline's output (the service journals and publishes it; a backtest records it), and — when it is of
 * the execution domain — on to the stages, in the fixed order risk, paper venue, portfolio, after the
 * message that caused it has been through all three. Every stage sees every execution message because each
 * keeps its own view of time and orders from them: risk acts on planner orders (43), acks and fills of the
 * venue (41) and its own cancels; the venue on risk's orders and cancels (40); the portfolio on orders
 * (expected prices) and fills; each counts what it ignores. LiquidationAlerts (signal domain) only go out.
 *
 * A stage that throws leaves the rest of that input undelivered (the pipeline is ready for the next input);
 * the error propagates to the caller, which counts it.
 *
 * @example
 * ```ts
 * const pipeline = new ExecutionPipeline({ planner, plannerMarket, risk, paper, portfolio }, (bytes) => journal.append(bytes));
 * pipeline.onMarketData(quoteBytes);
 * const planned = pipeline.onSignal(signalBytes); // { order, message, decision } | undefined
 * pipeline.killSwitch("operator");                // Cancels, then the venue's acks
 * ```
 * @module
 */

import { MessageBuilder, MessageView, OrderAckField, OrderStatus, RejectReason, RelayDomain, TlvType, type OrderRequestTlv } from "../../protocol/mod.ts";
import type { Clock } from "../../core/clock.ts";
import type { MessageSink } from "../../core/sink.ts";
import type { Portfolio } from "../portfolio/portfolio.ts";
import type { RiskManager } from "../risk/risk-manager.ts";
import type { RiskDecision } from "../risk/risk-manager-options.ts";
import { ClockMode } from "../risk/risk-clock.ts";
import { TradingState } from "../risk/risk-snapshot.ts";
import type { MarketState } from "./market-state.ts";
import type { PaperExecutionEngine } from "./paper-engine.ts";
import type { ExecutionPlanner } from "./planner.ts";

/** Bytes of one slab of emitted copies in shared-market mode. */
const SLAB_BYTES = 64 * 1024;

/** Source id of the planner's OrderRequests (execution range 40–59; risk 40, paper 41, portfolio 42). */
export const PLANNER_SOURCE = 43;

/** The stages of a pipeline, built by the caller from its config. */
export interface PipelineStages {
  planner: ExecutionPlanner;
  /** The market state the planner routes by (fed with every market-data message). */
  plannerMarket: MarketState;
  risk: RiskManager;
  paper: PaperExecutionEngine;
  portfolio: Portfolio;
}

/** Options of an {@link ExecutionPipeline}. */
export interface PipelineOptions {
  /** Stamps the planner's orders (default: the protocol's wall time, as live). */
  clock?: Clock;
  /**
   * One market for every stage (a backtest): planner, risk and paper venue (and the portfolio, built on
   * it without feeding it) read the same {@link MarketState}, which the pipeline feeds once per
   * market-data message, walking its TLVs once. Requires `plannerMarket`, `risk.market` and
   * `paper.market` to be the same object and risk on a `wall` clock (so no stamp is ever ahead of it
   * and dropped by risk alone). Emitted copies are then cut from append-only slabs (one ArrayBuffer for
   * many messages, so views over them are not rebuilt per message) and the paper venue keeps held
   * orders in place in them. Default false: each stage feeds
   * its own market and every copy has its own buffer, as live.
   */
  sharedMarket?: boolean;
}

/** A pipeline built from stages that do not fit its options (what, and why). */
export class PipelineConfigError extends Error {
  /** @param detail what does not fit */
  constructor(detail: string) {
    super(`ExecutionPipeline: ${detail}`);
    this.name = "PipelineConfigError";
  }
}

/** What became of a signal the planner acted on. */
export interface PlannedOrder {
  /** The order the planner made. */
  order: OrderRequestTlv;
  /** The order as published (under {@link PLANNER_SOURCE}). */
  message: Uint8Array;
  /** Risk's decision on it (undefined only if risk never decided, e.g. a foreign source). */
  decision: RiskDecision | undefined;
}

/** Receives every message a stage emits, in order: an owned copy. */
export type PipelineOutput = (message: Uint8Array) => void;

/**
 * Publishes, as the paper venue (`venueSource`), an OrderAck expired (reason venue) for every order the
 * risk manager counts as open — after a restart, the in-memory paper venue no longer has them. Returns
 * their ids. The acks go to `publish`.
 */
export function expireLostOrders(risk: RiskManager, venueSource: number, publish: (bytes: Uint8Array) => void): bigint[] {
  const ids = risk.toSnapshot().openOrders.map((o) => BigInt(o.orderId));
  const b = new MessageBuilder(128);
  for (const orderId of ids) {
    b.begin(RelayDomain.Execution, venueSource).setTimestamp(risk.market.now);
    const at = b.reserve(TlvType.OrderAck, 32);
    b.dv.setBigUint64(at + OrderAckField.orderId, orderId, true);
    b.dv.setUint8(at + OrderAckField.status, OrderStatus.Expired);
    b.dv.setUint8(at + OrderAckField.rejectReason, RejectReason.Venue);
    b.dv.setBigUint64(at + OrderAckField.ackedAt, risk.market.now, true);
    publish(b.finish());
  }
  return ids;
}

/** Counters of a pipeline. */
export interface PipelineCounters {
  /** Orders the planner made from signals. */
  ordersPlanned: number;
  /** Messages the stages emitted. */
  emitted: number;
}

/** Planner, risk, paper venue and portfolio as one pipeline (see module docs). */
export class ExecutionPipeline {
  /** Counters. */
  readonly counters: PipelineCounters = { ordersPlanned: 0, emitted: 0 };
  /** The planner. */
  readonly planner: ExecutionPlanner;
  /** The risk manager. */
  readonly risk: RiskManager;
  /** The paper venue. */
  readonly paper: PaperExecutionEngine;
  /** The portfolio. */
  readonly portfolio: Portfolio;
  private readonly plannerMarket: MarketState;
  private readonly output: PipelineOutput;
  private readonly clock: Clock | undefined;
  /** The one market of shared-market mode (undefined: each stage feeds its own). */
  private readonly shared: MarketState | undefined;
  private readonly portfolioWatches: boolean;
  /** Shared-market mode: the slab emitted copies are cut from (never overwritten) and its next free byte. */
  private slab: Uint8Array | undefined;
  private slabAt = 0;
  private readonly signalView = new MessageView();
  /** Emitted execution messages not yet through the stages, oldest first. */
  private readonly pending: Uint8Array[] = [];
  private readonly view = new MessageView();
  private readonly stageView = new MessageView();
  private readonly emitView = new MessageView();
  private readonly orderBuilder = new MessageBuilder(512);

  /** @param stages the stages (connected to this pipeline here) @param output every emitted message @param options clock */
  constructor(stages: PipelineStages, output: PipelineOutput, options: PipelineOptions = {}) {
    this.planner = stages.planner;
    this.plannerMarket = stages.plannerMarket;
    this.risk = stages.risk;
    this.paper = stages.paper;
    this.portfolio = stages.portfolio;
    this.output = output;
    this.clock = options.clock;
    if (options.sharedMarket === true) {
      const m = stages.plannerMarket;
      if (stages.risk.market !== m || stages.paper.market !== m) throw new PipelineConfigError("sharedMarket needs planner, risk and paper venue built on the same MarketState");
      if (stages.risk.clock.mode !== ClockMode.Wall) throw new PipelineConfigError(`sharedMarket needs risk on a wall clock (it is on "${stages.risk.clock.mode}"): a stamp risk alone holds back would be in the shared market`);
      this.shared = m;
      this.slab = new Uint8Array(SLAB_BYTES);
      // Every message the venue is given here is an owned copy (emitted, or copied by onExecution).
      stages.paper.keepHeldInPlace();
    }
    this.portfolioWatches = stages.portfolio.watchesMarketData;
    const sink: MessageSink = { publish: (bytes) => this.emit(bytes) };
    this.risk.connect(sink);
    this.paper.connect(sink);
    this.portfolio.connect(sink);
  }

  /** One market-data message (at `offset` of `bytes`): the planner's market, then the stages. Returns messages emitted. */
  onMarketData(bytes: Uint8Array, offset = 0): number {
    const before = this.counters.emitted;
    if (this.shared !== undefined) {
      try {
        this.sharedMarketData(this.shared, this.view.wrap(bytes, offset));
        if (this.pending.length > 0) this.settle();
      } finally {
        // Setting an array's length is a runtime call: only when something is left (a stage threw).
        if (this.pending.length > 0) this.pending.length = 0;
      }
      return this.counters.emitted - before;
    }
    this.run(() => {
      this.plannerMarket.onMessage(this.view.wrap(bytes, offset));
      this.deliver(offset === 0 ? bytes : bytes.subarray(offset));
    });
    return this.counters.emitted - before;
  }

  /**
   * One signal message: the portfolio notes its reference price, the planner makes an order or not, and
   * the order goes through risk, the venue and the portfolio. Returns the order and risk's decision, or
   * undefined when the planner made none.
   */
  onSignal(bytes: Uint8Array, offset = 0): PlannedOrder | undefined {
    let planned: PlannedOrder | undefined;
    this.run(() => {
      // Its own view: the signal buffer (a strategy's builder) stays the view's current buffer.
      this.portfolio.onMessage(this.signalView.wrap(bytes, offset));
      const order = this.planner.plan(this.signalView.wrap(bytes, offset));
      if (order === undefined) return;
      this.counters.ordersPlanned++;
      const b = this.clock === undefined ? this.orderBuilder.begin(RelayDomain.Execution, PLANNER_SOURCE) : this.orderBuilder.begin(RelayDomain.Execution, PLANNER_SOURCE, this.clock.nowMs());
      const message = this.emit(b.add(order).finish());
      this.settle();
      const d = this.risk.lastDecision;
      planned = { order, message, decision: d !== undefined && d.orderId === order.orderId ? d : undefined };
    });
    return planned;
  }

  /**
   * One execution-domain message from elsewhere (another service on the execution relay). Returns
   * messages emitted. In shared-market mode it is copied first (the venue keeps held orders in place).
   */
  onExecution(bytes: Uint8Array): number {
    const before = this.counters.emitted;
    const owned = this.slab === undefined ? bytes : this.slabCopy(bytes);
    this.run(() => this.deliver(owned));
    return this.counters.emitted - before;
  }

  /** The kill switch: HALTED, a Cancel per open order and the venue's answers. Returns the Cancels published. */
  killSwitch(reason: string): number {
    let n = 0;
    this.run(() => (n = this.risk.killSwitch(reason)));
    return n;
  }

  /** Trading ACTIVE again (the kill switch released). */
  activate(reason: string): void {
    this.run(() => void this.risk.setTradingState(TradingState.Active, reason));
  }

  /** A Cancel with `reason` for every open order (the graceful stop), and the venue's answers. Returns the Cancels published. */
  cancelOpenOrders(reason: number): number {
    let n = 0;
    this.run(() => (n = this.risk.cancelOpenOrders(reason)));
    return n;
  }

  /** Expires, through the venue's own acks, the orders risk counts open that the venue lost (a restart). Returns their ids. */
  expireLostOrders(): bigint[] {
    let ids: bigint[] = [];
    this.run(() => (ids = expireLostOrders(this.risk, this.paper.source, (bytes) => this.emit(bytes))));
    return ids;
  }

  /**
   * Shared-market mode: held orders due before this message execute against the market as it was, risk
   * takes the stamp, then each TLV goes once into the market and, when the venue has resting orders, to
   * the venue's matching; the portfolio sees the message only when it watches market data.
   */
  private sharedMarketData(market: MarketState, view: MessageView): void {
    this.paper.beforeSharedMarketData(view);
    // Risk's stamp gate moves the (shared) market's time when it takes the stamp.
    if (!this.risk.takeSharedMarketStamp(view)) market.noteTime(view);
    if (view.firstTlv()) {
      const paper = this.paper;
      do {
        market.onTlv(view);
        paper.afterSharedMarketTlv(view);
      } while (view.nextTlv());
    }
    if (this.portfolioWatches) this.portfolio.onMessage(view);
  }

  /** Runs `f`, then delivers what it emitted; whatever happens, nothing is left pending. */
  private run(f: () => void): void {
    try {
      f();
      this.settle();
    } finally {
      this.pending.length = 0;
    }
  }

  /** A stage's message: copied, handed to the output, and queued for the stages when it is an execution message. */
  private emit(bytes: Uint8Array): Uint8Array {
    const copy = this.slab === undefined ? bytes.slice() : this.slabCopy(bytes);
    this.counters.emitted++;
    this.output(copy);
    if (this.emitView.wrap(copy).relayDomain === RelayDomain.Execution) this.pending.push(copy);
    return copy;
  }

  /** An owned copy cut from the current slab (a new slab when it is full). */
  private slabCopy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n > SLAB_BYTES) return bytes.slice();
    if (this.slabAt + n > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabAt = 0;
    }
    const copy = this.slab!.subarray(this.slabAt, this.slabAt + n);
    copy.set(bytes);
    // Messages start 8-byte aligned, as in a fresh buffer.
    this.slabAt += (n + 7) & ~7;
    return copy;
  }

  /** Delivers pending messages, oldest first, until none is left (what they emit is delivered after them). */
  private settle(): void {
    for (let i = 0; i < this.pending.length; i++) this.deliver(this.pending[i]!);
    if (this.pending.length > 0) this.pending.length = 0;
  }

  /** One message through the three stages, in order. */
  private deliver(bytes: Uint8Array): void {
    this.risk.onMessage(this.stageView.wrap(bytes));
    this.paper.onMessage(this.stageView.wrap(bytes));
    this.portfolio.onMessage(this.stageView.wrap(bytes));
  }
}
