/**
 * CEX orders the paper venue (paper-engine.ts) holds for its latency: each waits from its arrival until the
 * first market-data message stamped after arrival + latency, then executes before that message is applied.
 * A held order is a copy of its message (or, when the venue's inputs are owned copies, its place in them).
 *
 * @module
 */

import { MessageView, OrderRequestField } from "../../protocol/mod.ts";

/** A CEX order on its way to the venue (latency): the message (at `start` of `bytes`), its TLV's offset in it, when it arrives. */
export interface InFlight {
  /** The message's bytes (a copy, or the owned input). */
  bytes: Uint8Array;
  /** Where the message starts in `bytes`. */
  start: number;
  /** Offset of the OrderRequest TLV from the message's start. */
  tlvStart: number;
  /** The order's id. */
  orderId: bigint;
  /** When it reaches the venue (ns). */
  due: bigint;
}

/** Executes one released order (the view sits on its OrderRequest TLV) at instant `due`; returns messages published. */
export type RunHeldOrder = (view: MessageView, due: bigint) => number;

/** The held orders, oldest first (their due times are non-decreasing). */
export class HeldOrders {
  /** The held orders themselves (read directly by the venue for its per-message emptiness check). */
  readonly items: InFlight[] = [];
  private readonly view = new MessageView();
  /** Whether messages given to it stay as they are after the call (see {@link keepInPlace}). */
  private inputsOwned = false;

  /** Every message handed over from now on is an owned copy never overwritten: hold orders in place. */
  keepInPlace(): void {
    this.inputsOwned = true;
  }

  /** Holds the OrderRequest `view` sits on until `due`. */
  hold(view: MessageView, due: bigint): void {
    const owned = this.inputsOwned;
    const bytes = owned ? view.u8 : view.u8.slice(view.start, view.start + view.length);
    this.items.push({
      bytes, start: owned ? view.start : 0, tlvStart: view.tlvStart - view.start, orderId: view.u64(OrderRequestField.orderId), due,
    });
  }

  /** Runs (in order) and forgets the held orders due before `stamp`; returns what `run` published in all. */
  release(stamp: bigint, run: RunHeldOrder): number {
    const items = this.items;
    let published = 0;
    let n = 0;
    try {
      for (; n < items.length && items[n]!.due < stamp; n++) {
        const o = items[n]!;
        const v = this.view.wrap(o.bytes, o.start);
        v.firstTlv();
        while (v.tlvStart - v.start !== o.tlvStart && v.nextTlv());
        published += run(v, o.due);
      }
    } finally {
      if (n === items.length) items.length = 0;
      else if (n > 0) items.splice(0, n);
    }
    return published;
  }

  /** Drops the held order `orderId`; false when none is held. */
  cancel(orderId: bigint): boolean {
    const held = this.items.findIndex((o) => o.orderId === orderId);
    if (held < 0) return false;
    this.items.splice(held, 1);
    return true;
  }
}
