/**
 * Paper execution: a venue simulator on the execution relay. OrderRequests (from the risk manager) are
 * acknowledged and filled against the latest quotes and books the engine also consumes; DEX orders are
 * filled at the pool's exact computed output. No keys, no network — the whole system trades end to end.
 *
 * CEX orders (prices and sizes 1e8):
 * - market: walks the visible levels (book, else the quote's top); beyond the visible depth the rest
 *   fills at the last visible price worsened by `beyondDepthSlippageBps`; with `maxSlippageBps` > 0 no
 *   fill is worse than best ± that, and the rest expires.
 * - limit: the marketable part fills at once (taker), the rest rests and fills later as maker at its
 *   limit price when quotes, books or trades cross it.
 * - IOC: like limit (a zero price means market), the unfilled rest expires.
 * - FOK: fills completely at once or not at all (OrderAck expired).
 * Taker fills are worsened by `slippageBps`; fees are maker/taker bps of the notional, per venue.
 * Latency (`latencyMs`, default 0): a CEX order is held from its arrival (its decision) until the first
 * market-data message stamped after arrival + latency, and executes — before that message is applied —
 * against the book/quote as of arrival + latency; its acks and fills carry that instant. A Cancel of a
 * held order cancels it. With 0 every order executes on arrival, against the state of that moment.
 * `maxQuoteAgeMs` (default 0: off): a quote older than that by its own venue time is no liquidity.
 *
 * DEX orders (flag bit0, route = pool + minAmountOut): exact-input swaps; `quantity` is the input token
 * amount in 10^8 whole-token units (sell = token0 in, buy = token1 in). The exact output comes from the
 * pool's current state (V2 getAmountOut; V3 inside the current range only); below `minAmountOut`, or
 * beyond the known V3 range, the order is rejected (reason venue), as the chain would revert. The Fill
 * reports the token0 quantity and the price in token1 per token0 (1e8); its fee is 0 because the pool
 * fee is inside that price. Paper swaps do not move the pool. A DEX order whose orderId has a route in
 * the shared route table (an arbitrage cycle planned from an ArbitrageSignal) is executed whole by the
 * paper DEX venue instead (paper-dex.ts: flash loan, gas, reverts; its Fill is in the borrowed token).
 *
 * Message order per order: OrderAck accepted, Fill…, then OrderAck expired for an unfilled IOC/market
 * rest. Rejections are one OrderAck (rejected, with the reason). Cancel → OrderAck cancelled.
 *
 * Beside it: the taker walk over levels (taker-fills.ts), the latency queue (held-orders.ts), the resting
 * limit orders (resting-orders.ts), the OrderAck and Fill writers (paper-reports.ts), the engine's options
 * and counters (paper-engine-options.ts).
 *
 * @example
 * ```ts
 * const paper = new PaperExecutionEngine(config, { sink: executionRelay, pools });
 * paper.onMessage(view); // market data, OrderRequests, Cancels
 * ```
 * @module
 */

import {
  AssetType, addressAssetId, CancelField, MessageBuilder, ORDER_FLAG_DEX_ROUTE, OrderRequestField, OrderStatus, OrderType,
  PRICE_SCALE, RejectReason, Side, TlvType, TradeField, type BookLevel, type InstrumentId, type MessageView,
} from "../../protocol/mod.ts";
import { DiscardSink, type MessageSink } from "../../core/sink.ts";
import { hopOut } from "../dex/cycle.ts";
import { DexRevert, type DexRoute, type DexRouteTable } from "../dex/route-table.ts";
import { HeldOrders, type InFlight } from "./held-orders.ts";
import { MarketState } from "./market-state.ts";
import type { PaperDexVenue } from "./paper-dex.ts";
import type { PaperConfig } from "./paper-config.ts";
import type { PaperCounters, PaperEngineOptions } from "./paper-engine-options.ts";
import { Liquidity, writeFill, writeOrderAck } from "./paper-reports.ts";
import { type Resting, RestingOrders } from "./resting-orders.ts";
import { BPS, takerLevels, walkTakerLevels } from "./taker-fills.ts";

/** Paper venue (see module docs). */
export class PaperExecutionEngine {
  /** The market it fills against. */
  readonly market: MarketState;
  /** Counters. */
  readonly counters: PaperCounters = { orders: 0, accepted: 0, rejected: 0, fills: 0, expired: 0, cancelled: 0, foreignOrders: 0 };
  private readonly config: PaperConfig;
  private sink: MessageSink;
  private readonly builder = new MessageBuilder(1024);
  private readonly restingBook = new RestingOrders();
  /** The resting orders by id and by slot (the same maps as in `restingBook`), checked on every market-data TLV. */
  private readonly resting: Map<bigint, Resting> = this.restingBook.byId;
  private readonly restingBySlot: Map<number, Resting[]> = this.restingBook.bySlot;
  private venueOrderId = 0n;
  private readonly latencyNs: bigint;
  private readonly maxQuoteAgeNs: bigint;
  /** Orders held for latency. */
  private readonly held = new HeldOrders();
  /** The held orders (the same array as `held.items`), oldest first, checked on every message. */
  private readonly inFlight: InFlight[] = this.held.items;
  /** Stamp of acks and fills while held orders execute (else the market's now). */
  private stampAt: bigint | undefined;
  private readonly runHeld = (view: MessageView, due: bigint): number => {
    this.stampAt = due;
    return this.onOrder(view);
  };
  private readonly dex: { venue: PaperDexVenue; routes: DexRouteTable } | undefined;

  /** @param config validated config @param options sink, pools, shared market */
  constructor(config: PaperConfig, options: PaperEngineOptions = {}) {
    this.config = config;
    this.sink = options.sink ?? new DiscardSink();
    this.market = options.market ?? new MarketState({ pools: options.pools });
    this.dex = options.dex;
    this.latencyNs = BigInt(Math.round(config.latencyMs * 1_000_000));
    this.maxQuoteAgeNs = BigInt(config.maxQuoteAgeMs) * 1_000_000n;
  }

  /** Orders held for latency, not yet at the venue. */
  get ordersInFlight(): number {
    return this.inFlight.length;
  }

  /** Sets where acks and fills go. */
  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** Header source of its acks and fills. */
  get source(): number {
    return this.config.source;
  }

  /** The DEX venue (undefined without one). */
  get dexVenue(): PaperDexVenue | undefined {
    return this.dex?.venue;
  }

  /** Counters of the DEX venue (undefined without one). */
  get dexCounters(): PaperDexVenue["counters"] | undefined {
    return this.dex?.venue.counters;
  }

  /** Resting limit orders. */
  get restingOrders(): number {
    return this.resting.size;
  }

  /** Processes one message; returns how many messages it published. */
  onMessage(view: MessageView): number {
    let published = this.inFlight.length > 0 ? this.releaseDue(view) : 0;
    this.market.noteTime(view);
    if (!view.firstTlv()) return published;
    const accepted = this.config.orderSources.includes(view.source);
    do {
      const t = view.tlvType;
      if (t === TlvType.OrderRequest) {
        if (!accepted) this.counters.foreignOrders++;
        else if (this.latencyNs > 0n && (view.u8At(OrderRequestField.flags) & ORDER_FLAG_DEX_ROUTE) === 0) this.hold(view);
        else published += this.onOrder(view);
      } else if (t === TlvType.Cancel) {
        if (accepted) published += this.onCancel(view.u64(CancelField.orderId));
      } else {
        this.market.onTlv(view);
        if (this.resting.size > 0 && (t === TlvType.Quote || t === TlvType.OrderBook || t === TlvType.Trade)) {
          const slot = this.market.instruments.slotAt(view.dv, view.tlvStart, false);
          if (this.restingBySlot.has(slot)) published += this.matchResting(slot, t === TlvType.Trade ? view : undefined);
        }
      }
    } while (view.nextTlv());
    return published;
  }

  /**
   * Shared-market mode (the pipeline feeds one market for every stage): executes the held orders due
   * before this market-data message, against the market as it is before the pipeline applies it.
   */
  beforeSharedMarketData(view: MessageView): number {
    return this.inFlight.length > 0 ? this.releaseDue(view) : 0;
  }

  /** Shared-market mode: matches resting orders on the instrument of the market-data TLV the pipeline just applied. */
  afterSharedMarketTlv(view: MessageView): number {
    const t = view.tlvType;
    if (this.resting.size === 0 || (t !== TlvType.Quote && t !== TlvType.OrderBook && t !== TlvType.Trade)) return 0;
    const slot = this.market.instruments.slotAt(view.dv, view.tlvStart, false);
    return this.restingBySlot.has(slot) ? this.matchResting(slot, t === TlvType.Trade ? view : undefined) : 0;
  }

  /**
   * Shared-market mode: every message handed to this venue is an owned copy that is never overwritten, so
   * a held order keeps its place in that copy instead of a copy of its own.
   */
  keepHeldInPlace(): void {
    this.held.keepInPlace();
  }

  private hold(view: MessageView): void {
    this.held.hold(view, this.market.now + this.latencyNs);
  }

  /** Executes held orders due before the message's stamp, against the market as it is before that message. */
  private releaseDue(view: MessageView): number {
    const stamp = view.dv.getBigUint64(view.start + 16, true);
    try {
      return this.held.release(stamp, this.runHeld);
    } finally {
      this.stampAt = undefined;
    }
  }

  private get stamp(): bigint {
    return this.stampAt ?? this.market.now;
  }

  private fees(venue: number): { makerBps: number; takerBps: number } {
    return this.config.venueFees[String(venue)] ?? this.config.fees;
  }

  private onOrder(view: MessageView): number {
    this.counters.orders++;
    const orderId = view.u64(OrderRequestField.orderId);
    const id: InstrumentId = { assetId: view.u64(OrderRequestField.assetId), venue: view.u16(OrderRequestField.venue), assetType: view.u8At(OrderRequestField.assetType) };
    const side = view.u8At(OrderRequestField.side);
    const type = view.u8At(OrderRequestField.orderType);
    const price = view.i64(OrderRequestField.price);
    const quantity = view.i64(OrderRequestField.quantity);
    const maxSlippageBps = BigInt(view.u16(OrderRequestField.maxSlippageBps));
    const flags = view.u8At(OrderRequestField.flags);
    if (quantity <= 0n || (side !== Side.Buy && side !== Side.Sell) || type < OrderType.Market || type > OrderType.FOK || (type === OrderType.Limit && price <= 0n)) {
      return this.ack(orderId, OrderStatus.Rejected, RejectReason.Invalid);
    }
    if ((flags & ORDER_FLAG_DEX_ROUTE) !== 0) {
      if (view.tlvLength < 100) return this.ack(orderId, OrderStatus.Rejected, RejectReason.Invalid);
      const route = this.dex?.routes.get(orderId);
      if (route !== undefined) return this.onDexRoute(route, id, side, quantity);
      return this.onDexOrder(view, orderId, id, side, quantity);
    }
    const levels = this.takerLevels(id, side);
    if (levels.length === 0) return this.ack(orderId, OrderStatus.Rejected, RejectReason.Venue);
    const best = levels[0]!.price;
    const buy = side === Side.Buy;
    // Worst acceptable price: the limit, or best ± maxSlippage; none for a plain market order.
    let bound: bigint | undefined = type !== OrderType.Market && price > 0n ? price : undefined;
    if (bound === undefined && maxSlippageBps > 0n) bound = buy ? (best * (BPS + maxSlippageBps)) / BPS : (best * (BPS - maxSlippageBps)) / BPS;
    const chunks: BookLevel[] = [];
    const marketLike = type === OrderType.Market || ((type === OrderType.IOC || type === OrderType.FOK) && price <= 0n);
    const left = walkTakerLevels(levels, quantity, bound, buy, marketLike, this.config.beyondDepthSlippageBps, chunks);
    if (type === OrderType.FOK && left > 0n) return this.ack(orderId, OrderStatus.Expired, RejectReason.None);
    let published = this.ack(orderId, OrderStatus.Accepted, RejectReason.None);
    this.counters.accepted++;
    const slip = BigInt(this.config.slippageBps);
    const takerBps = BigInt(this.fees(id.venue).takerBps);
    for (const c of chunks) {
      const p = slip === 0n ? c.price : buy ? (c.price * (BPS + slip)) / BPS : (c.price * (BPS - slip)) / BPS;
      published += this.fill(orderId, id, side, Liquidity.Taker, p, c.size, takerBps);
    }
    if (left > 0n) {
      if (type === OrderType.Limit) {
        if (this.resting.size >= this.config.maxRestingOrders) published += this.ack(orderId, OrderStatus.Expired, RejectReason.Venue);
        else this.restingBook.add({ orderId, id, slot: this.market.instruments.slotOf(id, true), side, price, remaining: left });
      } else {
        published += this.ack(orderId, OrderStatus.Expired, RejectReason.None);
      }
    }
    return published;
  }

  /** Opposite-side levels a taker order consumes, best first: the book, else the quote's top (taker-fills.ts). */
  private takerLevels(id: InstrumentId, side: number): BookLevel[] {
    return takerLevels(this.market, id, side, this.stamp, this.maxQuoteAgeNs);
  }

  /** Fills resting orders of a slot that the new quote/book/trade crosses, at their limit price (maker). */
  private matchResting(slot: number, trade: MessageView | undefined): number {
    const list = this.restingBySlot.get(slot);
    if (list === undefined) return 0;
    let published = 0;
    for (const r of [...list]) {
      const buy = r.side === Side.Buy;
      let available = 0n;
      if (trade !== undefined) {
        const p = trade.i64(TradeField.price);
        if (buy ? p < r.price : p > r.price) available = trade.i64(TradeField.size);
      } else {
        for (const l of this.takerLevels(r.id, r.side)) {
          if (buy ? l.price > r.price : l.price < r.price) break;
          available += l.size;
        }
      }
      if (available <= 0n) continue;
      const q = available < r.remaining ? available : r.remaining;
      published += this.fill(r.orderId, r.id, r.side, Liquidity.Maker, r.price, q, BigInt(this.fees(r.id.venue).makerBps));
      r.remaining -= q;
      if (r.remaining === 0n) this.restingBook.remove(r);
    }
    return published;
  }

  private onCancel(orderId: bigint): number {
    if (this.held.cancel(orderId)) {
      this.counters.cancelled++;
      return this.ack(orderId, OrderStatus.Cancelled, RejectReason.None);
    }
    const r = this.resting.get(orderId);
    if (r === undefined) return this.ack(orderId, OrderStatus.Rejected, RejectReason.Invalid);
    this.restingBook.remove(r);
    this.counters.cancelled++;
    return this.ack(orderId, OrderStatus.Cancelled, RejectReason.None);
  }

  private onDexOrder(view: MessageView, orderId: bigint, id: InstrumentId, side: number, quantity: bigint): number {
    const pool = this.market.pools.byAddress(view.address(OrderRequestField.pool));
    const minOut = view.u128(OrderRequestField.minAmountOut);
    if (pool === undefined || !pool.hasState || pool.decimals0 < 0 || pool.decimals1 < 0) return this.ack(orderId, OrderStatus.Rejected, RejectReason.Venue);
    pool.materialize();
    const sell = side === Side.Sell;
    const d0 = 10n ** BigInt(pool.decimals0);
    const d1 = 10n ** BigInt(pool.decimals1);
    const amountIn = (quantity * (sell ? d0 : d1)) / PRICE_SCALE;
    const out = amountIn > 0n ? hopOut(pool, sell, amountIn) : 0n;
    if (out <= 0n || out < minOut) return this.ack(orderId, OrderStatus.Rejected, RejectReason.Venue);
    const baseRaw = sell ? amountIn : out;
    const quoteRaw = sell ? out : amountIn;
    const baseQty = (baseRaw * PRICE_SCALE) / d0;
    const price = (quoteRaw * d0 * PRICE_SCALE) / (baseRaw * d1);
    let published = this.ack(orderId, OrderStatus.Accepted, RejectReason.None);
    this.counters.accepted++;
    published += this.fill(orderId, id, side, Liquidity.Taker, price, baseQty, 0n);
    return published;
  }

  /** A routed DEX order: executed atomically by the DEX venue; a revert is an ack that says so and a gas-only Fill. */
  private onDexRoute(route: DexRoute, order: InstrumentId, side: number, quantity: bigint): number {
    const e = this.dex!.venue.execute(route);
    // A cycle's Fill is in the token it borrows and returns (assetType token): nothing else fills tokens.
    const id: InstrumentId = { assetId: addressAssetId(route.tokenIn), venue: order.venue, assetType: AssetType.Token };
    if (e.reverted) {
      let published = e.revertReason === DexRevert.Expired ? this.ack(route.orderId, OrderStatus.Expired, RejectReason.Stale)
        : this.ack(route.orderId, OrderStatus.Rejected, e.revertReason === DexRevert.PoolMoved ? RejectReason.Stale : RejectReason.Venue);
      published += this.fillRaw(route.orderId, id, side, 0n, 0n, e.gasUsd);
      return published;
    }
    let published = this.ack(route.orderId, OrderStatus.Accepted, RejectReason.None);
    this.counters.accepted++;
    published += this.fillRaw(route.orderId, id, side, (e.amountOut * PRICE_SCALE) / route.amountIn, quantity, e.gasUsd + e.flashFeeUsd);
    return published;
  }

  private ack(orderId: bigint, status: number, reason: number): number {
    if (status === OrderStatus.Rejected) this.counters.rejected++;
    if (status === OrderStatus.Expired) this.counters.expired++;
    const venueOrderId = status === OrderStatus.Accepted ? ++this.venueOrderId : 0n;
    this.sink.publish(writeOrderAck(this.builder, this.config.source, this.stamp, orderId, venueOrderId, status, reason));
    return 1;
  }

  private fill(orderId: bigint, id: InstrumentId, side: number, liquidity: number, price: bigint, quantity: bigint, feeBps: bigint): number {
    return this.fillRaw(orderId, id, side, price, quantity, (((price * quantity) / PRICE_SCALE) * feeBps) / BPS, liquidity);
  }

  private fillRaw(orderId: bigint, id: InstrumentId, side: number, price: bigint, quantity: bigint, fee: bigint, liquidity: number = Liquidity.Taker): number {
    this.counters.fills++;
    this.sink.publish(writeFill(this.builder, this.config.source, this.stamp, orderId, id, side, liquidity, price, quantity, fee));
    return 1;
  }
}
