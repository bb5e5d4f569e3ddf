/**
 * The risk manager's book of orders it forwarded and the venue has not finished (remaining quantity per
 * order, for position limits with open orders included), and its order-rate window (the stamps of the
 * last `maxOrdersPerSecond` accepted orders).
 *
 * @module
 */

import { FillField, OrderAckField, OrderStatus, type MessageView } from "../../protocol/mod.ts";

/** An order forwarded and not finished. */
export interface OpenOrder {
  /** Instrument slot of the market's table. */
  slot: number;
  /** Quantity not yet filled. */
  remaining: bigint;
  /** 1n buy, −1n sell. */
  sign: bigint;
  /** A DEX swap: done with its one fill. */
  dex: boolean;
}

/** Open orders by id, and the rate window of accepted orders. */
export class OpenOrders {
  private readonly open = new Map<bigint, OpenOrder>();
  private times: Float64Array;
  private count = 0;
  private head = 0;

  /** @param maxPerSecond size of the rate window */
  constructor(maxPerSecond: number) {
    this.times = new Float64Array(Math.max(1, maxPerSecond));
  }

  /** Orders open. */
  get size(): number {
    return this.open.size;
  }

  /** Ids of the open orders, oldest first. */
  ids(): bigint[] {
    return [...this.open.keys()];
  }

  /** Open orders with their ids, oldest first. */
  entries(): [bigint, OpenOrder][] {
    return [...this.open];
  }

  /** A new window size (a limits change): the window starts empty when it changes. */
  resize(maxPerSecond: number): void {
    if (maxPerSecond === this.times.length) return;
    this.times = new Float64Array(Math.max(1, maxPerSecond));
    this.count = 0;
    this.head = 0;
  }

  /** True when one more order at `nowNs` would exceed `maxPerSecond` (0: no orders at all). */
  rateExceeded(nowNs: number, maxPerSecond: number): boolean {
    return maxPerSecond === 0 || (this.count >= this.times.length && nowNs - this.times[this.head]! < 1e9);
  }

  /** Signed remaining quantity of the open orders on `slot`. */
  pending(slot: number): bigint {
    let pending = 0n;
    for (const o of this.open.values()) if (o.slot === slot) pending += o.sign * o.remaining;
    return pending;
  }

  /** Records an accepted order at `nowNs`: open, and in the rate window. */
  admit(orderId: bigint, order: OpenOrder, nowNs: number): void {
    const cap = this.times.length;
    this.times[this.head] = nowNs;
    this.head = (this.head + 1) % cap;
    if (this.count < cap) this.count++;
    this.open.set(orderId, order);
  }

  /** An OrderAck of the venue (TLV under the cursor): rejected, cancelled or expired orders are done. */
  onAck(view: MessageView): void {
    const status = view.u8At(OrderAckField.status);
    if (status === OrderStatus.Rejected || status === OrderStatus.Cancelled || status === OrderStatus.Expired) this.open.delete(view.u64(OrderAckField.orderId));
  }

  /** A Fill of the venue (TLV under the cursor): less remains; filled orders and DEX swaps are done. */
  onFill(view: MessageView): void {
    const orderId = view.u64(FillField.orderId);
    const o = this.open.get(orderId);
    if (o === undefined) return;
    o.remaining -= view.i64(FillField.quantity);
    if (o.remaining <= 0n || o.dex) this.open.delete(orderId);
  }

  /** The rate window's stamps, oldest first. */
  rateTimes(): number[] {
    const cap = this.times.length;
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.times[(this.head - this.count + i + cap) % cap]!);
    return out;
  }

  /** Replaces the book and the window (a snapshot; the newest stamps that fit are kept). */
  restore(orders: Iterable<[bigint, OpenOrder]>, rateTimes: readonly number[]): void {
    this.open.clear();
    for (const [id, o] of orders) this.open.set(id, o);
    const cap = this.times.length;
    this.times.fill(0);
    const times = rateTimes.slice(-cap);
    times.forEach((t, i) => (this.times[i] = t));
    this.count = times.length;
    this.head = times.length % cap;
  }
}
