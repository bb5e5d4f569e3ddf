/**
 * An example of a strategy of your own, loaded from its file by the runtime (no change to the
 * project's registry): mean reversion on trades. Per instrument it keeps an exponential moving average
 * of the trade price; when a trade prints more than `thresholdBps` away from that average (after
 * `minTrades` trades, outside the instrument's cooldown) it bets on the price coming back: a
 * MomentumSignal with the opposite direction (price above the mean → sell), `momentumBps` = the
 * deviation, `referencePrice` = the trade's price. The execution planner turns those into orders.
 *
 * Run it in the demo (`ap start --config examples/my-strategy.yaml`) or a backtest (`ap backtest
 * --config examples/my-strategy.yaml --data REC.bin`); docs/STRATEGIES.md explains the contract.
 * Inside this repository it imports the project's files by path; from your own project import the same
 * names from the installed package.
 *
 * Determinism, as the contract asks: no clock, no randomness — times, ids and prices all come from the
 * input messages, so a recording always replays into the same signals.
 *
 * @module
 */

import * as v from "valibot";
import { MessageBuilder, MomentumSignalField, RelayDomain, SignalIdentityField, TlvType, TradeField, type MessageView } from "../protocol/mod.ts";
import { DiscardSink, defineStrategy, type MessageSink, type StrategyStats, type TradingStrategy } from "../trading/strategies/contract.ts";
import { deriveId } from "../trading/signal-id.ts";

/** The `config:` section of the strategy (valibot: any Standard Schema works). */
export const MeanReversionConfig = v.strictObject({
  /** strategyId written into SignalIdentity. */
  strategyId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535)), 22),
  /** Header source when not run as a service (a backtest); a service uses its serviceId. */
  source: v.optional(v.pipe(v.number(), v.integer(), v.minValue(20), v.maxValue(39)), 22),
  /** Trades the moving average spans (its weight is 2 / (emaTrades + 1)). */
  emaTrades: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(10_000)), 20),
  /** Distance from the average (bps) at which to fade the move. */
  thresholdBps: v.optional(v.pipe(v.number(), v.minValue(0.1), v.maxValue(10_000)), 5),
  /** Trades an instrument must have had before it can signal. */
  minTrades: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 20),
  /** No new signal for an instrument within this time after one (ms, trade time). */
  cooldownMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 5_000),
  /** The horizon reported in the signal's `windowSeconds`. */
  horizonSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 10),
});
/** The validated config. */
export type MeanReversionConfig = v.InferOutput<typeof MeanReversionConfig>;

/** State of one instrument. */
interface Instrument {
  ema: number;
  trades: number;
  lastSignalNs: number;
}

/** The strategy (the contract's {@link TradingStrategy}). */
export class MeanReversionStrategy implements TradingStrategy {
  readonly name = "mean-reversion";
  readonly strategyId: number;
  readonly source: number;
  private sink: MessageSink;
  private readonly config: MeanReversionConfig;
  private readonly alpha: number;
  private readonly builder = new MessageBuilder(256);
  private readonly instruments = new Map<string, Instrument>();
  private readonly counters = { messages: 0, trades: 0, signals: 0, cooldown: 0 };

  /** @param config validated config @param source header source of the signals @param sink where they go */
  constructor(config: MeanReversionConfig, source: number, sink: MessageSink) {
    this.config = config;
    this.strategyId = config.strategyId;
    this.source = source;
    this.sink = sink;
    this.alpha = 2 / (config.emaTrades + 1);
  }

  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  onMarketData(view: MessageView): number {
    this.counters.messages++;
    if (!view.firstTlv()) return 0;
    let emitted = 0;
    let ordinal = 0;
    do {
      if (view.tlvType === TlvType.Trade && view.tlvLength >= 40 && this.onTrade(view, ordinal)) {
        emitted++;
        ordinal++;
      }
    } while (view.nextTlv());
    return emitted;
  }

  private onTrade(view: MessageView, ordinal: number): boolean {
    this.counters.trades++;
    const dv = view.dv;
    const at = view.tlvStart;
    const price = Number(dv.getBigInt64(at + TradeField.price, true)) / 1e8;
    if (!(price > 0)) return false;
    const execNs = Number(dv.getBigUint64(at + TradeField.execTimestamp, true));
    const timeNs = execNs > 0 ? execNs : Number(view.timestamp);
    // The instrument's 12 bytes (assetId u64, venue u16, assetType u8) as a map key.
    const key = `${dv.getBigUint64(at + TradeField.assetId, true)}:${dv.getUint16(at + TradeField.venue, true)}:${dv.getUint8(at + TradeField.assetType)}`;
    let s = this.instruments.get(key);
    if (s === undefined) {
      s = { ema: price, trades: 0, lastSignalNs: -Infinity };
      this.instruments.set(key, s);
    }
    const mean = s.ema;
    s.ema += this.alpha * (price - s.ema);
    s.trades++;
    if (s.trades <= this.config.minTrades) return false;
    const deviationBps = ((price - mean) / mean) * 10_000;
    if (Math.abs(deviationBps) < this.config.thresholdBps) return false;
    if (timeNs - s.lastSignalNs < this.config.cooldownMs * 1e6) {
      this.counters.cooldown++;
      return false;
    }
    s.lastSignalNs = timeNs;
    this.publish(view, ordinal, deviationBps);
    return true;
  }

  private publish(view: MessageView, ordinal: number, deviationBps: number): void {
    const b = this.builder;
    const trade = view.tlvStart;
    const confidence = Math.max(1, Math.min(100, Math.round(50 * Math.abs(deviationBps) / this.config.thresholdBps)));
    b.begin(RelayDomain.Signal, this.source).setTimestamp(view.timestamp);
    const id = b.reserve(TlvType.SignalIdentity, 16);
    b.dv.setUint16(id + SignalIdentityField.strategyId, this.strategyId, true);
    b.dv.setUint8(id + SignalIdentityField.confidence, confidence);
    b.dv.setBigUint64(id + SignalIdentityField.signalId, deriveId(this.strategyId, view.source, view.sequence, ordinal), true);
    const at = b.reserve(TlvType.MomentumSignal, 32);
    for (let i = 0; i < 12; i++) b.dv.setUint8(at + MomentumSignalField.assetId + i, view.dv.getUint8(trade + TradeField.assetId + i));
    b.dv.setInt8(at + MomentumSignalField.direction, deviationBps > 0 ? -1 : 1);
    b.dv.setUint16(at + MomentumSignalField.windowSeconds, this.config.horizonSeconds, true);
    b.dv.setInt32(at + MomentumSignalField.momentumBps, Math.max(-2_147_483_648, Math.min(2_147_483_647, Math.round(deviationBps))), true);
    b.dv.setBigInt64(at + MomentumSignalField.referencePrice, view.dv.getBigInt64(trade + TradeField.price, true), true);
    this.counters.signals++;
    this.sink.publish(b.finish());
  }

  stats(): StrategyStats {
    return { ...this.counters, instruments: this.instruments.size };
  }
}

/** What the runtime loads: the module's default export. */
export default defineStrategy({
  name: "mean-reversion",
  summary: "fades trades printing more than thresholdBps from the instrument's moving average → MomentumSignal",
  configSchema: MeanReversionConfig,
  create: (config, context) => new MeanReversionStrategy(config, context.source ?? config.source, new DiscardSink()),
});
