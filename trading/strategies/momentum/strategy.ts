/**
 * Momentum per instrument over rolling time windows of trades.
 *
 * Every Trade goes into the instrument's preallocated ring buffer (time, price, size, signed size);
 * each configured window keeps its oldest-trade index and running volume sums, advanced as trades age
 * out, so one trade costs O(windows) and allocates nothing. Momentum is the price change over the window
 * in bps, `(last − oldest) / oldest × 10⁴`. At |momentum| ≥ the window's threshold, with at least
 * `minTrades` trades in the window and outside the instrument's cooldown for that window, a
 * MomentumSignal is published (direction ±1, windowSeconds, momentumBps, referencePrice = last trade).
 *
 * Confidence (0–100) = 50 % strength (|momentum| / 2·threshold, capped at 1) + 30 % order-flow
 * agreement (taker volume in the signal's direction minus against, over all volume, mapped to 0–1) +
 * 20 % sample size (trades / 2·minTrades, capped at 1).
 *
 * Times are the trades' execution timestamps (the header's when 0), held as float nanoseconds
 * (±256 ns at today's epoch: far below any window). A trade older than the instrument's latest is
 * treated as happening at the latest time and counted; one stamped more than `maxFutureSkewMs` after its
 * message's header stamp is placed at the header stamp and counted (`clockSkew`). Prices are exact while below 2^53 (i64 × 1e8,
 * i.e. under ~90 million per unit); larger ones are counted and skipped.
 *
 * @example
 * ```ts
 * const momentum = new MomentumStrategy(config, sink);
 * momentum.onMarketData(view); // publishes MomentumSignal messages
 * const snap = momentum.toSnapshot(); // windows, cooldowns and the signal-id epoch, JSON-safe
 * restarted.restore(snap);            // validated (SnapshotError names the field)
 * ```
 * @module
 */

import { TradeField, MomentumSignalField, MessageBuilder, TlvType, parseInstrument, type MessageView } from "../../../protocol/mod.ts";
import { DiscardSink, type MessageSink, type StrategyStats, type TradingStrategy, type WarmUpReport } from "../contract.ts";
import { InstrumentTable } from "../../instrument-table.ts";
import { SnapshotError, instrumentJson, parseSnapshot } from "../../snapshot-codec.ts";
import { MOMENTUM_SNAPSHOT_VERSION, MomentumSnapshotSchema, type MomentumSnapshot } from "./snapshot.ts";
import { SignalIdSpace } from "../../signal-id.ts";
import { beginSignalFrom, clampI32, writeDerivedSignalIdentity } from "../../signal-writer.ts";
import type { MomentumConfig } from "./config.ts";
import { feedSyntheticTrades } from "../warm-up.ts";
import { momentumWarmUpPlan } from "./warm-up.ts";

const TWO32 = 4_294_967_296;
const MAX_EXACT = 9_007_199_254_740_991;

/** Counters of the momentum strategy. */
export interface MomentumCounters {
  messages: number;
  trades: number;
  signals: number;
  /** Signals held back by the cooldown. */
  cooldownSuppressed: number;
  /** Signals under `minConfidence`. */
  lowConfidence: number;
  /** Trades of instruments outside the configured list. */
  filtered: number;
  /** Trades dropped because the instrument table is full. */
  instrumentsFull: number;
  /** Trades with a non-positive or non-exact price. */
  badPrice: number;
  /** Trades older than the instrument's latest. */
  outOfOrder: number;
  /** Trades pushed out of the ring while still inside a window (capacity too small for the rate). */
  ringOverflow: number;
  /** Trades whose own time was more than `maxFutureSkewMs` after their header stamp (placed at the header stamp). */
  clockSkew: number;
}

/** Momentum strategy over Trade TLVs (see module docs). */
export class MomentumStrategy implements TradingStrategy {
  /** Registry name. */
  readonly name = "momentum";
  readonly strategyId: number;
  readonly source: number;
  private sink: MessageSink;
  private readonly config: MomentumConfig;
  private readonly builder = new MessageBuilder(1024);
  private readonly table: InstrumentTable;
  private readonly filter: InstrumentTable | undefined;
  private readonly cap: number;
  private readonly mask: number;
  private readonly windows: number;
  private readonly windowNs: Float64Array;
  private readonly windowSeconds: Uint16Array;
  private readonly threshold: Float64Array;
  private readonly cooldownNs: number;
  // Ring buffers, slot-major: slot * cap + (count & mask).
  private readonly ringTime: Float64Array;
  private readonly ringPrice: Float64Array;
  private readonly ringSize: Float64Array;
  private readonly ringSigned: Float64Array;
  private readonly count: Float64Array;
  private readonly lastTime: Float64Array;
  private readonly priceLo: Uint32Array;
  private readonly priceHi: Uint32Array;
  // Per (window, slot): w * maxInstruments + slot.
  private readonly start: Float64Array;
  private readonly volume: Float64Array;
  private readonly signed: Float64Array;
  private readonly lastSignal: Float64Array;
  private readonly counters: MomentumCounters = {
    messages: 0, trades: 0, signals: 0, cooldownSuppressed: 0, lowConfidence: 0, filtered: 0, instrumentsFull: 0,
    badPrice: 0, outOfOrder: 0, ringOverflow: 0, clockSkew: 0,
  };
  private readonly futureSkewNs: number;
  private ordinal = 0;
  /** Where signal ids come from (never repeated across restarts; see {@link SignalIdSpace}). */
  readonly ids = new SignalIdSpace();

  /** @param config validated config @param sink where signals go */
  constructor(config: MomentumConfig, sink: MessageSink = new DiscardSink()) {
    this.config = config;
    this.sink = sink;
    this.strategyId = config.strategyId;
    this.source = config.source;
    const n = config.maxInstruments;
    let cap = 16;
    while (cap < config.capacity) cap <<= 1;
    this.cap = cap;
    this.mask = cap - 1;
    this.table = new InstrumentTable(n);
    if (config.instruments !== undefined) {
      this.filter = new InstrumentTable(Math.max(1, config.instruments.length));
      for (const text of config.instruments) this.filter.slotOf(parseInstrument(text), true);
    }
    const w = config.windows.length;
    this.windows = w;
    this.windowNs = Float64Array.from(config.windows, (x) => x.seconds * 1e9);
    this.windowSeconds = Uint16Array.from(config.windows, (x) => x.seconds);
    this.threshold = Float64Array.from(config.windows, (x) => x.thresholdBps);
    this.cooldownNs = config.cooldownMs * 1e6;
    this.futureSkewNs = config.maxFutureSkewMs * 1e6;
    this.ringTime = new Float64Array(n * cap);
    this.ringPrice = new Float64Array(n * cap);
    this.ringSize = new Float64Array(n * cap);
    this.ringSigned = new Float64Array(n * cap);
    this.count = new Float64Array(n);
    this.lastTime = new Float64Array(n);
    this.priceLo = new Uint32Array(n);
    this.priceHi = new Uint32Array(n);
    this.start = new Float64Array(w * n);
    this.volume = new Float64Array(w * n);
    this.signed = new Float64Array(w * n);
    this.lastSignal = new Float64Array(w * n).fill(-Infinity);
  }

  /** Sets where signals go. */
  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** Reads every Trade TLV of the message; publishes momentum signals; returns how many. */
  onMarketData(view: MessageView): number {
    this.counters.messages++;
    if (!view.firstTlv()) return 0;
    this.ordinal = 0;
    let emitted = 0;
    do {
      if (view.tlvType === TlvType.Trade && view.tlvLength >= 40) emitted += this.onTrade(view);
    } while (view.nextTlv());
    return emitted;
  }

  private onTrade(view: MessageView): number {
    const dv = view.dv;
    const base = view.tlvStart;
    this.counters.trades++;
    const lo = dv.getUint32(base + TradeField.assetId, true);
    const hi = dv.getUint32(base + TradeField.assetId + 4, true);
    const venue = dv.getUint16(base + TradeField.venue, true);
    const assetType = dv.getUint8(base + TradeField.assetType);
    if (this.filter !== undefined && this.filter.slot(lo, hi, venue, assetType, false) < 0) {
      this.counters.filtered++;
      return 0;
    }
    const slot = this.table.slot(lo, hi, venue, assetType, true);
    if (slot < 0) {
      this.counters.instrumentsFull++;
      return 0;
    }
    const pLo = dv.getUint32(base + TradeField.price, true);
    const pHi = dv.getInt32(base + TradeField.price + 4, true);
    const price = pHi * TWO32 + pLo;
    if (price <= 0 || price > MAX_EXACT) {
      this.counters.badPrice++;
      return 0;
    }
    const size = dv.getUint32(base + TradeField.size, true) + dv.getInt32(base + TradeField.size + 4, true) * TWO32;
    const side = dv.getUint8(base + TradeField.side);
    const signedSize = side === 1 ? size : side === 2 ? -size : 0;
    let time = dv.getUint32(base + TradeField.execTimestamp, true) + dv.getUint32(base + TradeField.execTimestamp + 4, true) * TWO32;
    const header = dv.getUint32(view.start + 16, true) + dv.getUint32(view.start + 20, true) * TWO32;
    if (time === 0) time = header;
    else if (time - header > this.futureSkewNs) {
      this.counters.clockSkew++;
      time = header;
    }
    const last = this.lastTime[slot]!;
    if (time < last) {
      this.counters.outOfOrder++;
      time = last;
    }
    this.lastTime[slot] = time;
    this.priceLo[slot] = pLo;
    this.priceHi[slot] = pHi >>> 0;

    const cap = this.cap;
    // Ring positions by `& mask`: exact for any integer count below 2^53 (cap divides 2^32), where `%` on
    // the doubles these counts are would be a call to fmod.
    const mask = this.mask;
    const ringBase = slot * cap;
    const count = this.count[slot]!;
    const at = ringBase + (count & mask);
    const n = this.config.maxInstruments;
    if (count >= cap) {
      // The slot about to be written holds trade `count − cap`: windows still holding it drop it now.
      const oldest = count - cap;
      for (let w = 0; w < this.windows; w++) {
        const k = w * n + slot;
        if (this.start[k]! > oldest) continue;
        this.counters.ringOverflow++;
        this.volume[k] = this.volume[k]! - this.ringSize[at]!;
        this.signed[k] = this.signed[k]! - this.ringSigned[at]!;
        this.start[k] = oldest + 1;
      }
    }
    this.ringTime[at] = time;
    this.ringPrice[at] = price;
    this.ringSize[at] = size;
    this.ringSigned[at] = signedSize;
    const newCount = count + 1;
    this.count[slot] = newCount;

    let emitted = 0;
    for (let w = 0; w < this.windows; w++) {
      const k = w * n + slot;
      let start = this.start[k]!;
      let volume = this.volume[k]! + size;
      let signed = this.signed[k]! + signedSize;
      const horizon = time - this.windowNs[w]!;
      while (start < count) {
        const j = ringBase + (start & mask);
        if (this.ringTime[j]! >= horizon) break;
        volume -= this.ringSize[j]!;
        signed -= this.ringSigned[j]!;
        start++;
      }
      this.start[k] = start;
      this.volume[k] = volume;
      this.signed[k] = signed;
      const trades = newCount - start;
      if (trades < this.config.minTrades) continue;
      const first = this.ringPrice[ringBase + (start & mask)]!;
      const momentum = ((price - first) / first) * 10_000;
      const threshold = this.threshold[w]!;
      if (momentum < threshold && momentum > -threshold) continue;
      if (time - this.lastSignal[k]! < this.cooldownNs) {
        this.counters.cooldownSuppressed++;
        continue;
      }
      const direction = momentum > 0 ? 1 : -1;
      const strength = Math.min(1, Math.abs(momentum) / (2 * threshold));
      const flow = volume > 0 ? (direction * signed) / volume : 0;
      const sample = Math.min(1, trades / (2 * this.config.minTrades));
      const confidence = Math.max(1, Math.min(100, Math.round(100 * (0.5 * strength + 0.3 * ((1 + flow) / 2) + 0.2 * sample))));
      if (confidence < this.config.minConfidence) {
        this.counters.lowConfidence++;
        continue;
      }
      this.lastSignal[k] = time;
      this.emit(view, slot, direction, w, Math.round(momentum), confidence);
      emitted++;
    }
    return emitted;
  }

  private emit(view: MessageView, slot: number, direction: number, w: number, momentumBps: number, confidence: number): void {
    const b = this.builder;
    beginSignalFrom(b, this.source, view);
    writeDerivedSignalIdentity(b, this.strategyId, confidence, this.ids, view, this.ordinal++);
    const at = b.reserve(TlvType.MomentumSignal, 32);
    const dv = b.dv;
    this.table.write(dv, at, slot);
    dv.setInt8(at + MomentumSignalField.direction, direction);
    dv.setUint16(at + MomentumSignalField.windowSeconds, this.windowSeconds[w]!, true);
    dv.setInt32(at + MomentumSignalField.momentumBps, clampI32(momentumBps), true);
    dv.setUint32(at + MomentumSignalField.referencePrice, this.priceLo[slot]!, true);
    dv.setUint32(at + MomentumSignalField.referencePrice + 4, this.priceHi[slot]!, true);
    this.counters.signals++;
    this.sink.publish(b.finish());
  }

  /**
   * Compiles the signal path before live data: a scratch instance of the same config runs `messages`
   * synthetic Trades that fill and cross every window (./warm-up.ts); this instance is not touched.
   */
  warmUp(messages?: number): Promise<WarmUpReport> {
    const config = this.config;
    return feedSyntheticTrades((sink) => new MomentumStrategy(config, sink), momentumWarmUpPlan(config, messages));
  }

  /** Instruments tracked so far. */
  get instrumentCount(): number {
    return this.table.size;
  }

  /** Counters for metrics. */
  stats(): StrategyStats {
    return { ...this.counters, instruments: this.table.size, idEpoch: this.ids.epoch, sourceRestarts: this.ids.sourceRestarts };
  }

  /** The state that matters after a restart, as a plain JSON-safe, versioned object (see {@link MomentumSnapshot}). */
  toSnapshot(): MomentumSnapshot {
    const n = this.config.maxInstruments;
    const cap = this.cap;
    const instruments: MomentumSnapshot["instruments"] = [];
    for (let slot = 0; slot < this.table.size; slot++) {
      const count = this.count[slot]!;
      let from = count;
      const windows: MomentumSnapshot["instruments"][number]["windows"] = [];
      for (let w = 0; w < this.windows; w++) {
        const k = w * n + slot;
        from = Math.min(from, this.start[k]!);
        const last = this.lastSignal[k]!;
        windows.push({ start: this.start[k]!, volume: this.volume[k]!, signed: this.signed[k]!, lastSignal: Number.isFinite(last) ? last : null });
      }
      from = Math.max(from, count - cap, 0);
      const trades: [number, number, number, number][] = [];
      for (let i = from; i < count; i++) {
        const j = slot * cap + (i % cap);
        trades.push([this.ringTime[j]!, this.ringPrice[j]!, this.ringSize[j]!, this.ringSigned[j]!]);
      }
      const price = (BigInt(this.priceHi[slot]!) << 32n) | BigInt(this.priceLo[slot]!);
      instruments.push({ instrument: instrumentJson(this.table.instrument(slot)), count, lastTime: this.lastTime[slot]!, lastPrice: String(price), from, trades, windows });
    }
    return {
      kind: "momentum", version: MOMENTUM_SNAPSHOT_VERSION, ids: this.ids.toJson(), windowSeconds: [...this.windowSeconds], ringCapacity: cap, instruments,
    };
  }

  /**
   * Restores a snapshot: the signal-id epoch always; windows and cooldowns when the snapshot was made
   * with the same windows and ring capacity (otherwise they start empty, and the returned list says
   * why). Validated before anything changes: a refused snapshot ({@link SnapshotError}) changes nothing.
   * Call {@link SignalIdSpace.nextRun} on `ids` afterwards to start the new run's epoch.
   */
  restore(snapshot: unknown): string[] {
    const s = parseSnapshot(MomentumSnapshotSchema, snapshot, "momentum", MOMENTUM_SNAPSHOT_VERSION);
    const sameWindows = s.ringCapacity === this.cap && s.windowSeconds.length === this.windows && s.windowSeconds.every((x, i) => x === this.windowSeconds[i]);
    if (!sameWindows) {
      this.ids.restore(s.ids);
      return [`windows not restored: the snapshot has windows [${s.windowSeconds}] s and ring ${s.ringCapacity}, the config [${[...this.windowSeconds]}] s and ring ${this.cap}`];
    }
    if (s.instruments.length > this.config.maxInstruments) {
      throw new SnapshotError("momentum", "instruments", `${s.instruments.length} instruments, more than maxInstruments ${this.config.maxInstruments}`);
    }
    s.instruments.forEach((x, i) => {
      if (x.windows.length !== this.windows) throw new SnapshotError("momentum", `instruments[${i}].windows`, `has ${x.windows.length} windows, expected ${this.windows}`);
      if (x.from + x.trades.length !== x.count || x.trades.length > this.cap) throw new SnapshotError("momentum", `instruments[${i}].trades`, "do not end at count or exceed the ring");
      x.windows.forEach((w, k) => {
        if (w.start < x.from || w.start > x.count) throw new SnapshotError("momentum", `instruments[${i}].windows[${k}].start`, `${w.start} is outside the trades kept (${x.from}–${x.count})`);
      });
    });
    const n = this.config.maxInstruments;
    const cap = this.cap;
    for (const x of s.instruments) {
      const slot = this.table.slotOf(x.instrument, true);
      this.count[slot] = x.count;
      this.lastTime[slot] = x.lastTime;
      this.priceLo[slot] = Number(x.lastPrice & 0xffff_ffffn);
      this.priceHi[slot] = Number((x.lastPrice >> 32n) & 0xffff_ffffn);
      x.trades.forEach(([time, price, size, signed], i) => {
        const j = slot * cap + ((x.from + i) % cap);
        this.ringTime[j] = time;
        this.ringPrice[j] = price;
        this.ringSize[j] = size;
        this.ringSigned[j] = signed;
      });
      x.windows.forEach((w, i) => {
        const k = i * n + slot;
        this.start[k] = w.start;
        this.volume[k] = w.volume;
        this.signed[k] = w.signed;
        this.lastSignal[k] = w.lastSignal ?? -Infinity;
      });
    }
    this.ids.restore(s.ids);
    return [];
  }
}
