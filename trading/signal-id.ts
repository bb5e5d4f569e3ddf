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

const M64 = (1n << 64n) - 1n;

/** splitmix64 finaliser of a 64-bit value. */
export function mix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** A non-zero u64 id from a strategy id, the triggering message's source and sequence, and an ordinal. */
export function deriveId(strategyId: number, source: number, sequence: bigint, ordinal: number): bigint {
  const a = mix64((BigInt(strategyId) << 48n) ^ (BigInt(source) << 32n) ^ BigInt(ordinal));
  const id = mix64(a ^ (sequence & M64));
  return id === 0n ? 1n : id;
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
  private salt = 0n;
  /** Last (sequence, ordinal) used per source in this generation. */
  private readonly used = new Map<number, { sequence: bigint; ordinal: number }>();

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
    const last = this.used.get(source);
    if (last === undefined) this.used.set(source, { sequence, ordinal });
    else {
      if (sequence < last.sequence || (sequence === last.sequence && ordinal <= last.ordinal)) {
        // The source started over: everything it sends from now on gets a new salt.
        this.generation++;
        this.used.clear();
        this.resalt();
        this.used.set(source, { sequence, ordinal });
      } else {
        last.sequence = sequence;
        last.ordinal = ordinal;
      }
    }
    const id = deriveId(strategyId, source, sequence, ordinal);
    if (this.salt === 0n) return id;
    const salted = mix64(id ^ this.salt);
    return salted === 0n ? 1n : salted;
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
    this.salt = this.epochValue === 0 && this.generation === 0 ? 0n : mix64((BigInt(this.epochValue) << 32n) | BigInt(this.generation));
  }
}
