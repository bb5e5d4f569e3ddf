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

/** Whole-buffer views of the buffer behind `bytes`; index `bytes.byteOffset + i` is `bytes[i]`. */
export function viewsOf(bytes: Uint8Array): BufferViews {
  let v = cache.get(bytes.buffer);
  if (v === undefined) {
    v = { u8: new Uint8Array(bytes.buffer), dv: new DataView(bytes.buffer) };
    cache.set(bytes.buffer, v);
  }
  return v;
}
