/**
 * Deterministic 64-bit ids for signals and orders, derived from what triggered them (strategy id,
 * source and sequence of the input message, an ordinal within it) through the splitmix64 finaliser —
 * never from a clock or a random source, so a replay produces the same ids, and a live restart (new
 * input sequences) produces new ones.
 *
 * @example
 * ```ts
 * deriveId(20, view.source, view.sequence, 0); // e.g. 0x9f3c…n, never 0
 * ```
 * @module
 */

import { HeaderOffset, type MessageView } from "../protocol/mod.ts";

// The arithmetic is on 32-bit words held in numbers, not bigints: a strategy signals rarely, so this
// code runs in V8's interpreter, where every bigint operation is a runtime call that allocates (a
// momentum signal's id took 10–37 µs that way on the e2e bench, its words take well under one).

const TWO32 = 4_294_967_296;
/** Result of the last word operation: high and low 32 bits, unsigned. */
let outHi = 0;
let outLo = 0;

/** (hi, lo) × (bHi, bLo) mod 2^64 into outHi/outLo. */
function mulWords(hi: number, lo: number, bHi: number, bLo: number): void {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 65_536) * 65_536;
  const lowWord = low % TWO32;
  const carry = (low - lowWord) / TWO32;
  outHi = (a1 * b1 + Math.floor(mid / 65_536) + carry + Math.imul(hi, bLo) + Math.imul(lo, bHi)) >>> 0;
  outLo = lowWord;
}

/** splitmix64's finaliser of the 64-bit value (hi, lo) into outHi/outLo. */
function mixWords(hi: number, lo: number): void {
  // z = x + 0x9e3779b97f4a7c15
  let l = lo + 0x7f4a7c15;
  let h = (hi + 0x9e3779b9 + (l >= TWO32 ? 1 : 0)) >>> 0;
  l = l >>> 0;
  // z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
  mulWords(h ^ (h >>> 30), (l ^ ((l >>> 30) | (h << 2))) >>> 0, 0xbf58476d, 0x1ce4e5b9);
  h = outHi;
  l = outLo;
  // z = (z ^ (z >> 27)) * 0x94d049bb133111eb
  mulWords(h ^ (h >>> 27), (l ^ ((l >>> 27) | (h << 5))) >>> 0, 0x94d049bb, 0x133111eb);
  h = outHi;
  l = outLo;
  // z ^ (z >> 31)
  outHi = (h ^ (h >>> 31)) >>> 0;
  outLo = (l ^ ((l >>> 31) | (h << 1))) >>> 0;
}

/** deriveId into outHi/outLo; `ordinal` below 2^32 (the signals of one input message). */
function deriveWords(strategyId: number, source: number, seqHi: number, seqLo: number, ordinal: number): void {
  mixWords((((strategyId & 0xffff) << 16) ^ source) >>> 0, ordinal >>> 0);
  mixWords((outHi ^ seqHi) >>> 0, (outLo ^ seqLo) >>> 0);
  if (outHi === 0 && outLo === 0) outLo = 1;
}

const toBigint = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** splitmix64 finaliser of a 64-bit value (taken mod 2^64). */
export function mix64(x: bigint): bigint {
  const v = BigInt.asUintN(64, x);
  mixWords(Number(v >> 32n), Number(v & 0xffff_ffffn));
  return toBigint(outHi, outLo);
}

/**
 * A non-zero u64 id from a strategy id (u16), the triggering message's source (u16) and sequence, and
 * an ordinal (below 2^32): splitmix64 of `strategyId << 48 ^ source << 32 ^ ordinal`, mixed again with
 * the sequence.
 */
export function deriveId(strategyId: number, source: number, sequence: bigint, ordinal: number): bigint {
  const seq = BigInt.asUintN(64, sequence);
  deriveWords(strategyId, source, Number(seq >> 32n), Number(seq & 0xffff_ffffn), ordinal);
  return toBigint(outHi, outLo);
}

/** The JSON form of a {@link SignalIdSpace} (in strategy snapshots). */
export interface SignalIdSpaceJson {
  /** Starts of the strategy so far (persisted): ids of different runs never meet. */
  epoch: number;
}

/**
 * Where a strategy's signal ids come from, so that they never repeat — not after the strategy restarts,
 * and not after one of its input sources restarts (its sequences start again at 1, so
 * `deriveId(strategy, source, sequence, ordinal)` alone would hand out the same ids again).
 *
 * Ids are {@link deriveId} salted with `(epoch, generation)`: `epoch` counts the strategy's runs and is
 * restored from its snapshot (then advanced, see {@link nextRun}); `generation` counts, within a run,
 * the times an input source went back to a (sequence, ordinal) already used. With both 0 (a fresh
 * replay) ids are exactly `deriveId`'s, so a recording still replays into the same bytes.
 *
 * @example
 * ```ts
 * const ids = new SignalIdSpace();
 * ids.restore(snapshot.ids); // { epoch: 4 } → this run is epoch 5
 * ids.nextRun();
 * ids.derive(21, view.source, view.sequence, 0);
 * ```
 */
export class SignalIdSpace {
  private epochValue = 0;
  private generation = 0;
  /** This run's salt (0 for a fresh replay: ids are exactly {@link deriveId}'s). */
  private saltHi = 0;
  private saltLo = 0;
  /** Last (sequence, ordinal) used per source in this generation. */
  private readonly used = new Map<number, { seqHi: number; seqLo: number; ordinal: number }>();

  /** This run's epoch. */
  get epoch(): number {
    return this.epochValue;
  }

  /** Source restarts detected in this run. */
  get sourceRestarts(): number {
    return this.generation;
  }

  /** A fresh id for a signal triggered by `source`'s message `sequence` (its `ordinal`-th signal). */
  derive(strategyId: number, source: number, sequence: bigint, ordinal: number): bigint {
    const seq = BigInt.asUintN(64, sequence);
    this.nextIdWords(strategyId, source, Number(seq >> 32n), Number(seq & 0xffff_ffffn), ordinal);
    return toBigint(outHi, outLo);
  }

  /**
   * {@link derive} for the message `trigger` (its source and sequence read in place), written as a
   * little-endian u64 at `out[at]` — no bigint on the way, for the signal paths.
   *
   * @example
   * ```ts
   * ids.deriveInto(builder.dv, signalIdAt, 21, view, 0);
   * ```
   */
  deriveInto(out: DataView, at: number, strategyId: number, trigger: MessageView, ordinal: number): void {
    const dv = trigger.dv;
    const h = trigger.start;
    this.nextIdWords(strategyId, dv.getUint16(h + HeaderOffset.source, true), dv.getUint32(h + HeaderOffset.sequence + 4, true), dv.getUint32(h + HeaderOffset.sequence, true), ordinal);
    out.setUint32(at, outLo, true);
    out.setUint32(at + 4, outHi, true);
  }

  private nextIdWords(strategyId: number, source: number, seqHi: number, seqLo: number, ordinal: number): void {
    const last = this.used.get(source);
    if (last === undefined) this.used.set(source, { seqHi, seqLo, ordinal });
    else if (seqHi < last.seqHi || (seqHi === last.seqHi && (seqLo < last.seqLo || (seqLo === last.seqLo && ordinal <= last.ordinal)))) {
      // The source started over: everything it sends from now on gets a new salt.
      this.generation++;
      this.used.clear();
      this.resalt();
      this.used.set(source, { seqHi, seqLo, ordinal });
    } else {
      last.seqHi = seqHi;
      last.seqLo = seqLo;
      last.ordinal = ordinal;
    }
    deriveWords(strategyId, source, seqHi, seqLo, ordinal);
    if (this.saltHi === 0 && this.saltLo === 0) return;
    mixWords((outHi ^ this.saltHi) >>> 0, (outLo ^ this.saltLo) >>> 0);
    if (outHi === 0 && outLo === 0) outLo = 1;
  }

  /** Starts a new run: the epoch after the restored one. Call once per process start, before signals. */
  nextRun(): number {
    this.epochValue++;
    this.generation = 0;
    this.used.clear();
    this.resalt();
    return this.epochValue;
  }

  /** The persisted part. */
  toJson(): SignalIdSpaceJson {
    return { epoch: this.epochValue };
  }

  /** Restores the persisted part (validated by the strategy's snapshot schema). */
  restore(json: SignalIdSpaceJson): void {
    this.epochValue = json.epoch;
    this.generation = 0;
    this.used.clear();
    this.resalt();
  }

  private resalt(): void {
    if (this.epochValue === 0 && this.generation === 0) {
      this.saltHi = 0;
      this.saltLo = 0;
      return;
    }
    // mix64(epoch << 32 | generation)
    mixWords(this.epochValue >>> 0, this.generation >>> 0);
    this.saltHi = outHi;
    this.saltLo = outLo;
  }
}
