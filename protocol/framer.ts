/**
 * Stream framer (PROTOCOL.md §5): chunks of a byte stream in, whole messages out.
 *
 * A message wholly inside a chunk is handed out in place (the chunk itself, with offset and length —
 * no copy). A message split across chunks is assembled in a fresh array of exactly its size, allocated
 * once its header is known and after the header passed its checks, so an oversize `payloadSize` is
 * rejected (`TooLarge`) before a byte of its payload is buffered. The framer never writes to a chunk
 * and never reuses an array it handed out, so receivers may keep what they are given.
 *
 * Framing errors (bad magic, unsupported version, unknown domain, oversize) throw a
 * {@link ProtocolError} whose offset is the position in the whole stream; the stream is then unusable
 * (call {@link StreamFramer.reset} to start over). Checksums and TLVs are not checked here: that is
 * {@link validateMessage}'s job per message.
 *
 * @example
 * ```ts
 * const framer = new StreamFramer();
 * socket.on("data", (chunk) => framer.push(chunk, (bytes, offset, length) => handle(bytes, offset, length)));
 * ```
 * @module
 */

import { HEADER_SIZE } from "./constants.ts";
import { checkHeader } from "./header.ts";
import { viewsOf } from "./buffer-views.ts";

/** Receives one whole message: `bytes[offset, offset+length)`. */
export type MessageHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/** Incremental splitter of a byte stream into messages. */
export class StreamFramer {
  private readonly head = new Uint8Array(HEADER_SIZE);
  private readonly headView = new DataView(this.head.buffer);
  private headLen = 0;
  private pending: Uint8Array | undefined;
  private pendingLen = 0;
  private consumed = 0;

  /** Stream bytes consumed so far (including any partial message held). */
  get position(): number {
    return this.consumed;
  }

  /** Bytes of an incomplete message currently held. */
  get buffered(): number {
    return this.pending ? this.pendingLen : this.headLen;
  }

  /** Bytes allocated for the incomplete message held (its whole size once its header is read). */
  get held(): number {
    return this.pending ? this.pending.length : this.headLen;
  }

  /** Forgets any partial message and the stream position. */
  reset(): void {
    this.headLen = 0;
    this.pending = undefined;
    this.pendingLen = 0;
    this.consumed = 0;
  }

  /** Feeds one chunk; calls `onMessage` for every message it completes, in order. */
  push(chunk: Uint8Array, onMessage: MessageHandler): void {
    let off = 0;
    const n = chunk.length;
    if (this.headLen > 0) {
      const take = Math.min(HEADER_SIZE - this.headLen, n);
      this.head.set(chunk.subarray(0, take), this.headLen);
      this.headLen += take;
      off = take;
      if (this.headLen < HEADER_SIZE) {
        this.consumed += n;
        return;
      }
      const total = checkHeader(this.headView, 0, HEADER_SIZE, this.consumed - HEADER_SIZE + take);
      this.pending = new Uint8Array(total);
      this.pending.set(this.head);
      this.pendingLen = HEADER_SIZE;
      this.headLen = 0;
    }
    if (this.pending !== undefined) {
      const p = this.pending;
      const take = Math.min(p.length - this.pendingLen, n - off);
      p.set(chunk.subarray(off, off + take), this.pendingLen);
      this.pendingLen += take;
      off += take;
      if (this.pendingLen < p.length) {
        this.consumed += n;
        return;
      }
      this.pending = undefined;
      this.pendingLen = 0;
      onMessage(p, 0, p.length);
    }
    const { dv } = viewsOf(chunk);
    const base = chunk.byteOffset;
    while (n - off >= HEADER_SIZE) {
      const total = checkHeader(dv, base + off, n - off, this.consumed - base);
      if (n - off < total) {
        const p = new Uint8Array(total);
        p.set(chunk.subarray(off));
        this.pending = p;
        this.pendingLen = n - off;
        this.consumed += n;
        return;
      }
      onMessage(chunk, off, total);
      off += total;
    }
    if (off < n) {
      this.head.set(chunk.subarray(off), 0);
      this.headLen = n - off;
    }
    this.consumed += n;
  }
}
