/**
 * Execution planning: turns a directional signal into an order — size from capital × fraction ×
 * signal confidence, clamped to [min, max] and rounded down to the lot size; venue by best quote among
 * the venues quoting the same pair (lowest ask to buy, highest bid to sell).
 *
 * @example
 * ```ts
 * const planner = new ExecutionPlanner(config, market);
 * const order = planner.plan(signalView); // OrderRequestTlv | undefined
 * ```
 * @module
 */

import * as v from "valibot";
import {
  MomentumSignalField, OrderType, PRICE_SCALE, Side, SignalIdentityField, TlvType, venueNumber, type InstrumentId, type MessageView, type OrderRequestTlv,
} from "../../protocol/mod.ts";
import { NonNegativeFixed8, U16 } from "../config.ts";
import { deriveId } from "../signal-id.ts";
import type { DexPlanner } from "./dex-planner.ts";
import type { MarketState } from "./market-state.ts";

/** Schema of the planner config. */
export const PlannerConfigSchema = v.strictObject({
  /** strategyId written into orders (0: the signal's). */
  strategyId: v.optional(U16, 0),
  /** Capital the fraction applies to (quote × 1e8). */
  capital: v.optional(NonNegativeFixed8, "100000"),
  /** Share of capital per order at confidence 100. */
  capitalFraction: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0.02),
  /** Smallest order (base × 1e8); smaller plans are dropped. */
  minQuantity: v.optional(NonNegativeFixed8, "0"),
  /** Largest order (base × 1e8). */
  maxQuantity: v.optional(NonNegativeFixed8, "1000000"),
  /** Quantity step (base × 1e8). */
  lotSize: v.optional(v.pipe(NonNegativeFixed8, v.check((x) => x > 0n, "must be positive")), "0.00000001"),
  /** Order type of planned orders. */
  orderType: v.optional(v.picklist(["market", "limit", "ioc"]), "ioc"),
  /** Slippage bound: limit = best ± this for limit/IOC, written as maxSlippageBps for market. */
  maxSlippageBps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 20),
  /** Venues considered (names or numbers); all venues quoting the pair when absent. */
  venues: v.optional(v.array(v.string())),
});

/** A validated planner config. */
export type PlannerConfig = v.InferOutput<typeof PlannerConfigSchema>;

/** The best venue for a side: its instrument and the price it quotes. */
export interface VenueChoice {
  instrument: InstrumentId;
  price: bigint;
}

/** Sizes and routes orders from signals. */
export class ExecutionPlanner {
  private readonly config: PlannerConfig;
  private readonly market: MarketState;
  private readonly venues: Set<number> | undefined;

  /** DEX planning of ArbitrageSignals (none: they are ignored). */
  readonly dex: DexPlanner | undefined;

  /** @param config validated config @param market latest quotes of all venues @param dex plans ArbitrageSignals */
  constructor(config: PlannerConfig, market: MarketState, dex?: DexPlanner) {
    this.config = config;
    this.dex = dex;
    this.market = market;
    this.venues = config.venues === undefined ? undefined : new Set(config.venues.map((v) => venueNumber(v)));
  }

  /** Best venue for `side` among instruments with this pair id and asset type. */
  chooseVenue(assetId: bigint, assetType: number, side: number): VenueChoice | undefined {
    const t = this.market.instruments;
    const lo = Number(assetId & 0xffffffffn);
    const hi = Number(assetId >> 32n);
    let best: VenueChoice | undefined;
    for (let s = 0; s < t.size; s++) {
      if (t.lo[s] !== lo || t.hi[s] !== hi || t.assetType[s] !== assetType) continue;
      if (this.venues !== undefined && !this.venues.has(t.venue[s]!)) continue;
      const id = t.instrument(s);
      const top = this.market.topOfBook(id);
      const price = side === Side.Buy ? top.ask : top.bid;
      if (price === undefined || price <= 0n) continue;
      if (best === undefined || (side === Side.Buy ? price < best.price : price > best.price)) best = { instrument: id, price };
    }
    return best;
  }

  /** Quantity (base × 1e8) for a confidence at a price: capital × fraction × confidence/100 ÷ price, clamped and lot-rounded. */
  size(confidence: number, price: bigint): bigint {
    const c = this.config;
    const fractionPpm = BigInt(Math.round(c.capitalFraction * 1_000_000));
    let q = (c.capital * fractionPpm * BigInt(Math.max(0, Math.min(100, confidence))) * PRICE_SCALE) / (1_000_000n * 100n * price);
    if (q > c.maxQuantity) q = c.maxQuantity;
    q -= q % c.lotSize;
    return q < c.minQuantity ? 0n : q;
  }

  /** An order for an ArbitrageSignal (with a {@link DexPlanner}) or a MomentumSignal message (direction ±1), or `undefined` when no venue quotes it or it sizes to nothing. */
  plan(signal: MessageView): OrderRequestTlv | undefined {
    if (!signal.findTlv(TlvType.SignalIdentity)) return undefined;
    const strategyId = this.config.strategyId || signal.u16(SignalIdentityField.strategyId);
    const confidence = signal.u8At(SignalIdentityField.confidence);
    const signalId = signal.u64(SignalIdentityField.signalId);
    if (this.dex !== undefined && signal.findTlv(TlvType.ArbitrageSignal)) return this.dex.plan(signal, strategyId, signalId, signal.timestamp);
    if (!signal.findTlv(TlvType.MomentumSignal)) return undefined;
    const direction = signal.i8(MomentumSignalField.direction);
    if (direction === 0) return undefined;
    const side = direction > 0 ? Side.Buy : Side.Sell;
    const choice = this.chooseVenue(signal.u64(MomentumSignalField.assetId), signal.u8At(MomentumSignalField.assetType), side);
    if (choice === undefined) return undefined;
    const quantity = this.size(confidence, choice.price);
    if (quantity <= 0n) return undefined;
    const bps = BigInt(this.config.maxSlippageBps);
    const type = this.config.orderType === "market" ? OrderType.Market : this.config.orderType === "limit" ? OrderType.Limit : OrderType.IOC;
    const price = type === OrderType.Market ? 0n : side === Side.Buy ? (choice.price * (10_000n + bps)) / 10_000n : (choice.price * (10_000n - bps)) / 10_000n;
    return {
      type: TlvType.OrderRequest, name: "OrderRequest", orderId: deriveId(strategyId, 0, signalId, 7), instrument: choice.instrument, side,
      orderType: type, strategyId, price, quantity, signalId, createdAt: signal.timestamp, maxSlippageBps: this.config.maxSlippageBps, flags: 0,
    };
  }
}
