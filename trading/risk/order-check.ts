/**
 * The risk rules for one OrderRequest, in the order they apply (see the table in risk-manager.ts): a
 * verdict from the order's fields and the manager's current picture, with no side effect but the daily
 * loss look (which may put trading into REDUCING).
 *
 * @module
 */

import {
  ORDER_FLAG_DEX_ROUTE, ORDER_FLAG_REDUCE_ONLY, OrderRequestField, OrderType, PRICE_SCALE, RejectReason, Side, type InstrumentId, type MessageView,
} from "../../protocol/mod.ts";
import type { MarketState } from "../execution/market-state.ts";
import type { Portfolio } from "../portfolio/portfolio.ts";
import type { ActiveLimits } from "./active-limits.ts";
import { checkDexRoute, type DexRiskContext } from "./dex-check.ts";
import type { OpenOrders } from "./open-orders.ts";
import { stampNs } from "./risk-clock.ts";
import { TradingState } from "./risk-snapshot.ts";

/** What the rules read besides the order. */
export interface OrderCheckContext {
  /** The trading state now (the daily loss look may change it). */
  state(): TradingState;
  /** Why the state is what it is. */
  stateReason(): string;
  limits: ActiveLimits;
  market: MarketState;
  portfolio: Portfolio;
  open: OpenOrders;
  /** True when the day's loss has reached its limit (may switch trading to REDUCING). */
  dailyLossReached(): boolean;
  /** DEX rules for routed orders (none: DEX orders go through the CEX rules, as before). */
  dex?: DexRiskContext;
}

/** The verdict on one order. */
export type OrderVerdict =
  | { accepted: true; orderId: bigint; slot: number; base: bigint; side: number; flags: number }
  | { accepted: false; orderId: bigint; reason: number; detail: string; skew?: "clockSkewOrders" | "staleOrderStamps" };

/** A refusal of `orderId` (a module function: a closure made per order costs more than the checks on Node). */
function refuse(orderId: bigint, reason: number, detail: string, skew?: "clockSkewOrders" | "staleOrderStamps"): OrderVerdict {
  return { accepted: false, orderId, reason, detail, skew };
}

/** Applies every rule to the OrderRequest under `view`'s cursor, at risk's now (`nowNs`, float ns). */
export function checkOrder(view: MessageView, nowNs: number, c: OrderCheckContext): OrderVerdict {
  const orderId = view.u64(OrderRequestField.orderId);
  const id: InstrumentId = { assetId: view.u64(OrderRequestField.assetId), venue: view.u16(OrderRequestField.venue), assetType: view.u8At(OrderRequestField.assetType) };
  const side = view.u8At(OrderRequestField.side);
  const type = view.u8At(OrderRequestField.orderType);
  const price = view.i64(OrderRequestField.price);
  const quantity = view.i64(OrderRequestField.quantity);
  const flags = view.u8At(OrderRequestField.flags);
  if (quantity <= 0n || (side !== Side.Buy && side !== Side.Sell) || type < OrderType.Market || type > OrderType.FOK) {
    return refuse(orderId, RejectReason.Invalid, `malformed order (side ${side}, type ${type}, quantity ${quantity})`);
  }
  if (type === OrderType.Limit && price <= 0n) return refuse(orderId, RejectReason.Invalid, "limit order without a price");
  if (c.state() === TradingState.Halted) return refuse(orderId, RejectReason.KillSwitch, `trading halted: ${c.stateReason()}`);

  const limits = c.limits.current;
  const now = nowNs;
  const orderAgeMs = (now - stampNs(view)) / 1e6;
  if (-orderAgeMs > limits.maxFutureSkewMs) {
    return refuse(orderId, RejectReason.Stale, `clock skew: order stamped ${Math.round(-orderAgeMs)} ms ahead of risk's clock (tolerance ${limits.maxFutureSkewMs} ms)`, "clockSkewOrders");
  }
  const maxOrderAgeMs = limits.maxOrderAgeMs ?? limits.maxDataAgeMs;
  if (orderAgeMs > maxOrderAgeMs) {
    return refuse(orderId, RejectReason.Stale, `order stamped ${Math.round(orderAgeMs)} ms before now (limit ${maxOrderAgeMs} ms)`, "staleOrderStamps");
  }
  const route = c.dex?.routes.get(orderId);
  if (route !== undefined) {
    if (c.state() === TradingState.Reducing || c.dailyLossReached()) return refuse(orderId, RejectReason.RiskLimit, `trading is REDUCING (${c.stateReason()}): no new DEX routes`);
    const r = checkDexRoute(route, now, c.dex!);
    if (r !== undefined) return refuse(orderId, r.reason, `${r.rule}: ${r.detail}`);
    if (c.open.size >= limits.maxOpenOrders) return refuse(orderId, RejectReason.RiskLimit, `${c.open.size} orders open (limit ${limits.maxOpenOrders})`);
    if (c.open.rateExceeded(now, limits.maxOrdersPerSecond)) return refuse(orderId, RejectReason.RiskLimit, `order rate above ${limits.maxOrdersPerSecond}/s`);
    return { accepted: true, orderId, slot: c.market.instruments.slotOf(id, true), base: quantity, side, flags };
  }
  const updated = c.market.lastUpdate(id);
  if (updated === 0) return refuse(orderId, RejectReason.Stale, "no market data for the instrument");
  // Data stamped ahead of now (within the tolerance: further ahead it was never stored) is fresh.
  const ageMs = Math.max(0, (now - updated) / 1e6);
  if (ageMs > limits.maxDataAgeMs) return refuse(orderId, RejectReason.Stale, `market data ${Math.round(ageMs)} ms old (limit ${limits.maxDataAgeMs} ms)`);

  const ref = price > 0n ? price : c.market.mark(id);
  if (ref === undefined || ref <= 0n) return refuse(orderId, RejectReason.Stale, "no price to value the order");
  // A DEX buy spends token1 (the quote): its quantity is the input; its base size is that valued at the mid.
  const dexBuy = (flags & ORDER_FLAG_DEX_ROUTE) !== 0 && side === Side.Buy;
  const base = dexBuy ? (quantity * PRICE_SCALE) / ref : quantity;
  const dq = side === Side.Buy ? base : -base;
  const position = c.portfolio.quantity(id);
  const shrinks = position !== 0n && (position > 0n) !== (dq > 0n) && base <= (position < 0n ? -position : position);
  if (c.dailyLossReached() && !shrinks) {
    return refuse(orderId, RejectReason.RiskLimit, `daily loss limit ${c.limits.current.dailyLossLimit} reached: only position-reducing orders`);
  }
  if (c.state() === TradingState.Reducing && !shrinks) {
    return refuse(orderId, RejectReason.RiskLimit, `trading is REDUCING (${c.stateReason()}): order would not shrink the position`);
  }
  if ((flags & ORDER_FLAG_REDUCE_ONLY) !== 0 && !shrinks) return refuse(orderId, RejectReason.RiskLimit, "reduce-only order would not shrink the position");

  const slot = c.market.instruments.slotOf(id, true);
  if (!shrinks) {
    const after = position + c.open.pending(slot) + dq;
    const limit = c.limits.positionLimit(id);
    if ((after < 0n ? -after : after) > limit) {
      return refuse(orderId, RejectReason.RiskLimit, `position would reach ${after} (limit ${limit}, base×1e8, open orders included)`);
    }
  }
  const notional = dexBuy ? quantity : (ref * quantity) / PRICE_SCALE;
  if (notional > c.limits.current.maxOrderNotional) {
    return refuse(orderId, RejectReason.RiskLimit, `notional ${notional} above the limit ${c.limits.current.maxOrderNotional} (quote×1e8)`);
  }
  if (c.open.size >= c.limits.current.maxOpenOrders) return refuse(orderId, RejectReason.RiskLimit, `${c.open.size} orders open (limit ${c.limits.current.maxOpenOrders})`);
  if (c.open.rateExceeded(now, c.limits.current.maxOrdersPerSecond)) {
    return refuse(orderId, RejectReason.RiskLimit, `order rate above ${c.limits.current.maxOrdersPerSecond}/s`);
  }
  return { accepted: true, orderId, slot, base, side, flags };
}
