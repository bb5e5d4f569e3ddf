/**
 * The risk manager: the only path from strategies to execution. OrderRequests from strategies come in;
 * each is either forwarded to the execution engine (re-published under the risk manager's source) or
 * rejected with an OrderAck (status rejected) carrying the PROTOCOL reject reason:
 *
 * | rule | reason |
 * |---|---|
 * | malformed order (quantity ≤ 0, unknown side/type, limit without price) | 3 invalid |
 * | trading state HALTED (kill switch) | 2 kill switch |
 * | no market data for the instrument, or older than `maxDataAgeMs` | 5 stale |
 * | the order's own stamp older than `maxOrderAgeMs` (default `maxDataAgeMs`) | 5 stale |
 * | the order's own stamp more than `maxFutureSkewMs` ahead of now (clock skew; no own reason code) | 5 stale |
 * | state REDUCING (or reduce-only flag) and the order does not shrink the position | 1 risk limit |
 * | position limit, max notional per order, max open orders, order rate, daily loss limit | 1 risk limit |
 *
 * Orders on DEX pool instruments (DEX route) are valued at the pool's mid price (token1 per token0);
 * a DEX buy's quantity is its token1 input, so its base size is that input divided by the mid.
 *
 * Trading state: ACTIVE; REDUCING (only orders that shrink a position — entered automatically when the
 * day's loss reaches `dailyLossLimit`); HALTED (kill switch: every order rejected, Cancels published for
 * all open orders). Positions and P&L come from the execution engine's Fills, open orders from its acks
 * and fills. Limits change at run time through {@link RiskManager.updateLimits}, validated like the file.
 *
 * Time ({@link RiskClock}): "now" is the latest header stamp accepted (config `clock: stamps`, the
 * default — a replay decides exactly the same way) or the local wall clock (`clock: wall`, live). Ages
 * are measured from each message's own header stamp: market data by the stamp of the message that
 * carried it (an adapter whose clock is behind makes its data stale), an order by its own stamp. A stamp
 * more than `maxFutureSkewMs` ahead of now never moves now: such an order is rejected (Stale, detail
 * "clock skew"), such market data is dropped (`stamps` mode: held back until a second message confirms
 * that time really jumped), such acks and fills are applied without their time — all counted
 * (`clockSkew*` counters, in the execution service's metrics).
 *
 * Beside it: its options (risk-manager-options.ts), the order checks (order-check.ts), journal replay
 * (risk-replay.ts), the snapshot's parts (risk-snapshot-parts.ts).
 *
 * @example
 * ```ts
 * const risk = new RiskManager(config, { sink: executionRelay, pools });
 * risk.onMessage(view);          // orders, acks, fills and market data
 * risk.killSwitch("operator");   // HALTED + Cancel for every open order
 * const snap = risk.toSnapshot(); // JSON-safe, versioned: open orders, positions, day P&L, state, rate window
 * fresh.restore(snap);            // validated first (SnapshotError names the field)
 * fresh.replay(view);             // applies a journaled message's recorded outcome, decides nothing
 * ```
 * @module
 */

import * as v from "valibot";
import { CancelReason, MessageBuilder, type MessageView, ORDER_FLAG_DEX_ROUTE, RejectReason, Side, TlvType } from "../../protocol/mod.ts";
import { DiscardSink, type MessageSink } from "../../core/sink.ts";
import { MarketState } from "../execution/market-state.ts";
import { PortfolioConfigSchema } from "../portfolio/config.ts";
import { Portfolio } from "../portfolio/portfolio.ts";
import { parseSnapshot } from "../snapshot-codec.ts";
import { ActiveLimits } from "./active-limits.ts";
import { RiskLimitsError, type RiskConfig, type RiskLimits } from "./limits.ts";
import { OpenOrders } from "./open-orders.ts";
import { checkOrder, type OrderCheckContext } from "./order-check.ts";
import { newDexRiskCounters, type DexRiskCounters } from "./dex-check.ts";
import { DexBook } from "../portfolio/dex-book.ts";
import { RiskClock } from "./risk-clock.ts";
import type { RiskDecision, RiskManagerOptions } from "./risk-manager-options.ts";
import { writeCancel, writeForward, writeRejection } from "./risk-messages.ts";
import { replayRiskMessage, type RiskReplayContext } from "./risk-replay.ts";
import { openOrderSlots, riskSnapshotOf, timeMessage } from "./risk-snapshot-parts.ts";
import { StampGate, isMarketData } from "./stamp-gate.ts";
import { RISK_SNAPSHOT_VERSION, RiskSnapshotSchema, TradingState, type RiskCounters, type RiskSnapshot, type RiskSnapshotValues } from "./risk-snapshot.ts";

const NS_PER_DAY = 86_400_000_000_000;

/** Risk manager engine (see module docs). */
export class RiskManager {
  /** Market picture (marks, freshness). */
  readonly market: MarketState;
  /** Positions and P&L from the execution engine's fills. */
  readonly portfolio: Portfolio;
  /** Counters. */
  readonly counters: RiskCounters = {
    orders: 0, accepted: 0, rejectedInvalid: 0, rejectedKillSwitch: 0, rejectedStale: 0, rejectedRisk: 0, cancelsForwarded: 0,
    killSwitchCancels: 0, foreignOrders: 0, clockSkewOrders: 0, clockSkewMarketData: 0, clockSkewExecution: 0, staleOrderStamps: 0,
  };
  /** Risk's "now" (see module docs). */
  readonly clock: RiskClock;
  /** The last decision taken. */
  lastDecision: RiskDecision | undefined;
  /** Rejections per DEX rule (not in snapshots). */
  readonly dexCounters: DexRiskCounters = newDexRiskCounters();
  private readonly config: RiskConfig;
  private readonly active: ActiveLimits;
  private stateValue: TradingState;
  private stateReasonValue = "configured";
  private sink: MessageSink;
  private readonly builder = new MessageBuilder(1024);
  private readonly open: OpenOrders;
  private readonly gate: StampGate;
  private readonly orderContext: OrderCheckContext;
  private readonly replayContext: RiskReplayContext;
  private day = -1;
  private dayBaseline = 0n;

  /** @param config validated config @param options sink, pools, shared market */
  constructor(config: RiskConfig, options: RiskManagerOptions = {}) {
    this.config = config;
    this.active = new ActiveLimits(config.limits);
    this.stateValue = config.state;
    this.sink = options.sink ?? new DiscardSink();
    this.market = options.market ?? new MarketState({ pools: options.pools });
    // Routed DEX fills are booked apart (token balances, USD); their net counts toward the day's P&L.
    const dex = options.dex === undefined ? undefined : {
      routes: options.dex.routes, book: new DexBook(0), nativeToken: () => undefined, label: () => ({ symbol: "", decimals: -1 }),
    };
    this.portfolio = new Portfolio(v.parse(PortfolioConfigSchema, {}), this.market, new DiscardSink(), false, dex);
    this.open = new OpenOrders(config.limits.maxOrdersPerSecond);
    this.clock = new RiskClock({ mode: config.clock, maxFutureSkewMs: config.limits.maxFutureSkewMs, clock: options.clock, wallMs: options.wallMs });
    this.gate = new StampGate(this.clock, this.market, this.counters);
    this.replayContext = {
      config, gate: this.gate, open: this.open, market: this.market, portfolio: this.portfolio, counters: this.counters, clock: this.clock,
      admit: (orderId, slot, base, side, flags, now) => this.admit(orderId, slot, base, side, flags, now),
      countRejection: (reason) => this.countRejection(reason), checkDailyLoss: () => this.checkDailyLoss(),
    };
    this.orderContext = {
      state: () => this.stateValue, stateReason: () => this.stateReasonValue, limits: this.active, market: this.market, portfolio: this.portfolio,
      open: this.open, dailyLossReached: () => this.checkDailyLoss(),
      dex: options.dex === undefined ? undefined : {
        routes: options.dex.routes, pricing: options.dex.pricing(this.market), market: this.market, counters: this.dexCounters, openOrderIds: () => this.open.ids(),
      },
    };
  }

  /** Sets where forwarded orders, rejections and cancels go. */
  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** Current limits. */
  get limits(): RiskLimits {
    return this.active.current;
  }

  /** Current trading state. */
  get state(): TradingState {
    return this.stateValue;
  }

  /** Why the state is what it is. */
  get stateReason(): string {
    return this.stateReasonValue;
  }

  /** Orders forwarded and not yet finished. */
  get openOrders(): number {
    return this.open.size;
  }

  /**
   * Changes limits at run time. `patch` is validated like the config file; on any issue nothing changes
   * and the issues (path: reason) are returned.
   */
  updateLimits(patch: unknown): { ok: true; limits: RiskLimits } | { ok: false; issues: string[] } {
    const r = this.active.patch(patch);
    if (!r.ok) return r;
    const next = r.limits;
    this.clock.setTolerance(next.maxFutureSkewMs);
    this.open.resize(next.maxOrdersPerSecond);
    return { ok: true, limits: next };
  }

  /**
   * Changes limits at run time like {@link updateLimits}, but throws {@link RiskLimitsError} (every refused
   * field as `path: reason`, nothing changed) instead of returning the issues.
   */
  applyLimits(patch: unknown): RiskLimits {
    const r = this.updateLimits(patch);
    if (!r.ok) throw new RiskLimitsError(r.issues);
    return r.limits;
  }

  /**
   * Sets the trading state. Entering HALTED publishes a Cancel (reason kill switch) for every open
   * order; returns how many.
   */
  setTradingState(state: TradingState, reason: string): number {
    const was = this.stateValue;
    this.stateValue = state;
    this.stateReasonValue = reason;
    if (state !== TradingState.Halted || was === TradingState.Halted) return 0;
    return this.cancelOpenOrders(CancelReason.KillSwitch);
  }

  /**
   * Publishes a Cancel with `reason` for every open order, as the kill switch does, without changing the
   * trading state (the service's graceful stop uses it with `CancelReason.Risk`); returns how many. The
   * orders stay open until the venue acknowledges the cancel. Counted as replay counts them: kill-switch
   * cancels apart, every other reason in `cancelsForwarded`.
   */
  cancelOpenOrders(reason: number): number {
    let n = 0;
    for (const orderId of this.open.ids()) {
      this.sink.publish(writeCancel(this.builder, this.config.source, orderId, reason, this.clock.now));
      n++;
    }
    if (reason === CancelReason.KillSwitch) this.counters.killSwitchCancels += n;
    else this.counters.cancelsForwarded += n;
    return n;
  }

  /** The kill switch: HALTED with Cancels for all open orders. */
  killSwitch(reason: string): number {
    return this.setTradingState(TradingState.Halted, reason);
  }

  /** Processes one message; returns how many messages it published. */
  onMessage(view: MessageView): number {
    const inTime = this.gate.take(view);
    if (!view.firstTlv()) return 0;
    const source = view.source;
    const fromExecution = source === this.config.executionSource;
    let published = 0;
    let fills = false;
    let marketData = false;
    let execution = false;
    do {
      const t = view.tlvType;
      if (t === TlvType.OrderRequest) {
        if (this.acceptsFrom(source)) published += this.onOrder(view);
        else this.counters.foreignOrders++;
      } else if (t === TlvType.OrderAck) {
        if (fromExecution) this.open.onAck(view);
        execution = true;
      } else if (t === TlvType.Fill) {
        if (fromExecution) {
          this.open.onFill(view);
          fills = true;
        }
        execution = true;
      } else if (t === TlvType.Cancel) {
        if (this.acceptsFrom(source)) published += this.forward(view, 24);
        execution = true;
      } else if (inTime) {
        this.market.onTlv(view);
      } else if (isMarketData(t)) {
        marketData = true;
      }
    } while (view.nextTlv());
    if (!inTime) this.gate.onAhead(view, marketData, execution);
    if (fills) {
      this.portfolio.onMessage(view);
      this.checkDailyLoss();
    }
    return published;
  }

  /**
   * Shared-market mode (the pipeline feeds the market this manager reads, once per message): takes the
   * market-data message's stamp into the clock and the market's "now", nothing else. Returns false (and
   * counts it, as `wall` mode does) when the stamp is beyond the skew tolerance — the pipeline only runs
   * this mode on a `wall` clock driven by the data, where no stamp is ahead.
   */
  takeSharedMarketStamp(view: MessageView): boolean {
    if (this.gate.take(view)) return true;
    this.gate.onAhead(view, true, false);
    return false;
  }

  private acceptsFrom(source: number): boolean {
    const allowed = this.config.orderSources;
    return allowed === undefined ? source >= 20 && source <= 39 : allowed.includes(source);
  }

  /** The day's net P&L so far (quote × 1e8; the day starts at the first look after UTC midnight). */
  dailyPnl(): bigint {
    const nowNs = this.clock.nowNs;
    const day = Math.floor(nowNs / NS_PER_DAY);
    const net = this.portfolio.totals().net + (this.portfolio.dex?.book.totals.netUsd ?? 0n);
    if (day !== this.day) {
      this.day = day;
      this.dayBaseline = net;
    }
    return net - this.dayBaseline;
  }

  private checkDailyLoss(): boolean {
    const pnl = this.dailyPnl();
    if (pnl <= -this.active.current.dailyLossLimit && this.active.current.dailyLossLimit > 0n) {
      if (this.stateValue === TradingState.Active) this.setTradingState(TradingState.Reducing, `daily loss ${pnl} reached the limit ${this.active.current.dailyLossLimit} (quote×1e8)`);
      return true;
    }
    return false;
  }

  private onOrder(view: MessageView): number {
    this.counters.orders++;
    const now = this.clock.nowNs;
    const v = checkOrder(view, now, this.orderContext);
    if (!v.accepted) {
      if (v.skew !== undefined) this.counters[v.skew]++;
      return this.reject(v.orderId, v.reason, v.detail);
    }
    this.admit(v.orderId, v.slot, v.base, v.side, v.flags, now);
    this.lastDecision = { orderId: v.orderId, accepted: true, reason: RejectReason.None, detail: "forwarded" };
    return this.forward(view, view.tlvLength);
  }

  /** Records an accepted order: open, counted, in the rate window. */
  private admit(orderId: bigint, slot: number, base: bigint, side: number, flags: number, now: number): void {
    this.open.admit(orderId, { slot, remaining: base, sign: side === Side.Buy ? 1n : -1n, dex: (flags & ORDER_FLAG_DEX_ROUTE) !== 0 }, now);
    this.counters.accepted++;
  }

  /**
   * Applies one journaled message the way it changed this manager when it happened, without deciding
   * or publishing anything: an OrderRequest under this manager's own source is an order it accepted
   * (open, counted, in the rate window); its rejections are counted; acks and fills of the execution
   * engine close orders and move positions and the day's P&L as in {@link onMessage}. Orders from
   * strategies are skipped — their outcome is the journaled forward or rejection that follows them.
   * Replaying a journal (or a snapshot and the journal's tail after it) rebuilds the state it recorded.
   */
  replay(view: MessageView): void {
    replayRiskMessage(view, this.replayContext);
  }

  /** The manager's state as a plain JSON-safe, versioned object (see {@link RiskSnapshot}). */
  toSnapshot(): RiskSnapshot {
    return riskSnapshotOf(
      this.stateValue, this.stateReasonValue, this.clock.latestStamp, this.market.instruments, this.open, this.day, this.dayBaseline, this.counters,
      this.portfolio,
    );
  }

  /**
   * Validates a snapshot (a {@link RiskSnapshot}, e.g. parsed from JSON). Throws a {@link SnapshotError}
   * naming the field when it is not one this build can restore.
   */
  static parseSnapshot(snapshot: unknown): RiskSnapshotValues {
    return parseSnapshot(RiskSnapshotSchema, snapshot, "risk", RISK_SNAPSHOT_VERSION);
  }

  /**
   * Replaces this manager's state (trading state, open orders, positions, day P&L baseline, order-rate
   * window, counters, market time) with a snapshot's. Validated before anything changes: a refused
   * snapshot ({@link SnapshotError}) leaves the manager as it was. Limits stay those of the config.
   */
  restore(snapshot: unknown): void {
    this.applySnapshot(RiskManager.parseSnapshot(snapshot));
  }

  /** Replaces this manager's state with an already validated snapshot (see {@link restore}). */
  applySnapshot(s: RiskSnapshotValues): void {
    const slots = openOrderSlots(this.market.instruments, s);
    this.portfolio.applySnapshot(s.portfolio);
    this.stateValue = s.state;
    this.stateReasonValue = s.stateReason;
    this.market.noteTime(timeMessage(s.marketTime));
    this.clock.restoreStamp(s.marketTime);
    this.open.restore(s.openOrders.map((o, i) => [o.orderId, { slot: slots[i]!, remaining: o.remaining, sign: BigInt(o.sign), dex: o.dex }]), s.rateTimes);
    this.day = s.day;
    this.dayBaseline = s.dayBaseline;
    Object.assign(this.counters, s.counters);
  }

  /** Re-publishes the TLV under the cursor (its first `length` bytes) under this service's source. */
  private forward(view: MessageView, length: number): number {
    if (view.tlvType === TlvType.Cancel) this.counters.cancelsForwarded++;
    this.sink.publish(writeForward(this.builder, this.config.source, view, length));
    return 1;
  }

  private countRejection(reason: number): void {
    if (reason === RejectReason.Invalid) this.counters.rejectedInvalid++;
    else if (reason === RejectReason.KillSwitch) this.counters.rejectedKillSwitch++;
    else if (reason === RejectReason.Stale) this.counters.rejectedStale++;
    else this.counters.rejectedRisk++;
  }

  private reject(orderId: bigint, reason: number, detail: string): number {
    this.countRejection(reason);
    this.lastDecision = { orderId, accepted: false, reason, detail };
    this.sink.publish(writeRejection(this.builder, this.config.source, orderId, reason, this.clock.now));
    return 1;
  }
}
