/**
 * An open-addressing hash table from 20-byte EVM addresses to small integers, looked up straight from
 * the bytes of a message (five little-endian u32 words), so finding a pool per PoolSync/PoolSwap
 * allocates nothing — no address string, no bigint. Insertions (a new pool) may grow the table.
 *
 * @example
 * ```ts
 * const table = new AddressTable();
 * table.insert("0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc", 7);
 * table.lookup(view.dv, view.tlvStart + PoolSyncField.pool); // 7, or -1
 * ```
 * @module
 */

import { parseAddress } from "../../protocol/mod.ts";

/** Address → non-negative integer map, allocation-free on lookup. */
export class AddressTable {
  private keys: Uint32Array;
  private values: Int32Array;
  private mask: number;
  /** Entries held. */
  size = 0;

  /** @param capacity initial slot count (rounded up to a power of two) */
  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.keys = new Uint32Array(n * 5);
    this.values = new Int32Array(n).fill(-1);
    this.mask = n - 1;
  }

  private static hash(w0: number, w1: number, w4: number): number {
    let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
    h ^= Math.imul(w1, 0xc2b2ae35) ^ w4;
    h ^= h >>> 15;
    return Math.imul(h, 0x27d4eb2f) ^ (h >>> 13);
  }

  /** The value of the address stored at `dv[off, off+20)`, or -1. */
  lookup(dv: DataView, off: number): number {
    const w0 = dv.getUint32(off, true);
    const w1 = dv.getUint32(off + 4, true);
    const w2 = dv.getUint32(off + 8, true);
    const w3 = dv.getUint32(off + 12, true);
    const w4 = dv.getUint32(off + 16, true);
    const keys = this.keys;
    let i = AddressTable.hash(w0, w1, w4) & this.mask;
    for (;;) {
      const v = this.values[i]!;
      if (v < 0) return -1;
      const k = i * 5;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3 && keys[k + 4] === w4) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** The value of a `0x…` address, or -1. */
  lookupHex(address: string): number {
    const b = parseAddress(address);
    return this.lookup(new DataView(b.buffer), 0);
  }

  /** Sets the value of a `0x…` address (replacing an existing one). `value` must be ≥ 0. */
  insert(address: string, value: number): void {
    if (value < 0 || !Number.isInteger(value)) throw new RangeError(`AddressTable value ${value} must be a non-negative integer`);
    if ((this.size + 1) * 2 > this.values.length) this.grow();
    const dv = new DataView(parseAddress(address).buffer);
    this.put(dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true), value);
  }

  private put(w0: number, w1: number, w2: number, w3: number, w4: number, value: number): void {
    const keys = this.keys;
    let i = AddressTable.hash(w0, w1, w4) & this.mask;
    for (;;) {
      const k = i * 5;
      if (this.values[i]! < 0) {
        keys[k] = w0; keys[k + 1] = w1; keys[k + 2] = w2; keys[k + 3] = w3; keys[k + 4] = w4;
        this.values[i] = value;
        this.size++;
        return;
      }
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3 && keys[k + 4] === w4) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldValues.length * 2;
    this.keys = new Uint32Array(n * 5);
    this.values = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldValues.length; i++) {
      const v = oldValues[i]!;
      if (v < 0) continue;
      const k = i * 5;
      this.put(oldKeys[k]!, oldKeys[k + 1]!, oldKeys[k + 2]!, oldKeys[k + 3]!, oldKeys[k + 4]!, v);
    }
  }
}
