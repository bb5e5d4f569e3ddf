/**
 * What a backtest keeps of the pipeline's output: every planner order (with the mid of its instrument at
 * decision time), every ack that refused or expired one, every fill — and, per strategy, positions of its
 * own fills (the portfolio's exact {@link Position} arithmetic), so P&L is attributed to strategies.
 *
 * Execution messages are rare next to market data, so they are decoded in full here.
 *
 * @example
 * ```ts
 * const rec = new Recorder(stages.plannerMarket);
 * const pipeline = new ExecutionPipeline(stages, (bytes) => rec.onOutput(bytes), { clock });
 * rec.fills; // FillRecord[] in the order the venue made them
 * ```
 * @module
 */

import { decodeMessage, OrderStatus, type InstrumentId } from "../../protocol/mod.ts";
import type { MarketState } from "../../trading/execution/market-state.ts";
import { PLANNER_SOURCE } from "../../trading/execution/pipeline.ts";
import { Position } from "../../trading/portfolio/position.ts";

/** One fill, as the paper venue reported it. */
export interface FillRecord {
  /** 1-based, in venue order. */
  seq: number;
  /** Fill time (ns since the epoch). */
  at: bigint;
  orderId: bigint;
  strategyId: number;
  instrument: InstrumentId;
  side: number;
  /** 1 maker, 2 taker. */
  liquidity: number;
  /** Price and quantity, ×1e8. */
  price: bigint;
  quantity: bigint;
  /** Fee in quote currency ×1e8. */
  fee: bigint;
  /** Mid of the instrument when the planner decided (×1e8), when known. */
  decisionMid: bigint | undefined;
  /** When the planner decided (its order's stamp, ns), when known. */
  decisionAt: bigint | undefined;
}

/** Per-strategy counts and positions. */
export interface StrategyBook {
  strategyId: number;
  orders: number;
  rejected: number;
  expired: number;
  fills: number;
  /** Round trips closed, and those that made money net of fees. */
  roundTrips: number;
  wins: number;
  /** Positions of this strategy's fills, by instrument key. */
  positions: Map<string, { instrument: InstrumentId; position: Position }>;
}

/** Key of an instrument in maps. */
export function instrumentKey(id: InstrumentId): string {
  return `${id.assetId}:${id.venue}:${id.assetType}`;
}

/** Records the pipeline's output (see module docs). */
export class Recorder {
  /** Fills, in venue order. */
  readonly fills: FillRecord[] = [];
  /** Strategy books by strategyId. */
  readonly strategies = new Map<number, StrategyBook>();
  /** Orders the planner made. */
  orders = 0;
  /** Orders refused (risk or venue). */
  rejected = 0;
  /** Orders (or their rest) expired unfilled. */
  expired = 0;
  private readonly orderInfo = new Map<bigint, { strategyId: number; mid: bigint | undefined; at: bigint }>();
  private readonly market: MarketState;

  /** @param market the market the planner decides by (the decision-time mid comes from it) */
  constructor(market: MarketState) {
    this.market = market;
  }

  private book(strategyId: number): StrategyBook {
    let b = this.strategies.get(strategyId);
    if (b === undefined) {
      b = { strategyId, orders: 0, rejected: 0, expired: 0, fills: 0, roundTrips: 0, wins: 0, positions: new Map() };
      this.strategies.set(strategyId, b);
    }
    return b;
  }

  /** One message the pipeline emitted. */
  onOutput(bytes: Uint8Array): void {
    const m = decodeMessage(bytes);
    for (const t of m.tlvs) {
      if (t.name === "OrderRequest" && m.header.source === PLANNER_SOURCE) {
        this.orders++;
        this.book(t.strategyId).orders++;
        this.orderInfo.set(t.orderId, { strategyId: t.strategyId, mid: this.market.mark(t.instrument), at: m.header.timestamp });
      } else if (t.name === "OrderAck") {
        const info = this.orderInfo.get(t.orderId);
        if (t.status === OrderStatus.Rejected) {
          this.rejected++;
          if (info !== undefined) this.book(info.strategyId).rejected++;
        } else if (t.status === OrderStatus.Expired) {
          this.expired++;
          if (info !== undefined) this.book(info.strategyId).expired++;
        }
      } else if (t.name === "Fill") {
        const info = this.orderInfo.get(t.orderId);
        const strategyId = info?.strategyId ?? 0;
        this.fills.push({
          seq: this.fills.length + 1, at: t.filledAt, orderId: t.orderId, strategyId, instrument: t.instrument, side: t.side,
          liquidity: t.liquidity, price: t.price, quantity: t.quantity, fee: t.fee, decisionMid: info?.mid, decisionAt: info?.at,
        });
        const b = this.book(strategyId);
        b.fills++;
        const key = instrumentKey(t.instrument);
        let p = b.positions.get(key);
        if (p === undefined) b.positions.set(key, (p = { instrument: t.instrument, position: new Position() }));
        const effect = p.position.apply(t.side, t.price, t.quantity, t.fee);
        if (effect.roundTrip !== undefined) {
          b.roundTrips++;
          if (effect.roundTrip > 0n) b.wins++;
        }
      }
    }
  }
}
