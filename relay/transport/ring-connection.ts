/**
 * A {@link Connection} over two shared-memory rings (`ring.ts`): one this side writes, one it reads.
 * It carries exactly the bytes a socket would, with the socket contract of `types.ts`:
 * - every received chunk is a fresh copy out of the ring (one copy per read batch, straddling the end
 *   or not), because the ring's memory is rewritten as soon as the space is freed — or, to handlers
 *   that copy what they keep (`acceptsLent`, the relay), a copy into one array this side reuses for every
 *   read, handed over as lent: no fresh memory per read for the collector (with the subscriber's client
 *   lending too, threads relay 1 → 1 +22–25 %: docs/PERFORMANCE.md, "Lent reads");
 * - a `write` batch that fits is copied in and published as one step; one that does not is copied and
 *   waits whole in `pendingBytes` until the reader frees room (back-pressure, never loss) — `write` never
 *   holds the caller's arrays ({@link RingConnection.copiesWrites}) — and `drain` fires when the
 *   queue empties — always from a microtask, never from inside `write` (a caller must not be re-entered
 *   halfway through handing a batch over). Only a batch larger than the whole ring is published in pieces;
 * - `close` fires once: after the peer's orderly close once everything it published was delivered, on
 *   the peer's abort (published batches are still delivered, a batch is never cut), when the peer's
 *   thread ends (its link port closes) or on our own `close()`.
 *
 * The reader drains what is published, then spins for `spinMicros` (a bounded busy wait that saves the
 * park/notify round trip when the producer is about to publish again; only after one event-loop turn
 * has passed since the last delivery, so the spin never delays what the handlers started), then parks
 * on `Atomics.waitAsync`. It yields to the event loop after {@link READS_PER_TURN} chunks.
 *
 * The link port (a `MessagePort` to the peer's side) keeps the event loop alive while the connection is
 * open, as a socket does. The peer thread's end is seen on its liveness word (`threads.ts`), turned by
 * the thread that started it, and on Node also as the link port closing.
 *
 * @module
 */

import { READ_SLAB_BYTES, RingReader, RingState, RingWriter } from "./ring.ts";
import { watchThreadLife, type ThreadLife } from "./threads.ts";
import type { Connection, ConnectionHandlers } from "./types.ts";
import { Fifo } from "../../core/fifo.ts";
import { concat } from "../../protocol/mod.ts";

/** Chunks delivered before yielding to the event loop. */
export const READS_PER_TURN = 16;

/** How long a graceful close waits for a reader that never frees room before giving up. */
export const CLOSE_FLUSH_MS = 5000;

/** Tuning of one side of a ring connection. */
export interface RingTuning {
  /** Busy-wait this long (µs) for more bytes before parking (default 0: park at once). */
  readonly spinMicros?: number;
  /** Largest chunk handed to `data` (default {@link RING_MAX_READ_BYTES}). */
  readonly maxReadBytes?: number;
}

/** Default largest chunk handed to `data`: one read-slab (see {@link READ_SLAB_BYTES}). */
export const RING_MAX_READ_BYTES = READ_SLAB_BYTES;

/** Why a ring connection ended with an error. */
export class RingPeerGoneError extends Error {
  /**
   * @param peer the connection's peer description
   * @param why what happened
   */
  constructor(peer: string, why: string) {
    super(`ring connection ${peer}: ${why}`);
    this.name = "RingPeerGoneError";
  }
}

interface Batch {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
}

const now = (): number => performance.now();

/** One side of a ring connection. */
export class RingConnection implements Connection {
  readonly peer: string;
  readonly secure = false;
  /** Always true: a batch that has to wait is copied first. */
  readonly copiesWrites = true;
  private readonly out: RingWriter;
  private readonly inp: RingReader;
  private readonly link: MessagePort | undefined;
  private readonly spinMs: number;
  private readonly maxRead: number;
  private handlers: ConnectionHandlers | undefined;
  /** The array every read is copied into when the handlers accept lent chunks; else undefined. */
  private lendBuf: Uint8Array | undefined;
  private readonly queue = new Fifo<Batch>();
  private queued = 0;
  private piece = 0;
  private pieceAt = 0;
  private waitingForSpace = false;
  private drainScheduled = false;
  private readState: "idle" | "parked" | "scheduled" | "off" = "off";
  private paused = false;
  /** Inside `data`: a `resume` from there lets the running loop go on rather than start a nested one. */
  private delivering = false;
  private closing = false;
  private done = false;
  private closeError: Error | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private unwatch: (() => void) | undefined;

  /**
   * @param peer description for logs (`ring:<name>`)
   * @param out memory of the ring this side writes
   * @param inp memory of the ring this side reads
   * @param link port to the other side (keeps the loop alive, reports the peer's thread ending)
   * @param tuning spin and read sizes
   * @param peerLife the peer thread's liveness word (absent within one thread)
   */
  constructor(peer: string, out: SharedArrayBuffer, inp: SharedArrayBuffer, link: MessagePort | undefined, tuning: RingTuning = {}, peerLife?: ThreadLife) {
    this.peer = peer;
    this.out = new RingWriter(out);
    this.inp = new RingReader(inp);
    this.link = link;
    this.spinMs = (tuning.spinMicros ?? 0) / 1000;
    this.maxRead = tuning.maxReadBytes ?? RING_MAX_READ_BYTES;
    if (link) {
      link.onmessage = () => {};
      link.addEventListener("close", () => this.peerGone());
    }
    if (peerLife) this.unwatch = watchThreadLife(peerLife, () => this.peerGone());
  }

  get pendingBytes(): number {
    return this.queued;
  }

  get closed(): boolean {
    return this.done;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.lendBuf = handlers.acceptsLent === true ? new Uint8Array(this.maxRead) : undefined;
    if (this.done) {
      queueMicrotask(() => handlers.close(this.closeError));
      return;
    }
    this.readState = "idle";
    this.pump();
  }

  write(chunks: readonly Uint8Array[]): void {
    if (this.done || this.closing) return;
    if (this.out.readerGone()) return;
    let bytes = 0;
    for (let i = 0; i < chunks.length; i++) bytes += chunks[i]!.length;
    if (bytes === 0) return;
    if (this.queue.length === 0 && this.out.writeBatch(chunks, bytes)) {
      // As a socket does once its buffer is handed on: say so, so a writer holding a backlog behind a
      // window (the relay's outbox) moves the next part now — not only when its next message arrives,
      // which drained a backlog at exactly the arrival rate (seconds of standing latency in threads).
      this.scheduleDrain();
      return;
    }
    // The caller may reuse its arrays once write returns (copiesWrites): one copy of the waiting batch.
    this.queue.push({ chunks: [concat(chunks)], bytes });
    this.queued += bytes;
    this.flush();
  }

  pause(): void {
    this.paused = true;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(this.fireDrain);
  }

  private readonly fireDrain = (): void => {
    this.drainScheduled = false;
    if (!this.done && this.queue.length === 0) this.handlers?.drain?.();
  };

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.readState === "idle" && !this.delivering) this.pump();
  }

  close(abort = false): void {
    if (this.done) return;
    if (abort || this.queued === 0 || this.out.readerGone()) {
      this.shut(abort && this.queued > 0, undefined);
      return;
    }
    if (this.closing) return;
    this.closing = true;
    this.closeTimer = setTimeout(() => this.shut(true, undefined), CLOSE_FLUSH_MS);
  }

  /** Moves queued batches into the ring while they fit; parks for room otherwise. */
  private flush(): void {
    const out = this.out;
    while (this.queue.length > 0) {
      if (out.readerGone()) {
        this.queue.clear();
        this.queued = 0;
        break;
      }
      const b = this.queue.peek()!;
      if (this.piece === 0 && this.pieceAt === 0 && b.bytes <= out.capacity) {
        if (!out.writeBatch(b.chunks, b.bytes)) break;
        this.queue.shift();
        this.queued -= b.bytes;
        continue;
      }
      // A batch larger than the whole ring goes in piece by piece.
      const c = b.chunks[this.piece]!;
      const n = out.writeSome(this.pieceAt === 0 ? c : c.subarray(this.pieceAt));
      this.pieceAt += n;
      this.queued -= n;
      if (this.pieceAt === c.length) {
        this.pieceAt = 0;
        if (++this.piece === b.chunks.length) {
          this.piece = 0;
          this.queue.shift();
        }
      } else break;
    }
    if (this.queue.length > 0) {
      this.awaitSpace();
      return;
    }
    if (this.closing) {
      this.shut(false, undefined);
      return;
    }
    // Never from within `write`: a writer re-entered from its own write (the relay's outbox, halfway
    // through handing a batch over) wrote that batch a second time — duplicates in threads e2e runs.
    this.scheduleDrain();
  }

  private awaitSpace(): void {
    if (this.waitingForSpace || this.done) return;
    const b = this.queue.peek()!;
    const wanted = this.piece === 0 && this.pieceAt === 0 && b.bytes <= this.out.capacity ? b.bytes : 1;
    const p = this.out.waitForSpace(wanted);
    if (p === undefined) {
      queueMicrotask(() => this.flushLater());
      this.waitingForSpace = true;
      return;
    }
    this.waitingForSpace = true;
    void p.then(() => this.flushLater());
  }

  private flushLater(): void {
    this.waitingForSpace = false;
    if (!this.done && this.queue.length > 0) this.flush();
  }

  private readonly pump = (): void => {
    if (this.done || this.handlers === undefined) return;
    this.readState = "idle";
    if (this.paused) return;
    const inp = this.inp;
    const handlers = this.handlers;
    const lend = this.lendBuf;
    for (let turns = 0; ; ) {
      if (inp.available() > 0) {
        this.delivering = true;
        try {
          if (lend === undefined) handlers.data(inp.take(this.maxRead));
          else handlers.data(inp.take(this.maxRead, lend), true);
        } finally {
          this.delivering = false;
        }
        if (this.done || this.paused) return;
        if (++turns >= READS_PER_TURN) {
          this.readState = "scheduled";
          setImmediate(this.pump);
          return;
        }
        continue;
      }
      const st = inp.state();
      if ((st & (RingState.WriterClosed | RingState.WriterAborted)) !== 0) {
        if (inp.available() > 0) continue;
        this.shut(false, (st & (RingState.WriterAborted | RingState.WriterClosed)) === RingState.WriterAborted ? new RingPeerGoneError(this.peer, "the peer aborted the connection") : undefined);
        return;
      }
      if (this.spinMs > 0) {
        // Spinning right after a delivery would hold back what the handlers just set in motion (their
        // promise continuations run only once this returns): let a turn of the event loop pass first.
        if (turns > 0) {
          this.readState = "scheduled";
          setImmediate(this.pump);
          return;
        }
        if (this.spin()) continue;
      }
      const p = inp.waitForData();
      if (p === undefined) continue;
      this.readState = "parked";
      void p.then(this.pump);
      return;
    }
  };

  private spin(): boolean {
    const until = now() + this.spinMs;
    const inp = this.inp;
    do {
      for (let i = 0; i < 64; i++) if (inp.available() > 0 || inp.state() !== 0) return true;
    } while (now() < until);
    return false;
  }

  private peerGone(): void {
    if (this.done || (this.inp.state() & (RingState.WriterClosed | RingState.WriterAborted)) !== 0) return;
    // The peer's thread ended: nothing more will be published. Deliver what was, then close.
    this.inp.abandon();
  }

  private shut(abort: boolean, error: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.unwatch?.();
    this.queue.clear();
    this.queued = 0;
    this.out.close(abort);
    this.inp.leave();
    this.closeError = error;
    if (this.link) {
      this.link.onmessage = null;
      this.link.close();
    }
    const h = this.handlers;
    if (h) queueMicrotask(() => h.close(error));
  }
}
