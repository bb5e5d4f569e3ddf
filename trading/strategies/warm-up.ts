/**
 * JIT warm-up of a strategy's signal path, before live data reaches it.
 *
 * A strategy's per-message path is hot from the first second, but the code that builds and publishes a
 * signal runs a few times a second at most: V8 leaves it interpreted for a long while, and optimised
 * per-message code deoptimises when it first reaches a branch it has no type feedback for. A warm-up runs
 * the strategy's own code on synthetic input in a **scratch instance** (same class and config, a
 * discarding sink), so the shared code is compiled with complete feedback while the live instance's
 * state, ids and sink are never touched. Measured on the e2e bench (docs/PERFORMANCE.md "Stop 20"): the
 * first 50 live momentum signals took p50 18.6 µs to build cold, 7.5 µs warmed; later signals cost the
 * same either way (p50 4–12 µs, where the same code in a tight loop takes under 1 µs).
 *
 * {@link feedSyntheticTrades} is the Trade-driven warm-up: a sawtooth of prices per instrument, paced so
 * that every window holds enough trades and every cooldown passes, built into one reused buffer, in slices
 * with an event-loop turn between them.
 *
 * @example
 * ```ts
 * const report = await feedSyntheticTrades((sink) => new MomentumStrategy(config, sink), {
 *   instruments: [pairInstrument("BTC", "USD", Venue.Coinbase)], messages: 16_000, stepNs: 1_000_000,
 *   movePerTrade: 0.001, legTrades: 20,
 * });
 * console.log(report.signals); // > 0: the signal path ran
 * ```
 * @module
 */

import { HeaderOffset, MessageBuilder, MessageView, RelayDomain, TlvType, TradeField, setSafeInt64, type InstrumentId } from "../../protocol/mod.ts";
import type { MessageSink, TradingStrategy, WarmUpReport } from "./contract.ts";

/** A synthetic Trade series: instruments in turn, one Trade per message. */
export interface SyntheticTradePlan {
  /** Instruments traded in turn (at least one). */
  readonly instruments: readonly InstrumentId[];
  /** Messages in all. */
  readonly messages: number;
  /** Time between consecutive messages (any instrument), ns; at least 1 000 (times near 2^60 are exact to 256 ns). */
  readonly stepNs: number;
  /** Relative price change per trade of one instrument, e.g. 0.001 = 10 bps. */
  readonly movePerTrade: number;
  /** Trades of one instrument per leg of the sawtooth (up, then down). */
  readonly legTrades: number;
}

/** Header `source` of the synthetic messages (any market-data source id; the header is not checked by strategies). */
const SYNTHETIC_SOURCE = 3;
/** First synthetic header time: a recent epoch in ns, so times have the magnitude live ones have. */
const T0_NS = 1_700_000_000_000_000_000;
const TWO32 = 4_294_967_296;
/** Start price of every synthetic instrument, 10^8 units (10 000.00000000). */
const BASE_PRICE = 1_000_000_000_000;

class CountingSink implements MessageSink {
  count = 0;
  publish(_bytes: Uint8Array): void {
    this.count++;
  }
}

/** Synthetic messages fed between two turns of the event loop (~2–8 ms of work on this project's VM). */
export const WARM_UP_SLICE_MESSAGES = 2_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Feeds `plan`'s Trades to a scratch strategy made by `create` and resolves to what it did. Every
 * `sliceMessages` messages it gives the event loop a turn, so services sharing it (`--inline`) are held up
 * for one slice at most. The scratch instance is dropped afterwards; only the compiled code it leaves
 * behind is shared with live instances.
 */
export async function feedSyntheticTrades(
  create: (sink: MessageSink) => TradingStrategy, plan: SyntheticTradePlan, sliceMessages: number = WARM_UP_SLICE_MESSAGES,
): Promise<WarmUpReport> {
  const sink = new CountingSink();
  const strategy = create(sink);
  const builder = new MessageBuilder(256);
  const view = new MessageView();
  const n = plan.instruments.length;
  const leg = Math.max(1, Math.floor(plan.legTrades));
  const step = Math.max(1, Math.round(BASE_PRICE * plan.movePerTrade));
  const stepNs = Math.max(1_000, Math.round(plan.stepNs));
  let time = T0_NS;
  const slice = Math.max(1, Math.floor(sliceMessages));
  for (let i = 0; i < plan.messages; i++) {
    if (i > 0 && i % slice === 0) await nextTurn();
    const ins = plan.instruments[i % n]!;
    const k = Math.floor(i / n) % (2 * leg);
    const price = BASE_PRICE + step * (k < leg ? k : 2 * leg - k);
    const b = builder.begin(RelayDomain.MarketData, SYNTHETIC_SOURCE, 0);
    const dv = b.dv;
    const hi = Math.floor(time / TWO32);
    const lo = time - hi * TWO32;
    dv.setUint32(HeaderOffset.timestamp, lo, true);
    dv.setUint32(HeaderOffset.timestamp + 4, hi, true);
    const at = b.reserve(TlvType.Trade, 40);
    dv.setBigUint64(at + TradeField.assetId, ins.assetId, true);
    dv.setUint16(at + TradeField.venue, ins.venue, true);
    dv.setUint8(at + TradeField.assetType, ins.assetType);
    dv.setUint8(at + TradeField.side, (i & 1) + 1);
    dv.setUint8(at + TradeField.flags, 0);
    setSafeInt64(dv, at + TradeField.price, price);
    setSafeInt64(dv, at + TradeField.size, 100_000_000 + (i & 7) * 1_000_000);
    dv.setUint32(at + TradeField.execTimestamp, lo, true);
    dv.setUint32(at + TradeField.execTimestamp + 4, hi, true);
    strategy.onMarketData(view.wrap(b.finish(), 0));
    time += stepNs;
  }
  return { messages: plan.messages, signals: sink.count };
}
