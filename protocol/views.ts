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
