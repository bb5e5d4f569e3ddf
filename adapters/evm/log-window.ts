/**
 * The recent-log window: remembers, for the last `maxBlocks` blocks, which logs were emitted (by block
 * number and log index, with their block hash and the TLV sent), so that
 * - a log delivered twice (subscription and `eth_getLogs` backfill overlap) is emitted once;
 * - a `removed: true` log is emitted once, with the removed flag, and its slot freed for the
 *   replacement chain's log at the same position;
 * - a log whose block hash differs from what was emitted for that block (a reorg missed while
 *   disconnected) first retracts every log emitted from the abandoned blocks; and a backfill that does
 *   not return an emitted log of its range retracts it too.
 * Memory is bounded by `maxBlocks` and `maxEntries`: the oldest blocks are forgotten first.
 *
 * @module
 */

/** One emitted (or retracted) log. */
export interface WindowEntry {
  readonly blockNumber: number;
  readonly logIndex: number;
  /** Block hash the log was delivered with (`""` when the node gave none). */
  readonly blockHash: string;
  /** True once a removal was emitted for it. */
  removed: boolean;
  /** TLV type and a copy of its value as emitted, for a synthetic retraction. */
  tlvType: number;
  tlv: Uint8Array | undefined;
}

/** What {@link LogWindow.admit} decided. */
export const Admit = {
  /** New: emit it. */
  New: 0,
  /** Already emitted in this state: drop it. */
  Duplicate: 1,
  /** Older than the window and not a removal: cannot be checked, drop it. */
  BelowWindow: 2,
} as const;
/** An {@link Admit} value. */
export type Admit = (typeof Admit)[keyof typeof Admit];

interface BlockSlot {
  hash: string;
  logs: Map<number, WindowEntry>;
}

/** Bounded dedupe and reorg memory of recently emitted logs. */
export class LogWindow {
  private readonly blocks = new Map<number, BlockSlot>();
  private readonly maxBlocks: number;
  private readonly maxEntries: number;
  private entries = 0;
  private highest = -1;
  private floor = 0;
  /** Entries whose retraction the caller must emit before the admitted log (filled by {@link admit}). */
  readonly orphans: WindowEntry[] = [];

  /** @param maxBlocks blocks remembered (default 256) @param maxEntries logs remembered (default 200 000) */
  constructor(maxBlocks = 256, maxEntries = 200_000) {
    this.maxBlocks = maxBlocks;
    this.maxEntries = maxEntries;
  }

  /** Logs currently remembered. */
  get size(): number {
    return this.entries;
  }

  /** Lowest block number still remembered. */
  get lowestBlock(): number {
    return this.floor;
  }

  /**
   * Decides about one arriving log. Returns {@link Admit}; for `New`, the returned entry is recorded
   * (attach its TLV with {@link attach}), and {@link orphans} lists entries of abandoned blocks to
   * retract first (emptied at each call).
   */
  admit(blockNumber: number, logIndex: number, blockHash: string, removed: boolean): Admit {
    this.orphans.length = 0;
    if (blockNumber < this.floor && this.highest >= 0) return removed ? Admit.New : Admit.BelowWindow;
    let slot = this.blocks.get(blockNumber);
    const prior = slot?.logs.get(logIndex);
    if (removed) {
      if (prior !== undefined && prior.removed && prior.blockHash === blockHash) return Admit.Duplicate;
      if (prior !== undefined && prior.blockHash === blockHash) {
        prior.removed = true;
        return Admit.New;
      }
      if (prior === undefined) this.record(blockNumber, logIndex, blockHash, true);
      return Admit.New; // a removal of a log never seen here still informs consumers
    }
    if (slot !== undefined && blockHash !== "" && slot.hash !== "" && slot.hash !== blockHash) {
      this.abandonFrom(blockNumber, blockHash);
      slot = this.blocks.get(blockNumber);
    }
    const current = slot?.logs.get(logIndex);
    if (current !== undefined && !current.removed && (current.blockHash === blockHash || blockHash === "" || current.blockHash === "")) {
      return Admit.Duplicate;
    }
    this.record(blockNumber, logIndex, blockHash, false);
    return Admit.New;
  }

  /** Attaches the emitted TLV (type and a copy of its value) to the entry admitted last for this position. */
  attach(blockNumber: number, logIndex: number, tlvType: number, value: Uint8Array): void {
    const e = this.blocks.get(blockNumber)?.logs.get(logIndex);
    if (e !== undefined) {
      e.tlvType = tlvType;
      e.tlv = value.slice();
    }
  }

  /** Forgets the entry at a position (its message was not emitted after all). */
  forget(blockNumber: number, logIndex: number): void {
    const slot = this.blocks.get(blockNumber);
    if (slot !== undefined && slot.logs.delete(logIndex)) this.entries--;
  }

  /**
   * After a complete backfill of `[fromBlock, toBlock]`: every emitted, not-removed log of that range
   * that the backfill did not return (`confirmed` holds `block:index:hash` keys it did return) is
   * retracted — its block was reorganised away while the subscription was down. Returns those entries.
   */
  sweepUnconfirmed(fromBlock: number, toBlock: number, confirmed: ReadonlySet<string>): WindowEntry[] {
    const out: WindowEntry[] = [];
    for (const [n, slot] of this.blocks) {
      if (n < fromBlock || n > toBlock) continue;
      for (const e of slot.logs.values()) {
        if (!e.removed && !confirmed.has(confirmKey(e.blockNumber, e.logIndex, e.blockHash))) {
          e.removed = true;
          out.push(e);
        }
      }
    }
    out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return out;
  }

  private abandonFrom(blockNumber: number, newHash: string): void {
    const abandoned: WindowEntry[] = [];
    for (const [n, slot] of this.blocks) {
      if (n < blockNumber || (n === blockNumber && slot.hash === newHash)) continue;
      for (const e of slot.logs.values()) {
        if (!e.removed) {
          e.removed = true;
          abandoned.push(e);
        }
      }
      this.entries -= slot.logs.size;
      this.blocks.delete(n);
    }
    abandoned.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    this.orphans.push(...abandoned);
  }

  private record(blockNumber: number, logIndex: number, blockHash: string, removed: boolean): void {
    let slot = this.blocks.get(blockNumber);
    if (slot === undefined) {
      slot = { hash: blockHash, logs: new Map() };
      this.blocks.set(blockNumber, slot);
    } else if (slot.hash === "") {
      slot.hash = blockHash;
    }
    if (!slot.logs.has(logIndex)) this.entries++;
    slot.logs.set(logIndex, { blockNumber, logIndex, blockHash, removed, tlvType: 0, tlv: undefined });
    if (blockNumber > this.highest) this.highest = blockNumber;
    this.evict();
  }

  private evict(): void {
    const minKeep = this.highest - this.maxBlocks + 1;
    if (this.floor >= minKeep && this.entries <= this.maxEntries) return;
    const numbers = [...this.blocks.keys()].sort((a, b) => a - b);
    for (const n of numbers) {
      if (n >= minKeep && this.entries <= this.maxEntries) break;
      if (n === this.highest) break; // never forget the newest block
      this.entries -= this.blocks.get(n)!.logs.size;
      this.blocks.delete(n);
      this.floor = n + 1;
    }
    if (this.floor < minKeep) this.floor = Math.max(this.floor, minKeep);
  }
}

/** Key of a backfilled log for {@link LogWindow.sweepUnconfirmed}. */
export function confirmKey(blockNumber: number, logIndex: number, blockHash: string): string {
  return `${blockNumber}:${logIndex}:${blockHash}`;
}
