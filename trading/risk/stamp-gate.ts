/**
 * How the risk manager takes each message's header stamp (see risk-clock.ts for the modes): a stamp in
 * time moves the clock and the market's "now"; one more than `maxFutureSkewMs` ahead does not — its
 * market data is held back (`stamps` mode, until a second message confirms the jump) or dropped, and it
 * is counted (`clockSkew*` counters).
 *
 * @module
 */

import { MessageView, TlvType } from "../../protocol/mod.ts";
import type { MarketState } from "../execution/market-state.ts";
import { ClockMode, StampCheck, type RiskClock } from "./risk-clock.ts";
import type { RiskCounters } from "./risk-snapshot.ts";

/** A TLV type the market state keeps (quotes, trades, books, pool events). */
export function isMarketData(t: number): boolean {
  return t === TlvType.Quote || t === TlvType.Trade || t === TlvType.OrderBook || (t >= TlvType.PoolSwap && t <= TlvType.PoolSync);
}

/** Takes stamps into the risk clock and the market, holding back a jump's market data (see module docs). */
export class StampGate {
  private readonly clock: RiskClock;
  private readonly market: MarketState;
  private readonly counters: RiskCounters;
  /** `stamps` mode: the market-data message of a jump waiting for confirmation (copied). */
  private held = new Uint8Array(0);
  private heldLength = 0;
  private readonly heldView = new MessageView();

  /** @param clock risk's clock @param market the market it dates @param counters where skew is counted */
  constructor(clock: RiskClock, market: MarketState, counters: RiskCounters) {
    this.clock = clock;
    this.market = market;
    this.counters = counters;
  }

  /**
   * Judges the message's stamp against the clock: true (and the clock moved on) when it is in time;
   * false when it is more than `maxFutureSkewMs` ahead. A message confirming a held jump first applies
   * the held market data; one that moves now while a jump is held refutes (drops) it.
   */
  take(view: MessageView): boolean {
    const check = this.clock.check(view);
    if (check === StampCheck.Ahead) return false;
    if (check === StampCheck.ConfirmsJump) this.applyHeld();
    if (this.clock.advance(view) && this.clock.holdingJump) this.dropHeld();
    this.market.noteTime(view);
    return true;
  }

  /** A message stamped too far ahead: its market data held (`stamps` mode) or dropped, the rest counted. */
  onAhead(view: MessageView, marketData: boolean, execution: boolean): void {
    if (execution) this.counters.clockSkewExecution++;
    if (!marketData) return;
    if (this.clock.mode !== ClockMode.Stamps) {
      this.counters.clockSkewMarketData++;
      return;
    }
    if (this.heldLength > 0) this.counters.clockSkewMarketData++;
    const n = view.length;
    if (this.held.length < n) this.held = new Uint8Array(Math.max(n, 2 * this.held.length, 256));
    this.held.set(view.u8.subarray(view.start, view.start + n), 0);
    this.heldLength = n;
    this.clock.holdJump(view);
  }

  /** A held jump was confirmed: its market data goes into the market state, dated by its own stamp. */
  private applyHeld(): void {
    this.clock.dropJump();
    if (this.heldLength === 0) return;
    const h = this.heldView.wrap(this.held.subarray(0, this.heldLength), 0);
    this.heldLength = 0;
    this.clock.advance(h);
    this.market.noteTime(h);
    if (!h.firstTlv()) return;
    do if (isMarketData(h.tlvType)) this.market.onTlv(h);
    while (h.nextTlv());
  }

  /** A held jump was refuted by a message inside the tolerance: its market data is dropped. */
  private dropHeld(): void {
    this.clock.dropJump();
    if (this.heldLength === 0) return;
    this.heldLength = 0;
    this.counters.clockSkewMarketData++;
  }
}
