/**
 * Whole-buffer views: a `Uint8Array` and a `DataView` over the entire `ArrayBuffer` behind a byte array,
 * cached per buffer. Codec functions address bytes with absolute offsets into these views, so a
 * Node `Buffer` from a shared pool (non-zero `byteOffset`) and a plain `Uint8Array` work the same, and
 * readers do not allocate a view per message.
 *
 * @module
 */

/** A pair of views over one whole `ArrayBuffer`. */
export interface BufferViews {
  readonly u8: Uint8Array;
  readonly dv: DataView;
}

const cache = new WeakMap<ArrayBufferLike, BufferViews>();

// Hot loops ask again and again for the same array (one chunk, one builder), so the last answer is kept
// in front of the WeakMap, whose lookup costs more than the rest of a small message's validation. The
// array itself is compared first: reading `.buffer` is a call Node 20's V8 does not inline (~20 ns).
// Cost: the last array asked about stays reachable until the next call with another one.
let lastBytes: Uint8Array | undefined;
let lastBuffer: ArrayBufferLike | undefined;
let lastViews: BufferViews | undefined;

/** Whole-buffer views of the buffer behind `bytes`; index `bytes.byteOffset + i` is `bytes[i]`. */
export function viewsOf(bytes: Uint8Array): BufferViews {
  if (bytes === lastBytes) return lastViews!;
  const buffer = bytes.buffer;
  let v = buffer === lastBuffer ? lastViews : cache.get(buffer);
  if (v === undefined) {
    v = { u8: new Uint8Array(buffer), dv: new DataView(buffer) };
    cache.set(buffer, v);
  }
  lastBytes = bytes;
  lastBuffer = buffer;
  lastViews = v;
  return v;
}

/**
 * The whole-buffer views, buffer and byte offset of the last byte array seen, looked up again only when
 * the array changes. Per-message paths that walk many messages of one received chunk read them from here:
 * on Node 20 `byteOffset` and `buffer` are builtin calls (~20 ns each) that V8 does not inline.
 *
 * @example
 * ```ts
 * const chunk = new ChunkViews();
 * framer.push(data, (bytes, offset) => {
 *   const c = chunk.of(bytes);
 *   const source = c.dv.getUint16(c.base + offset + HeaderOffset.source, true);
 * });
 * ```
 */
export class ChunkViews {
  /** The array the fields describe. */
  bytes: Uint8Array | undefined;
  /** Whole-buffer bytes (absolute offsets). */
  u8: Uint8Array = new Uint8Array(0);
  /** Whole-buffer DataView (absolute offsets). */
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** The array's buffer. */
  buffer: ArrayBufferLike = this.u8.buffer;
  /** The array's byte offset: `bytes[i]` is `u8[base + i]`. */
  base = 0;

  /** Describes `bytes` (a no-op when it is the array described already). */
  of(bytes: Uint8Array): this {
    if (bytes !== this.bytes) {
      const v = viewsOf(bytes);
      this.u8 = v.u8;
      this.dv = v.dv;
      this.buffer = v.u8.buffer;
      this.base = bytes.byteOffset;
      this.bytes = bytes;
    }
    return this;
  }
}
