/**
 * Journal replay of a {@link RiskManager} (risk-manager.ts): applies one journaled message the way it
 * changed the manager when it happened, without deciding or publishing anything. It reaches the manager's
 * parts through a {@link RiskReplayContext} the manager builds once.
 *
 * @module
 */

import {
  CancelField, CancelReason, type InstrumentId, type MessageView, ORDER_FLAG_DEX_ROUTE, OrderAckField, OrderRequestField, OrderStatus,
  PRICE_SCALE, Side, TlvType,
} from "../../protocol/mod.ts";
import type { MarketState } from "../execution/market-state.ts";
import type { Portfolio } from "../portfolio/portfolio.ts";
import type { RiskConfig } from "./limits.ts";
import type { OpenOrders } from "./open-orders.ts";
import type { RiskClock } from "./risk-clock.ts";
import type { RiskCounters } from "./risk-snapshot.ts";
import { isMarketData, type StampGate } from "./stamp-gate.ts";

/** The parts of a {@link RiskManager} that replaying a journaled message reads and changes. */
export interface RiskReplayContext {
  /** The manager's config (its own source, the execution engine's). */
  readonly config: RiskConfig;
  /** Takes each message's stamp into the clock (market data ahead of it held back). */
  readonly gate: StampGate;
  /** Open orders and the order-rate window. */
  readonly open: OpenOrders;
  /** Market picture. */
  readonly market: MarketState;
  /** Positions and P&L. */
  readonly portfolio: Portfolio;
  /** The manager's counters. */
  readonly counters: RiskCounters;
  /** Risk's "now". */
  readonly clock: RiskClock;
  /** Records an accepted order: open, counted, in the rate window. */
  admit(orderId: bigint, slot: number, base: bigint, side: number, flags: number, now: number): void;
  /** Counts a rejection under its reason. */
  countRejection(reason: number): void;
  /** Re-checks the day's loss against the limit (may enter REDUCING). */
  checkDailyLoss(): boolean;
}

/**
 * Applies one journaled message (see {@link RiskManager.replay}): an OrderRequest under the manager's own
 * source is an order it accepted; its rejections are counted; acks and fills of the execution engine close
 * orders and move positions and the day's P&L. Orders from strategies are skipped.
 */
export function replayRiskMessage(view: MessageView, ctx: RiskReplayContext): void {
  const inTime = ctx.gate.take(view);
  if (!view.firstTlv()) return;
  const source = view.source;
  const own = source === ctx.config.source;
  const fromExecution = source === ctx.config.executionSource;
  let fills = false;
  let marketData = false;
  do {
    const t = view.tlvType;
    if (t === TlvType.OrderRequest) {
      if (own) replayAccepted(view, ctx);
    } else if (t === TlvType.OrderAck) {
      if (fromExecution) ctx.open.onAck(view);
      else if (own && view.u8At(OrderAckField.status) === OrderStatus.Rejected) ctx.countRejection(view.u8At(OrderAckField.rejectReason));
    } else if (t === TlvType.Fill) {
      if (fromExecution) {
        ctx.open.onFill(view);
        fills = true;
      }
    } else if (t === TlvType.Cancel) {
      if (own && view.u8At(CancelField.reason) === CancelReason.KillSwitch) ctx.counters.killSwitchCancels++;
      else if (own) ctx.counters.cancelsForwarded++;
    } else if (inTime) {
      ctx.market.onTlv(view);
    } else if (isMarketData(t)) {
      marketData = true;
    }
  } while (view.nextTlv());
  if (!inTime && marketData) ctx.gate.onAhead(view, true, false);
  if (fills) {
    ctx.portfolio.onMessage(view);
    ctx.checkDailyLoss();
  }
}

function replayAccepted(view: MessageView, ctx: RiskReplayContext): void {
  const orderId = view.u64(OrderRequestField.orderId);
  const id: InstrumentId = { assetId: view.u64(OrderRequestField.assetId), venue: view.u16(OrderRequestField.venue), assetType: view.u8At(OrderRequestField.assetType) };
  const side = view.u8At(OrderRequestField.side);
  const price = view.i64(OrderRequestField.price);
  const quantity = view.i64(OrderRequestField.quantity);
  const flags = view.u8At(OrderRequestField.flags);
  ctx.counters.orders++;
  const slot = ctx.market.instruments.slotOf(id, true);
  if (slot < 0) return;
  let base = quantity;
  if ((flags & ORDER_FLAG_DEX_ROUTE) !== 0 && side === Side.Buy) {
    const ref = price > 0n ? price : ctx.market.mark(id);
    if (ref !== undefined && ref > 0n) base = (quantity * PRICE_SCALE) / ref;
  }
  ctx.admit(orderId, slot, base, side, flags, ctx.clock.latestStampNs);
}
