/**
 * What a backtest keeps of the pipeline's output: every planner order (with the mid of its instrument at
 * decision time), every ack that refused or expired one, every fill — and, per strategy, positions of its
 * own fills (the portfolio's exact {@link Position} arithmetic), so P&L is attributed to strategies.
 *
 * Execution messages are rare next to market data, but a long run still emits a few per order: their
 * fields are read in place (a {@link MessageView} over the emitted copy), not decoded into objects.
 *
 * @example
 * ```ts
 * const rec = new Recorder(stages.plannerMarket);
 * const pipeline = new ExecutionPipeline(stages, (bytes) => rec.onOutput(bytes), { clock });
 * rec.fills; // FillRecord[] in the order the venue made them
 * ```
 * @module
 */

import { FillField, MessageView, OrderAckField, OrderRequestField, OrderStatus, readInstrument, TlvType, type InstrumentId } from "../../protocol/mod.ts";
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
  private readonly view = new MessageView();

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
    const m = this.view.wrap(bytes);
    if (!m.firstTlv()) return;
    const fromPlanner = m.source === PLANNER_SOURCE;
    do {
      const type = m.tlvType;
      const dv = m.dv;
      const at = m.tlvStart;
      if (type === TlvType.OrderRequest && fromPlanner) {
        const strategyId = dv.getUint16(at + OrderRequestField.strategyId, true);
        this.orders++;
        this.book(strategyId).orders++;
        const instrument = readInstrument(dv, at + OrderRequestField.assetId);
        this.orderInfo.set(dv.getBigUint64(at + OrderRequestField.orderId, true), { strategyId, mid: this.market.mark(instrument), at: m.timestamp });
      } else if (type === TlvType.OrderAck) {
        const status = dv.getUint8(at + OrderAckField.status);
        if (status !== OrderStatus.Rejected && status !== OrderStatus.Expired) continue;
        const info = this.orderInfo.get(dv.getBigUint64(at + OrderAckField.orderId, true));
        if (status === OrderStatus.Rejected) {
          this.rejected++;
          if (info !== undefined) this.book(info.strategyId).rejected++;
        } else {
          this.expired++;
          if (info !== undefined) this.book(info.strategyId).expired++;
        }
      } else if (type === TlvType.Fill) {
        const orderId = dv.getBigUint64(at + FillField.orderId, true);
        const info = this.orderInfo.get(orderId);
        const strategyId = info?.strategyId ?? 0;
        const instrument = readInstrument(dv, at + FillField.assetId);
        const side = dv.getUint8(at + FillField.side);
        const price = dv.getBigInt64(at + FillField.price, true);
        const quantity = dv.getBigInt64(at + FillField.quantity, true);
        const fee = dv.getBigInt64(at + FillField.fee, true);
        this.fills.push({
          seq: this.fills.length + 1, at: dv.getBigUint64(at + FillField.filledAt, true), orderId, strategyId, instrument, side,
          liquidity: dv.getUint8(at + FillField.liquidity), price, quantity, fee, decisionMid: info?.mid, decisionAt: info?.at,
        });
        const b = this.book(strategyId);
        b.fills++;
        const key = instrumentKey(instrument);
        let p = b.positions.get(key);
        if (p === undefined) b.positions.set(key, (p = { instrument, position: new Position() }));
        const effect = p.position.apply(side, price, quantity, fee);
        if (effect.roundTrip !== undefined) {
          b.roundTrips++;
          if (effect.roundTrip > 0n) b.wins++;
        }
      }
    } while (m.nextTlv());
  }
}
