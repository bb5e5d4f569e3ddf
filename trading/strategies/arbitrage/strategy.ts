/**
 * Flash arbitrage between DEX pools on the same two tokens (V2 and V3, any mix).
 *
 * On every pool update (PoolSync, V3 PoolSwap, V3 mint/burn in range) the updated pool is screened
 * against every other pool of its pair with float marginal prices (γa·γb·pA/pB > 1 − 10⁻⁹, allocation-
 * free); only a pair that passes is evaluated exactly: the optimal input on exact integer pool outputs
 * ({@link optimizeCycle}), starting from the token with a USD price (token0 when both have one), priced in USD, minus gas (latest GasPrice of
 * the chain × configured gas units × native-token USD price). An ArbitrageSignal is published when the
 * net profit reaches `minNetProfitUsd`, and only once per opportunity: the same pools, direction, start
 * token and size bucket do not signal again until the opportunity changes or disappears.
 *
 * ArbitrageSignal fields (PROTOCOL.md §4): tokenIn is the token borrowed and returned (X), tokenOut the
 * intermediate token (Y); amountIn is in X's raw units; `minAmountOut` is the least X the second pool
 * must return (expected output less the slippage tolerance). `expectedProfitUsd` is the profit after
 * pool fees and price impact, before gas; `dexFeesUsd` and `slippageUsd` break down what fees and impact
 * cost (already inside the expected profit, not subtracted again); `netProfitUsd` = expected − gas.
 * Gross values are floored and gas is rounded up, so the net is never overstated. `maxGasPriceWei` is
 * the break-even gas price. Confidence = the share of the expected profit left after gas.
 *
 * @example
 * ```ts
 * const strategy = new FlashArbitrageStrategy(config, pools, sink);
 * strategy.onMarketData(view); // publishes ArbitrageSignal messages to sink
 * ```
 * @module
 */

import { ArbitrageSignalField, MessageBuilder, TlvType, writeU128, type MessageView } from "../../../protocol/mod.ts";
import { DiscardSink, type MessageSink, type StrategyStats, type TradingStrategy } from "../contract.ts";
import { cycleReserves, optimizeCycle } from "../../dex/cycle.ts";
import { GasBook, chainOfVenue } from "../../dex/gas-book.ts";
import { bitLength } from "../../dex/int-math.ts";
import { PoolBook } from "../../dex/pool-book.ts";
import type { PoolState } from "../../dex/pool-state.ts";
import type { PoolMeta } from "../../dex/pool-cache.ts";
import { UsdPrices } from "../../dex/usd-prices.ts";
import { FEE_SCALE } from "../../dex/v2-math.ts";
import { parseSnapshot } from "../../snapshot-codec.ts";
import { SignalIdSpace } from "../../signal-id.ts";
import { arbitrageEconomics, type ArbitrageEconomics } from "./economics.ts";
import { beginSignal, clampI32, clampI64, clampU64, writeSignalIdentity } from "../../signal-writer.ts";
import type { ArbitrageConfig } from "./config.ts";
import { ARBITRAGE_SNAPSHOT_VERSION, ArbitrageSnapshotSchema, type ArbitrageSnapshot } from "./snapshot.ts";

/** Screening threshold on the float cycle gain: pairs below it cannot be profitable. */
const SCREEN = 1 - 1e-9;
const BPS = 10_000n;

interface Candidate {
  start0: boolean;
  amountIn: bigint;
  mid: bigint;
  amountOut: bigint;
  profit: bigint;
  eco: ArbitrageEconomics;
  chain: number;
}

/** Counters of the strategy (all inputs it ignored are counted). */
export interface ArbitrageCounters {
  messages: number;
  poolUpdates: number;
  screened: number;
  evaluated: number;
  opportunities: number;
  signals: number;
  suppressed: number;
  belowMinProfit: number;
  unpriced: number;
  noGasPrice: number;
  noChain: number;
  crossChain: number;
}

/** Flash-arbitrage strategy over pool state messages (see module docs). */
export class FlashArbitrageStrategy implements TradingStrategy {
  /** Registry name. */
  readonly name = "flash-arbitrage";
  readonly strategyId: number;
  readonly source: number;
  /** Pool states. */
  readonly book: PoolBook;
  /** Token USD prices. */
  readonly usd: UsdPrices;
  /** Gas prices. */
  readonly gas: GasBook;
  private readonly config: ArbitrageConfig;
  private sink: MessageSink;
  private readonly builder = new MessageBuilder(4096);
  /** Fingerprint of the last signalled opportunity per ordered pool pair: active[a.index][b.groupIndex] (0 = none). */
  private readonly active: Int32Array[] = [];
  private activeCount = 0;
  private readonly counters: ArbitrageCounters = {
    messages: 0, poolUpdates: 0, screened: 0, evaluated: 0, opportunities: 0, signals: 0, suppressed: 0,
    belowMinProfit: 0, unpriced: 0, noGasPrice: 0, noChain: 0, crossChain: 0,
  };
  private readonly venueChains = new Map<number, number>();
  private readonly chainSettings = new Map<number, { nativeToken: number; nativeUsd?: bigint; gasUnits: bigint }>();
  private ordinal = 0;
  private lastTimestampHi = 0;
  private lastTimestampLo = 0;
  /** Where signal ids come from (never repeated across restarts; see {@link SignalIdSpace}). */
  readonly ids = new SignalIdSpace();

  /** @param config validated config @param pools pool metadata (cache + inline) @param sink where signals go */
  constructor(config: ArbitrageConfig, pools: Iterable<PoolMeta>, sink: MessageSink = new DiscardSink()) {
    this.config = config;
    this.sink = sink;
    this.strategyId = config.strategyId;
    this.source = config.source;
    this.book = new PoolBook(pools, { defaultV2Fee: config.defaultV2Fee, learnV2: config.learnV2Pools });
    const fixed = new Map<string, bigint>();
    for (const [a, p] of Object.entries(config.usd.fixed)) fixed.set(a.toLowerCase(), p);
    const quotes = new Map<string, string>();
    for (const [a, q] of Object.entries(config.usd.quotes)) quotes.set(a.toLowerCase(), q);
    this.usd = new UsdPrices(this.book, { fixed, pools: config.usd.pools, quotes });
    const fallback = new Map<number, bigint>();
    for (const [chain, c] of Object.entries(config.chains)) {
      const id = Number(chain);
      if (c.gasPriceWei !== undefined) fallback.set(id, c.gasPriceWei);
      this.chainSettings.set(id, {
        nativeToken: c.nativeToken === undefined ? -1 : this.book.tokenId(c.nativeToken),
        nativeUsd: c.nativeUsd,
        gasUnits: BigInt(c.gasUnits ?? config.gasUnits),
      });
    }
    this.gas = new GasBook(fallback);
    for (const [venue, chain] of Object.entries(config.venueChains)) this.venueChains.set(Number(venue), chain);
  }

  /** Sets where signals go. */
  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** Reads pool, gas and quote TLVs of one message; publishes any new arbitrage signals. */
  onMarketData(view: MessageView): number {
    this.counters.messages++;
    this.noteTime(view);
    if (!view.firstTlv()) return 0;
    this.ordinal = 0;
    let emitted = 0;
    do {
      const t = view.tlvType;
      if (t >= TlvType.PoolSwap && t <= TlvType.PoolSync) {
        const pool = this.book.apply(view);
        if (pool !== undefined) {
          this.counters.poolUpdates++;
          emitted += this.onPoolUpdate(pool, view);
        }
      } else if (t === TlvType.GasPrice) {
        this.gas.onGasPrice(view);
      } else if (t === TlvType.Quote) {
        this.usd.onQuote(view);
      }
    } while (view.nextTlv());
    return emitted;
  }

  private noteTime(view: MessageView): void {
    const hi = view.dv.getUint32(view.start + 20, true);
    const lo = view.dv.getUint32(view.start + 16, true);
    if (hi > this.lastTimestampHi || (hi === this.lastTimestampHi && lo > this.lastTimestampLo)) {
      this.lastTimestampHi = hi;
      this.lastTimestampLo = lo;
    }
  }

  /** The state that matters after a restart (see {@link ArbitrageSnapshot}). */
  toSnapshot(): ArbitrageSnapshot {
    return { kind: "flash-arbitrage", version: ARBITRAGE_SNAPSHOT_VERSION, ids: this.ids.toJson(), now: String(this.now) };
  }

  /**
   * Restores a snapshot (validated first: a refused one, {@link SnapshotError}, changes nothing). Call
   * {@link SignalIdSpace.nextRun} on `ids` afterwards to start the new run's epoch. Returns no warnings.
   */
  restore(snapshot: unknown): string[] {
    const s = parseSnapshot(ArbitrageSnapshotSchema, snapshot, "flash-arbitrage", ARBITRAGE_SNAPSHOT_VERSION);
    this.ids.restore(s.ids);
    const hi = Number(s.now >> 32n);
    const lo = Number(s.now & 0xffff_ffffn);
    if (hi > this.lastTimestampHi || (hi === this.lastTimestampHi && lo > this.lastTimestampLo)) {
      this.lastTimestampHi = hi;
      this.lastTimestampLo = lo;
    }
    return [];
  }

  /** Latest input timestamp seen (ns): the strategy's notion of "now". */
  get now(): bigint {
    return (BigInt(this.lastTimestampHi) << 32n) | BigInt(this.lastTimestampLo);
  }

  private onPoolUpdate(pool: PoolState, view: MessageView): number {
    const pools = pool.pair!.pools;
    if (pools.length < 2) return 0;
    let emitted = 0;
    const ga = 1 - pool.fee / 1e6;
    for (let i = 0; i < pools.length; i++) {
      const other = pools[i]!;
      if (other === pool) continue;
      if (!pool.hasState || !other.hasState) {
        this.clear(pool, other);
        this.clear(other, pool);
        continue;
      }
      this.counters.screened++;
      const gain = ga * (1 - other.fee / 1e6);
      const ratio = pool.rate / other.rate;
      if (gain * ratio > SCREEN) emitted += this.evaluate(pool, other, view);
      else this.clear(pool, other);
      if (gain / ratio > SCREEN) emitted += this.evaluate(other, pool, view);
      else this.clear(other, pool);
    }
    return emitted;
  }

  private clear(a: PoolState, b: PoolState): void {
    if (this.activeCount === 0) return;
    const row = this.active[a.index];
    if (row !== undefined && b.groupIndex < row.length && row[b.groupIndex] !== 0) {
      row[b.groupIndex] = 0;
      this.activeCount--;
    }
  }

  private fingerprintOf(a: PoolState, b: PoolState): number {
    const row = this.active[a.index];
    return row !== undefined && b.groupIndex < row.length ? row[b.groupIndex]! : 0;
  }

  private setFingerprint(a: PoolState, b: PoolState, fingerprint: number): void {
    let row = this.active[a.index];
    if (row === undefined || row.length <= b.groupIndex) {
      const grown = new Int32Array(Math.max(b.groupIndex + 1, a.pair!.pools.length));
      if (row !== undefined) grown.set(row);
      this.active[a.index] = row = grown;
    }
    if (row[b.groupIndex] === 0) this.activeCount++;
    row[b.groupIndex] = fingerprint;
  }

  private chainOf(venue: number): number | undefined {
    return this.venueChains.get(venue) ?? chainOfVenue(venue);
  }

  /** Evaluates the cycle token0 →(a) token1 →(b) token0 and its reverse start; publishes at most one signal. */
  private evaluate(a: PoolState, b: PoolState, view: MessageView): number {
    this.counters.evaluated++;
    const chain = this.chainOf(a.venue);
    if (chain === undefined) {
      this.counters.noChain++;
      return 0;
    }
    if (this.chainOf(b.venue) !== chain) {
      this.counters.crossChain++;
      return 0;
    }
    a.materialize();
    b.materialize();
    // Borrow the token with a USD price (token0 when both have one): the cycle is the same either way,
    // only the unit its profit is counted in differs.
    const best = this.candidate(a, b, this.usd.price(a.token0) !== undefined || this.usd.price(a.token1) === undefined, chain);
    if (best === undefined) {
      this.clear(a, b);
      return 0;
    }
    this.counters.opportunities++;
    if (best.eco.netUsd < this.config.minNetProfitUsd || best.eco.netUsd <= 0n) {
      this.counters.belowMinProfit++;
      this.clear(a, b);
      return 0;
    }
    const fingerprint = (best.start0 ? 1 : 2) + 4 * this.sizeBucket(best.amountIn);
    if (this.fingerprintOf(a, b) === fingerprint) {
      this.counters.suppressed++;
      return 0;
    }
    this.setFingerprint(a, b, fingerprint);
    this.emit(a, b, best, view);
    return 1;
  }

  private candidate(a: PoolState, b: PoolState, start0: boolean, chain: number): Candidate | undefined {
    const opt = optimizeCycle(a, b, start0, this.config.refineWindow);
    if (opt.profit <= 0n) return undefined;
    const x = start0 ? a.token0 : a.token1;
    const price = this.usd.price(x);
    const decimals = this.book.tokens[x]!.decimals;
    if (price === undefined || decimals < 0) {
      this.counters.unpriced++;
      return undefined;
    }
    const settings = this.chainSettings.get(chain);
    const gasPrice = this.gas.priceWei(chain);
    const native = settings === undefined ? undefined
      : (settings.nativeToken >= 0 ? this.usd.price(settings.nativeToken) : undefined) ?? settings.nativeUsd;
    if (gasPrice === undefined || native === undefined) {
      this.counters.noGasPrice++;
      return undefined;
    }
    const units = settings?.gasUnits ?? BigInt(this.config.gasUnits);
    const eco = arbitrageEconomics(opt.profit, price, decimals, gasPrice, units, native);
    return { start0, amountIn: opt.amountIn, mid: opt.midAmount, amountOut: opt.amountOut, profit: opt.profit, eco, chain };
  }

  private sizeBucket(amount: bigint): number {
    const bits = bitLength(amount);
    const per = this.config.sizeBucketsPerDoubling;
    if (bits <= 1 || per === 1) return bits;
    // Fraction within the doubling from the top 24 bits.
    const top = bits > 24 ? Number(amount >> BigInt(bits - 24)) / 2 ** 24 : Number(amount) / 2 ** bits;
    return bits * per + Math.floor(Math.log2(top * 2) * per);
  }

  private emit(a: PoolState, b: PoolState, c: Candidate, view: MessageView): void {
    const cfg = this.config;
    const start0 = c.start0;
    const x = start0 ? a.token0 : a.token1;
    const y = start0 ? a.token1 : a.token0;
    const [a0, a1] = cycleReserves(a);
    const [b0, b1] = cycleReserves(b);
    const xa = start0 ? a0 : a1;
    const ya = start0 ? a1 : a0;
    const xb = start0 ? b0 : b1;
    const yb = start0 ? b1 : b0;
    // What the same input would return at the pools' marginal prices (fees in, no price impact).
    const ga = FEE_SCALE - a.feeBig;
    const gb = FEE_SCALE - b.feeBig;
    const ideal = (c.amountIn * ga * gb * ya * xb) / (FEE_SCALE * FEE_SCALE * xa * yb);
    const impact = ideal > c.amountOut ? ideal - c.amountOut : 0n;
    const feesX = (c.amountIn * a.feeBig) / FEE_SCALE + (c.amountOut * b.feeBig) / (FEE_SCALE - b.feeBig);
    const dexFeesUsd = this.usd.value(x, feesX) ?? 0n;
    const slippageUsd = this.usd.value(x, impact) ?? 0n;
    const spread = xa * yb === 0n ? 0 : Number(((ya * xb - xa * yb) * BPS) / (xa * yb));
    const timestamp = view.timestamp;
    const signalId = this.ids.derive(this.strategyId, view.source, view.sequence, this.ordinal++);
    const confidence = c.eco.grossUsd > 0n ? Number((c.eco.netUsd * 100n) / c.eco.grossUsd) : 0;
    const minAmountOut = (c.amountOut * (BPS - BigInt(cfg.slippageToleranceBps))) / BPS;

    const builder = this.builder;
    beginSignal(builder, this.source, timestamp);
    writeSignalIdentity(builder, this.strategyId, Math.max(1, confidence), signalId);
    const at = builder.reserve(TlvType.ArbitrageSignal, 184);
    const dv = builder.dv;
    const bytes = builder.bytes;
    dv.setUint32(at + ArbitrageSignalField.chainId, c.chain, true);
    dv.setUint16(at + ArbitrageSignalField.sourceVenue, a.venue, true);
    dv.setUint16(at + ArbitrageSignalField.targetVenue, b.venue, true);
    bytes.set(a.addressBytes, at + ArbitrageSignalField.sourcePool);
    bytes.set(b.addressBytes, at + ArbitrageSignalField.targetPool);
    bytes.set(this.book.tokens[x]!.addressBytes, at + ArbitrageSignalField.tokenIn);
    bytes.set(this.book.tokens[y]!.addressBytes, at + ArbitrageSignalField.tokenOut);
    writeU128(dv, at + ArbitrageSignalField.amountIn, c.amountIn, "amountIn");
    dv.setBigInt64(at + ArbitrageSignalField.expectedProfitUsd, clampI64(c.eco.grossUsd), true);
    dv.setBigInt64(at + ArbitrageSignalField.gasCostUsd, clampI64(c.eco.gasCostUsd), true);
    dv.setBigInt64(at + ArbitrageSignalField.dexFeesUsd, clampI64(dexFeesUsd), true);
    dv.setBigInt64(at + ArbitrageSignalField.slippageUsd, clampI64(slippageUsd), true);
    dv.setBigInt64(at + ArbitrageSignalField.netProfitUsd, clampI64(c.eco.netUsd), true);
    dv.setInt32(at + ArbitrageSignalField.spreadBps, clampI32(spread), true);
    dv.setUint16(at + ArbitrageSignalField.slippageToleranceBps, cfg.slippageToleranceBps, true);
    dv.setBigUint64(at + ArbitrageSignalField.validUntil, clampU64(timestamp + BigInt(cfg.validityMs) * 1_000_000n), true);
    dv.setBigUint64(at + ArbitrageSignalField.maxGasPriceWei, clampU64(c.eco.breakEvenGasPriceWei), true);
    writeU128(dv, at + ArbitrageSignalField.minAmountOut, minAmountOut, "minAmountOut");
    this.counters.signals++;
    this.sink.publish(builder.finish());
  }

  /** Counters for metrics, including the pool book's. */
  stats(): StrategyStats {
    return { ...this.counters, ...prefixed("pools.", this.book.counters), activeOpportunities: this.activeCount };
  }
}

function prefixed(prefix: string, o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) out[prefix + k] = v as number;
  return out;
}
