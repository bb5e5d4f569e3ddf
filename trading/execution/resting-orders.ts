/**
 * The paper venue's resting limit orders (paper-engine.ts): the unfilled rest of a limit order waits here,
 * by order id and by instrument slot, until quotes, books or trades cross its price or it is cancelled.
 *
 * @module
 */

import type { InstrumentId } from "../../protocol/mod.ts";

/** The resting rest of a limit order. */
export interface Resting {
  /** The order's id. */
  orderId: bigint;
  /** Its instrument. */
  id: InstrumentId;
  /** The instrument's slot in the market state. */
  slot: number;
  /** Buy or sell. */
  side: number;
  /** Limit price (1e8). */
  price: bigint;
  /** Quantity still to fill (1e8). */
  remaining: bigint;
}

/** Resting orders by id and by slot (both maps read directly by the venue on every market-data TLV). */
export class RestingOrders {
  /** By order id. */
  readonly byId = new Map<bigint, Resting>();
  /** By instrument slot, in arrival order. */
  readonly bySlot = new Map<number, Resting[]>();

  /** Puts `r` to rest. */
  add(r: Resting): void {
    this.byId.set(r.orderId, r);
    let list = this.bySlot.get(r.slot);
    if (list === undefined) this.bySlot.set(r.slot, (list = []));
    list.push(r);
  }

  /** Takes `r` off (filled or cancelled). */
  remove(r: Resting): void {
    this.byId.delete(r.orderId);
    const list = this.bySlot.get(r.slot);
    if (list === undefined) return;
    list.splice(list.indexOf(r), 1);
    if (list.length === 0) this.bySlot.delete(r.slot);
  }
}
