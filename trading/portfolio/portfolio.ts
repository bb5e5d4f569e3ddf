/**
 * The portfolio: positions from Fills, realized and unrealized P&L marked to market (exact bigint fixed
 * point), win rate over round trips, execution slippage against the expected price, and
 * LiquidationAlert signals for leveraged positions near their liquidation price.
 *
 * Expected price of an order, for slippage: its limit price; for a market order, the reference price of
 * the signal it names (MomentumSignal.referencePrice, remembered by signalId) or else the mark when the
 * order was seen. Slippage cost is positive when fills are worse than expected.
 *
 * Liquidation price (isolated margin, linear contract): long = entry·(1 − 1/leverage + mm),
 * short = entry·(1 + 1/leverage − mm). An alert is published when the mark comes within
 * `alertDistanceBps` of it, again whenever the severity rises by a tenth, and re-armed once the
 * distance is back outside.
 *
 * @example
 * ```ts
 * const portfolio = new Portfolio(config, market, sink);
 * portfolio.onMessage(view); // Fills, OrderRequests, signals and market data
 * portfolio.totals();        // { realized, unrealized, fees, net, winRate, … }
 * const snap = portfolio.toSnapshot();                  // JSON-safe, versioned
 * Portfolio.fromSnapshot(snap, config, new MarketState()); // same positions, P&L, slippage memory
 * ```
 * @module
 */

import {
  AssetType, FillField, LiquidationAlertField, MomentumSignalField, OrderRequestField, OrderType, parseInstrument, PRICE_SCALE,
  Side, SignalIdentityField, TlvType, type InstrumentId, type MessageBuilder as Builder, type MessageView,
} from "../../protocol/mod.ts";
import { MessageBuilder } from "../../protocol/mod.ts";
import { DiscardSink, type MessageSink } from "../../core/sink.ts";
import type { MarketState } from "../execution/market-state.ts";
import { SignalIdSpace } from "../signal-id.ts";
import { beginSignalFrom, clampI32, writeDerivedSignalIdentity } from "../signal-writer.ts";
import type { PortfolioConfig } from "./config.ts";
import type { DexRouteTable } from "../dex/route-table.ts";
import { jsonifyBigints, cloneRoute, type DexBook, type TokenLabel } from "./dex-book.ts";
import { Position, floorDiv } from "./position.ts";
import { SnapshotError, instrumentJson, instrumentList, parseSnapshot } from "../snapshot-codec.ts";
import {
  PORTFOLIO_SNAPSHOT_VERSION, PortfolioSnapshotSchema, type DexBookSnapshotValues, type PortfolioSnapshot, type PortfolioSnapshotValues,
} from "./portfolio-snapshot.ts";

/** Leverage settings of one instrument. */
interface Leverage {
  initialBps: bigint;
  maintenanceBps: bigint;
}

/** Aggregate figures (quote currency × 1e8 unless noted). */
export interface PortfolioTotals {
  realized: bigint;
  unrealized: bigint;
  fees: bigint;
  /** realized + unrealized − fees. */
  net: bigint;
  roundTrips: number;
  wins: number;
  /** wins / roundTrips (0 when none). */
  winRate: number;
  /** Cost of fills worse than expected (negative: better). */
  slippageCost: bigint;
  /** Notional-weighted slippage in bps. */
  slippageBps: number;
  fills: number;
}

/** One position's figures. */
export interface PositionSnapshot {
  instrument: InstrumentId;
  quantity: bigint;
  averagePrice: bigint;
  realized: bigint;
  unrealized: bigint;
  fees: bigint;
  mark?: bigint;
}

/** What the portfolio needs to book DEX fills: the shared route table, its book, the wrapped native token per chain. */
export interface PortfolioDex {
  routes: DexRouteTable;
  book: DexBook;
  nativeToken(chainId: number): string | undefined;
  /** Symbol and decimals of a token, for display. */
  label(address: string): TokenLabel;
}

const EMPTY_DEX: DexBookSnapshotValues = {
  balances: [], totals: { tokenPnlUsd: 0n, gasUsd: 0n, flashFeeUsd: 0n, netUsd: 0n, fills: 0, succeeded: 0, reverted: 0 }, recent: [], booked: [], routes: [], withoutRoute: 0,
};

/** Portfolio over Fill/OrderRequest/signal/market-data messages (see module docs). */
export class Portfolio {
  /** Positions by instrument slot of the market's table. */
  private readonly positions: (Position | undefined)[] = [];
  private readonly config: PortfolioConfig;
  /** DEX booking of cycle Fills (assetType token); none: they are only counted. */
  readonly dex: PortfolioDex | undefined;
  /** Cycle Fills whose route this process does not hold (e.g. replayed from a journal after a restart): not booked. */
  dexFillsWithoutRoute = 0;
  private readonly market: MarketState;
  private readonly feedMarket: boolean;
  private sink: MessageSink;
  private readonly builder: Builder = new MessageBuilder(512);
  private readonly leverage = new Map<number, Leverage>();
  private readonly leverageById: { id: InstrumentId; lev: Leverage }[] = [];
  private readonly alerted = new Map<number, number>();
  private readonly expected = new Map<bigint, { price: bigint }>();
  private readonly signalPrices = new Map<bigint, bigint>();
  private roundTrips = 0;
  private wins = 0;
  private slippageCost = 0n;
  private slippageNotional = 0n;
  private fills = 0;
  private ordinal = 0;
  /** Alerts published. */
  alerts = 0;
  /** Where LiquidationAlert signal ids come from (never repeated across restarts; see {@link SignalIdSpace}). */
  readonly ids = new SignalIdSpace();

  /**
   * @param config validated config
   * @param market shared market state
   * @param sink where LiquidationAlerts go
   * @param feedMarket true when this portfolio feeds `market` itself (false when another engine does)
   */
  constructor(config: PortfolioConfig, market: MarketState, sink: MessageSink = new DiscardSink(), feedMarket = true, dex?: PortfolioDex) {
    this.config = config;
    this.dex = dex;
    this.market = market;
    this.sink = sink;
    this.feedMarket = feedMarket;
    for (const [text, l] of Object.entries(config.leverage)) {
      const lev = { initialBps: BigInt(Math.round(10_000 / l.leverage)), maintenanceBps: BigInt(l.maintenanceMarginBps) };
      this.leverageById.push({ id: parseInstrument(text), lev });
    }
  }

  /** Sets where alerts go. */
  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** True when market-data messages matter to it (it feeds its market, or watches leveraged positions). */
  get watchesMarketData(): boolean {
    return this.feedMarket || this.leverageById.length > 0;
  }

  /** Processes one message; returns the number of alerts published. */
  onMessage(view: MessageView): number {
    if (this.feedMarket) this.market.noteTime(view);
    if (!view.firstTlv()) return 0;
    this.ordinal = 0;
    let published = 0;
    let signalId = 0n;
    do {
      const t = view.tlvType;
      if (t === TlvType.Fill) this.onFill(view);
      else if (t === TlvType.OrderRequest) this.onOrder(view);
      else if (t === TlvType.SignalIdentity) signalId = view.u64(SignalIdentityField.signalId);
      else if (t === TlvType.MomentumSignal) this.remember(this.signalPrices, signalId, view.i64(MomentumSignalField.referencePrice));
      else if (t === TlvType.Quote || t === TlvType.Trade || t === TlvType.OrderBook) {
        if (this.feedMarket) this.market.onTlv(view);
        if (this.leverageById.length > 0) published += this.checkLiquidation(view, this.market.instruments.slotAt(view.dv, view.tlvStart, false));
      } else if (this.feedMarket && t >= TlvType.PoolSwap && t <= TlvType.PoolSync) {
        this.market.onTlv(view);
      }
    } while (view.nextTlv());
    return published;
  }

  private remember<V>(map: Map<bigint, V>, key: bigint, value: V): void {
    if (map.size >= this.config.maxTracked) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  private onOrder(view: MessageView): void {
    const orderId = view.u64(OrderRequestField.orderId);
    const type = view.u8At(OrderRequestField.orderType);
    let price = type === OrderType.Market ? 0n : view.i64(OrderRequestField.price);
    if (price <= 0n) {
      const signalId = view.u64(OrderRequestField.signalId);
      price = (signalId !== 0n ? this.signalPrices.get(signalId) : undefined) ?? this.market.mark(readId(view, OrderRequestField.assetId)) ?? 0n;
    }
    if (price > 0n) this.remember(this.expected, orderId, { price });
  }

  private onFill(view: MessageView): void {
    if (view.u8At(FillField.assetType) === AssetType.Token) {
      // A DEX cycle's Fill (paper-dex.ts): booked from its route, never as a position.
      const orderId = view.u64(FillField.orderId);
      const route = this.dex?.routes.get(orderId);
      if (route !== undefined) this.dex!.book.book(route, this.dex!.nativeToken(route.chainId));
      else if (this.dex?.book.isBooked(orderId) !== true) this.dexFillsWithoutRoute++; // a booked one's route may be gone since a restore
      return;
    }
    const slot = this.market.instruments.slotAt(view.dv, view.tlvStart + FillField.assetId, true);
    if (slot < 0) return;
    const side = view.u8At(FillField.side);
    const price = view.i64(FillField.price);
    const quantity = view.i64(FillField.quantity);
    const fee = view.i64(FillField.fee);
    if (quantity <= 0n || (side !== Side.Buy && side !== Side.Sell)) return;
    let pos = this.positions[slot];
    if (pos === undefined) this.positions[slot] = pos = new Position();
    const effect = pos.apply(side, price, quantity, fee);
    this.fills++;
    if (effect.roundTrip !== undefined) {
      this.roundTrips++;
      if (effect.roundTrip > 0n) this.wins++;
    }
    const exp = this.expected.get(view.u64(FillField.orderId));
    if (exp !== undefined) {
      const diff = side === Side.Buy ? price - exp.price : exp.price - price;
      this.slippageCost += floorDiv(diff * quantity, PRICE_SCALE);
      this.slippageNotional += (exp.price * quantity) / PRICE_SCALE;
    }
    this.matchLeverage(slot);
  }

  private checkLiquidation(view: MessageView, slot: number): number {
    if (slot < 0) return 0;
    const lev = this.leverage.get(slot);
    const pos = this.positions[slot];
    if (lev === undefined || pos === undefined || pos.quantity === 0n) return 0;
    const id = this.market.instruments.instrument(slot);
    const mark = this.market.mark(id);
    if (mark === undefined || mark <= 0n) return 0;
    const long = pos.quantity > 0n;
    const entry = pos.averagePrice;
    const liq = long ? (entry * (10_000n - lev.initialBps + lev.maintenanceBps)) / 10_000n : (entry * (10_000n + lev.initialBps - lev.maintenanceBps)) / 10_000n;
    const distance = Number(((long ? mark - liq : liq - mark) * 10_000n) / mark);
    const alertAt = this.config.alertDistanceBps;
    if (distance > alertAt) {
      this.alerted.delete(slot);
      return 0;
    }
    const severity = distance <= 0 ? 100 : Math.max(1, Math.min(100, Math.round((100 * (alertAt - distance)) / alertAt)));
    const bucket = Math.floor(severity / 10);
    const prev = this.alerted.get(slot);
    if (prev !== undefined && bucket <= prev) return 0;
    this.alerted.set(slot, bucket);
    const b = this.builder;
    beginSignalFrom(b, this.config.source, view);
    writeDerivedSignalIdentity(b, this.config.strategyId, severity, this.ids, view, this.ordinal++);
    const at = b.reserve(TlvType.LiquidationAlert, 48);
    const dv = b.dv;
    this.market.instruments.write(dv, at, slot);
    dv.setUint8(at + LiquidationAlertField.side, long ? 1 : 2);
    dv.setUint8(at + LiquidationAlertField.severity, severity);
    dv.setBigInt64(at + LiquidationAlertField.positionSize, long ? pos.quantity : -pos.quantity, true);
    dv.setBigInt64(at + LiquidationAlertField.liquidationPrice, liq, true);
    dv.setBigInt64(at + LiquidationAlertField.markPrice, mark, true);
    dv.setInt32(at + LiquidationAlertField.distanceBps, clampI32(distance), true);
    this.alerts++;
    this.sink.publish(b.finish());
    return 1;
  }

  /** The portfolio's state as a plain JSON-safe, versioned object (see {@link PortfolioSnapshot}). */
  toSnapshot(): PortfolioSnapshot {
    const table = this.market.instruments;
    const positions: PortfolioSnapshot["positions"] = [];
    for (let s = 0; s < this.positions.length; s++) {
      const pos = this.positions[s];
      if (pos !== undefined) positions.push({ instrument: instrumentJson(table.instrument(s)), position: pos.toJson() });
    }
    return {
      kind: "portfolio", version: PORTFOLIO_SNAPSHOT_VERSION, ids: this.ids.toJson(), instruments: instrumentList(table), positions, roundTrips: this.roundTrips, wins: this.wins, fills: this.fills,
      alerts: this.alerts, slippageCost: String(this.slippageCost), slippageNotional: String(this.slippageNotional),
      expected: [...this.expected].map(([k, e]) => [String(k), String(e.price)]),
      signalPrices: [...this.signalPrices].map(([k, p]) => [String(k), String(p)]),
      alerted: [...this.alerted].map(([slot, bucket]) => ({ instrument: instrumentJson(table.instrument(slot)), bucket })),
      dex: this.dex === undefined ? null : jsonifyBigints(this.dex.book.toValues(this.dex.routes, this.dexFillsWithoutRoute)),
    };
  }

  /**
   * Validates a snapshot (a {@link PortfolioSnapshot}, e.g. parsed from JSON). Throws a
   * {@link SnapshotError} naming the field when it is not one this build can restore.
   */
  static parseSnapshot(snapshot: unknown): PortfolioSnapshotValues {
    return parseSnapshot(PortfolioSnapshotSchema, snapshot, "portfolio", PORTFOLIO_SNAPSHOT_VERSION);
  }

  /** A portfolio restored from a snapshot (validated first: {@link SnapshotError} when refused). */
  static fromSnapshot(snapshot: unknown, config: PortfolioConfig, market: MarketState, sink?: MessageSink, feedMarket = true): Portfolio {
    const p = new Portfolio(config, market, sink, feedMarket);
    p.restore(snapshot);
    return p;
  }

  /**
   * Replaces this portfolio's state with a snapshot's. The snapshot is validated before anything
   * changes: a refused one ({@link SnapshotError}) leaves the portfolio as it was.
   */
  restore(snapshot: unknown): void {
    this.applySnapshot(Portfolio.parseSnapshot(snapshot));
  }

  /** Replaces this portfolio's state with an already validated snapshot. */
  applySnapshot(s: PortfolioSnapshotValues): void {
    if (s.dex !== null && this.dex === undefined) {
      throw new SnapshotError("portfolio", "dex", "holds a DEX book, but this portfolio books no DEX fills (no dex section configured)");
    }
    const table = this.market.instruments;
    for (const id of s.instruments) table.slotOf(id, true);
    const slots = s.positions.map((p) => table.slotOf(p.instrument, true));
    const alertSlots = s.alerted.map((a) => table.slotOf(a.instrument, true));
    if (slots.some((x) => x < 0) || alertSlots.some((x) => x < 0)) {
      throw new SnapshotError("portfolio", "positions", `more instruments than the market table holds (${table.capacity})`);
    }
    this.positions.length = 0;
    this.leverage.clear();
    s.positions.forEach((p, i) => {
      const slot = slots[i]!;
      this.positions[slot] = Position.fromValues(p.position);
      this.matchLeverage(slot);
    });
    this.roundTrips = s.roundTrips;
    this.wins = s.wins;
    this.fills = s.fills;
    this.alerts = s.alerts;
    this.slippageCost = s.slippageCost;
    this.slippageNotional = s.slippageNotional;
    this.expected.clear();
    for (const [k, price] of s.expected) this.expected.set(k, { price });
    this.signalPrices.clear();
    for (const [k, price] of s.signalPrices) this.signalPrices.set(k, price);
    this.alerted.clear();
    s.alerted.forEach((a, i) => this.alerted.set(alertSlots[i]!, a.bucket));
    this.ids.restore(s.ids);
    this.dexFillsWithoutRoute = s.dex?.withoutRoute ?? 0;
    if (this.dex !== undefined) {
      this.dex.book.restoreValues(s.dex ?? EMPTY_DEX);
      for (const r of s.dex?.routes ?? []) this.dex.routes.set(cloneRoute(r));
    }
  }

  private matchLeverage(slot: number): void {
    if (this.leverageById.length === 0 || this.leverage.has(slot)) return;
    const id = this.market.instruments.instrument(slot);
    const match = this.leverageById.find((l) => l.id.assetId === id.assetId && l.id.venue === id.venue);
    if (match !== undefined) this.leverage.set(slot, match.lev);
  }

  /** Position figures of an instrument (undefined when never traded). */
  position(id: InstrumentId): PositionSnapshot | undefined {
    const slot = this.market.instruments.slotOf(id, false);
    const pos = slot < 0 ? undefined : this.positions[slot];
    if (pos === undefined) return undefined;
    const mark = this.market.mark(id);
    return {
      instrument: id, quantity: pos.quantity, averagePrice: pos.averagePrice, realized: pos.realizedQuote,
      unrealized: mark === undefined || pos.quantity === 0n ? 0n : floorDiv(pos.unrealized(mark), PRICE_SCALE), fees: pos.fees, mark,
    };
  }

  /** Every position. */
  positionsList(): PositionSnapshot[] {
    const out: PositionSnapshot[] = [];
    for (let s = 0; s < this.positions.length; s++) {
      if (this.positions[s] === undefined) continue;
      out.push(this.position(this.market.instruments.instrument(s))!);
    }
    return out;
  }

  /** Signed quantity of an instrument (0 when none). */
  quantity(id: InstrumentId): bigint {
    const slot = this.market.instruments.slotOf(id, false);
    return slot < 0 ? 0n : this.positions[slot]?.quantity ?? 0n;
  }

  /** Aggregate P&L, win rate and slippage. */
  totals(): PortfolioTotals {
    let realized = 0n;
    let unrealized = 0n;
    let fees = 0n;
    for (let s = 0; s < this.positions.length; s++) {
      const pos = this.positions[s];
      if (pos === undefined) continue;
      realized += pos.realized;
      fees += pos.fees;
      if (pos.quantity !== 0n) {
        const mark = this.market.mark(this.market.instruments.instrument(s));
        if (mark !== undefined) unrealized += pos.unrealized(mark);
      }
    }
    const r = floorDiv(realized, PRICE_SCALE);
    const u = floorDiv(unrealized, PRICE_SCALE);
    return {
      realized: r, unrealized: u, fees, net: r + u - fees, roundTrips: this.roundTrips, wins: this.wins,
      winRate: this.roundTrips === 0 ? 0 : this.wins / this.roundTrips, slippageCost: this.slippageCost,
      slippageBps: this.slippageNotional === 0n ? 0 : Number((this.slippageCost * 1_000_000n) / this.slippageNotional) / 100,
      fills: this.fills,
    };
  }
}

function readId(view: MessageView, off: number): InstrumentId {
  return { assetId: view.u64(off), venue: view.u16(off + 8), assetType: view.u8At(off + 10) };
}
