/**
 * Risk rules for routed DEX orders (an OrderRequest whose orderId has a route in the shared
 * {@link DexRouteTable}), applied instead of the CEX position/notional rules — a flash-loan cycle ends
 * flat, so what bounds it is what it borrows and what it may cost:
 *
 * | rule | reject reason |
 * |---|---|
 * | now past the signal's `validUntil` | 5 stale (`expired`) |
 * | a pool of the route with no state, or older than `dex.maxPoolAgeMs` | 5 stale (`stalePool`) |
 * | tokenIn has no USD price | 5 stale (`unpriced`) |
 * | the chain's latest gas price above the signal's `maxGasPriceWei` | 1 risk limit (`gasCap`) |
 * | amountIn in USD above `dex.maxNotionalUsd` | 1 risk limit (`notional`) |
 * | USD borrowed in tokenIn by open DEX orders plus this one above `dex.maxTokenExposureUsd` | 1 risk limit (`exposure`) |
 *
 * Each rule has its own counter ({@link DexRiskCounters}).
 *
 * @module
 */

import { RejectReason } from "../../protocol/mod.ts";
import type { DexPricing } from "../dex/dex-settings.ts";
import type { DexRoute, DexRouteTable } from "../dex/route-table.ts";
import type { MarketState } from "../execution/market-state.ts";

/** The DEX rules, as counted. */
export const DexRiskRule = { Expired: "expired", StalePool: "stalePool", Unpriced: "unpriced", GasCap: "gasCap", Notional: "notional", Exposure: "exposure" } as const;
/** A {@link DexRiskRule} value. */
export type DexRiskRuleName = (typeof DexRiskRule)[keyof typeof DexRiskRule];

/** Rejections per rule, and DEX orders passed. */
export type DexRiskCounters = Record<DexRiskRuleName, number> & { passed: number };

/** A DEX rule's rejection. */
export interface DexRejection {
  rule: DexRiskRuleName;
  reason: number;
  detail: string;
}

/** What the DEX rules read. */
export interface DexRiskContext {
  routes: DexRouteTable;
  pricing: DexPricing;
  market: MarketState;
  counters: DexRiskCounters;
  /** Ids of the orders open now. */
  openOrderIds(): Iterable<bigint>;
}

/** New zeroed counters. */
export function newDexRiskCounters(): DexRiskCounters {
  return { expired: 0, stalePool: 0, unpriced: 0, gasCap: 0, notional: 0, exposure: 0, passed: 0 };
}

/** Applies the DEX rules to `route` at `nowNs` (ns); undefined when it passes. Counts the outcome. */
export function checkDexRoute(route: DexRoute, nowNs: number, c: DexRiskContext): DexRejection | undefined {
  const r = rules(route, nowNs, c);
  if (r === undefined) c.counters.passed++;
  else c.counters[r.rule]++;
  return r;
}

function rules(route: DexRoute, nowNs: number, c: DexRiskContext): DexRejection | undefined {
  const s = c.pricing.settings;
  if (route.validUntil !== 0n && BigInt(Math.floor(nowNs)) > route.validUntil) {
    return { rule: DexRiskRule.Expired, reason: RejectReason.Stale, detail: `signal valid until ${route.validUntil} ns, now ${Math.floor(nowNs)} ns` };
  }
  for (const address of route.pools) {
    const pool = c.market.pools.byAddress(address);
    if (pool === undefined || !pool.hasState) return { rule: DexRiskRule.StalePool, reason: RejectReason.Stale, detail: `pool ${address} has no state` };
    const ageMs = Math.max(0, (nowNs - pool.updatedAt) / 1e6);
    if (ageMs > s.maxPoolAgeMs) return { rule: DexRiskRule.StalePool, reason: RejectReason.Stale, detail: `pool ${address} state ${Math.round(ageMs)} ms old (limit ${s.maxPoolAgeMs} ms)` };
  }
  const token = c.market.pools.tokenId(route.tokenIn);
  const notional = c.pricing.valueUsd(token, route.amountIn);
  if (notional === undefined) return { rule: DexRiskRule.Unpriced, reason: RejectReason.Stale, detail: `no USD price for ${route.tokenIn}` };
  const gas = c.pricing.gasPriceWei(route.chainId);
  if (gas !== undefined && gas > route.maxGasPriceWei) {
    return { rule: DexRiskRule.GasCap, reason: RejectReason.RiskLimit, detail: `gas price ${gas} wei above the signal's cap ${route.maxGasPriceWei} wei` };
  }
  if (notional > s.maxNotionalUsd) return { rule: DexRiskRule.Notional, reason: RejectReason.RiskLimit, detail: `notional ${notional} USD×1e8 above the limit ${s.maxNotionalUsd}` };
  let exposure = notional;
  for (const id of c.openOrderIds()) {
    const other = c.routes.get(id);
    if (other !== undefined && other.orderId !== route.orderId && other.tokenIn === route.tokenIn) exposure += c.pricing.valueUsd(token, other.amountIn) ?? 0n;
  }
  if (exposure > s.maxTokenExposureUsd) {
    return { rule: DexRiskRule.Exposure, reason: RejectReason.RiskLimit, detail: `${route.tokenIn} borrowed by open DEX orders would reach ${exposure} USD×1e8 (limit ${s.maxTokenExposureUsd})` };
  }
  return undefined;
}
