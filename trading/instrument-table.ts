/**
 * A fixed-capacity open-addressing table from InstrumentId (assetId u64 · venue u16 · assetType u8) to a
 * dense slot number, looked up from the bytes of a TLV (two u32 words of the assetId, venue, asset type)
 * without allocating. Slots are handed out in order 0, 1, 2… so callers can keep per-instrument state in
 * preallocated typed arrays indexed by slot.
 *
 * @example
 * ```ts
 * const table = new InstrumentTable(1024);
 * const slot = table.slotAt(view.dv, view.tlvStart, true); // -1 when full
 * ```
 * @module
 */

import type { InstrumentId } from "../protocol/mod.ts";

/** InstrumentId → dense slot, allocation-free. */
export class InstrumentTable {
  /** Most instruments it holds. */
  readonly capacity: number;
  /** Slots in use. */
  size = 0;
  /** assetId low/high words, venue and asset type of each slot. */
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
  readonly venue: Uint16Array;
  readonly assetType: Uint8Array;
  private readonly index: Int32Array;
  private readonly mask: number;

  /** @param capacity most instruments */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.venue = new Uint16Array(capacity);
    this.assetType = new Uint8Array(capacity);
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.index = new Int32Array(n).fill(-1);
    this.mask = n - 1;
  }

  /**
   * Slot of the InstrumentId stored at `dv[off, off+12)`; with `insert`, a new slot is assigned to an
   * unseen instrument. -1 when absent (or when full).
   */
  slotAt(dv: DataView, off: number, insert: boolean): number {
    return this.slot(dv.getUint32(off, true), dv.getUint32(off + 4, true), dv.getUint16(off + 8, true), dv.getUint8(off + 10), insert);
  }

  /** Slot of an instrument given by its words. */
  slot(lo: number, hi: number, venue: number, assetType: number, insert: boolean): number {
    let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35) ^ Math.imul(venue * 256 + assetType, 0x27d4eb2f);
    h ^= h >>> 15;
    let i = h & this.mask;
    for (;;) {
      const s = this.index[i]!;
      if (s < 0) break;
      if (this.lo[s] === lo && this.hi[s] === hi && this.venue[s] === venue && this.assetType[s] === assetType) return s;
      i = (i + 1) & this.mask;
    }
    if (!insert || this.size >= this.capacity) return -1;
    const s = this.size++;
    this.lo[s] = lo;
    this.hi[s] = hi;
    this.venue[s] = venue;
    this.assetType[s] = assetType;
    this.index[i] = s;
    return s;
  }

  /** Slot of a decoded InstrumentId. */
  slotOf(id: InstrumentId, insert: boolean): number {
    return this.slot(Number(id.assetId & 0xffffffffn), Number(id.assetId >> 32n), id.venue, id.assetType, insert);
  }

  /** The InstrumentId of a slot. */
  instrument(slot: number): InstrumentId {
    return { assetId: (BigInt(this.hi[slot]!) << 32n) | BigInt(this.lo[slot]!), venue: this.venue[slot]!, assetType: this.assetType[slot]! };
  }

  /** Writes a slot's InstrumentId (12 bytes) at `dv[off…]` without allocating. */
  write(dv: DataView, off: number, slot: number): void {
    dv.setUint32(off, this.lo[slot]!, true);
    dv.setUint32(off + 4, this.hi[slot]!, true);
    dv.setUint16(off + 8, this.venue[slot]!, true);
    dv.setUint8(off + 10, this.assetType[slot]!);
    dv.setUint8(off + 11, 0);
  }
}
