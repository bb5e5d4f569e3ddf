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

// The last few buffers asked about, strongly held and replaced in turn: a fixed handful instead of a
// WeakMap. Each buffer received from a socket is new, and a WeakMap entry per read chunk cost 2 µs more
// than the views themselves (its ephemeron table grows between collections and is rehashed and scanned by
// every collection: 3.4 against 1.4 µs a fresh 740-byte chunk in a loop that allocates them); the paths
// that alternate between buffers alternate between a few (a chunk and a builder, a batch and a slab).
const CACHED = 4;
const cachedBuffers: (ArrayBufferLike | undefined)[] = new Array(CACHED).fill(undefined);
const cachedViews: (BufferViews | undefined)[] = new Array(CACHED).fill(undefined);
let nextSlot = 0;

// Hot loops ask again and again for the same array (one chunk, one builder), so the last answer is kept
// in front of the cache. The array itself is compared first: reading `.buffer` is a call Node 20's V8
// does not inline (~20 ns).
// Cost: the last array and the last few buffers asked about stay reachable until others replace them.
let lastBytes: Uint8Array | undefined;
let lastBuffer: ArrayBufferLike | undefined;
let lastViews: BufferViews | undefined;

function cachedOrNew(buffer: ArrayBufferLike): BufferViews {
  for (let i = 0; i < CACHED; i++) if (cachedBuffers[i] === buffer) return cachedViews[i]!;
  const v = { u8: new Uint8Array(buffer), dv: new DataView(buffer) };
  cachedBuffers[nextSlot] = buffer;
  cachedViews[nextSlot] = v;
  nextSlot = (nextSlot + 1) % CACHED;
  return v;
}

/** Whole-buffer views of the buffer behind `bytes`; index `bytes.byteOffset + i` is `bytes[i]`. */
export function viewsOf(bytes: Uint8Array): BufferViews {
  if (bytes === lastBytes) return lastViews!;
  const buffer = bytes.buffer;
  const v = buffer === lastBuffer ? lastViews! : cachedOrNew(buffer);
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
