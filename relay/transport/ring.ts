/**
 * A single-producer / single-consumer byte ring in a `SharedArrayBuffer`: the memory under one direction
 * of a ring connection (`ring-connection.ts`). One thread writes, one thread reads; either may be the
 * same thread.
 *
 * Layout: a 256-byte control block of `Int32` slots (the write and read counters on separate cache
 * lines), then `capacity` data bytes (a power of two). The counters count bytes modulo 2^32, so
 * `write - read` is the fill level. The producer copies a whole batch in and only then publishes the
 * new write counter (`Atomics.store`), so a reader never sees a half-written batch; the consumer copies
 * bytes out into a fresh array before publishing the read counter, so the producer never overwrites
 * bytes still to be read, and the arrays handed on are never written again.
 *
 * Wake-ups: a side that finds nothing to do sets its `parked` flag, re-reads its doorbell and the
 * counters, and only then waits (`Atomics.waitAsync`) on the doorbell. The other side rings the bell
 * (`Atomics.add` + `Atomics.notify`) only when it finds the flag set, and only once per park (the flag
 * goes from parked to rung), so a busy stream costs no notify at all and a burst into a waking side one.
 * Closing always rings.
 *
 * @module
 */

const CONTROL_BYTES = 256;
const WRITE = 0;
const READ = 16;
const STATE = 32;
const READER_PARKED = 33;
const READER_BELL = 34;
const WRITER_PARKED = 48;
const WRITER_BELL = 49;
/** Values of a side's parked flag: running, parked on its bell, parked and already rung. */
const PARKED = 1;
const RUNG = 2;

/** `Atomics.waitAsync` (ES2024; Node 20 and Deno 2 have it, this project's `lib` setting predates it). */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs?: number) =>
  | { readonly async: false; readonly value: "not-equal" | "timed-out" }
  | { readonly async: true; readonly value: Promise<"ok" | "timed-out"> };
const waitAsync: WaitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Longest a parked side sleeps before it looks again by itself. The doorbell protocol needs no timeout,
 * yet wake-ups do get lost: on a loaded machine a Node threads pipeline saw a reader time out with bytes
 * published, 1–3 times per 2 s run (cause not found: no second waiter was ever parked on a ring, and a
 * bare chain of threads on the same rings did not show it) — every message behind it waited the whole
 * timeout.
 */
const PARK_TIMEOUT_MS = 100;
/**
 * First timeout of a side that was just busy: a lost wake-up then costs at most this. Each timeout that
 * finds nothing doubles the next one, up to {@link PARK_TIMEOUT_MS}, so an idle side looks by itself only
 * a few times a second.
 */
const PARK_FIRST_TIMEOUT_MS = 1;

/**
 * Per thread: `lateWakes` — parked sides that timed out and found their work waiting (a lost wake-up,
 * recovered); `bellsRung` — wake-ups this thread sent (at most one per park of the other side).
 */
export const ringWakeStats = { lateWakes: 0, bellsRung: 0 };

/** Default bytes of data per ring (one direction of a connection). */
export const RING_DEFAULT_BYTES = 1 << 20;
/** Smallest ring accepted. */
export const RING_MIN_BYTES = 1 << 6;
/** Largest ring accepted (the counters' difference must stay below 2^31). */
export const RING_MAX_BYTES = 1 << 30;

/** Bits of the ring's state word. */
export const RingState = {
  /** The producer closed after publishing everything it had. */
  WriterClosed: 1,
  /** The producer went away without flushing (abort, or its thread ended). */
  WriterAborted: 2,
  /** The consumer went away: further bytes are discarded. */
  ReaderGone: 4,
} as const;

/** Thrown for a ring size that is not a power of two in [{@link RING_MIN_BYTES}, {@link RING_MAX_BYTES}]. */
export class RingSizeError extends Error {
  /** @param bytes the refused size */
  constructor(bytes: number) {
    super(`ring size ${bytes} refused: it must be a power of two between ${RING_MIN_BYTES} and ${RING_MAX_BYTES} bytes`);
    this.name = "RingSizeError";
  }
}

/** Thrown when a shared buffer does not have the layout of a ring. */
export class RingLayoutError extends Error {
  /** @param bytes the buffer's length */
  constructor(bytes: number) {
    super(`a shared buffer of ${bytes} bytes is not a ring: expected ${CONTROL_BYTES} control bytes plus a power-of-two data area`);
    this.name = "RingLayoutError";
  }
}

/** Allocates the shared memory of one ring with `capacity` data bytes. */
export function createRingBuffer(capacity: number = RING_DEFAULT_BYTES): SharedArrayBuffer {
  if (!Number.isInteger(capacity) || capacity < RING_MIN_BYTES || capacity > RING_MAX_BYTES || (capacity & (capacity - 1)) !== 0) {
    throw new RingSizeError(capacity);
  }
  return new SharedArrayBuffer(CONTROL_BYTES + capacity);
}

/** What both ends see of a ring. */
class RingView {
  /** Data bytes of the ring. */
  readonly capacity: number;
  protected readonly ctl: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly mask: number;
  /** Timeout of this side's next park (see {@link PARK_FIRST_TIMEOUT_MS}). */
  private timeoutMs = PARK_FIRST_TIMEOUT_MS;

  constructor(buffer: SharedArrayBuffer) {
    const capacity = buffer.byteLength - CONTROL_BYTES;
    if (capacity < RING_MIN_BYTES || (capacity & (capacity - 1)) !== 0) throw new RingLayoutError(buffer.byteLength);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.ctl = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.data = new Uint8Array(buffer, CONTROL_BYTES, capacity);
  }

  /** The state bits ({@link RingState}). */
  state(): number {
    return Atomics.load(this.ctl, STATE);
  }

  /** Bytes published and not yet consumed. */
  used(): number {
    return (Atomics.load(this.ctl, WRITE) - Atomics.load(this.ctl, READ)) | 0;
  }

  protected setState(bit: number, bell: number): void {
    Atomics.or(this.ctl, STATE, bit);
    Atomics.add(this.ctl, bell, 1);
    Atomics.notify(this.ctl, bell);
  }

  /**
   * Wakes the other side if it is parked. The flag is left for the parked side to clear when it wakes:
   * clearing it here lost wake-ups — a ring between the waiter's flag store and its doorbell read cleared
   * the flag, the waiter then slept on the already-rung bell, and no later ring reached it (it woke only by
   * its timeout: a threads pipeline drained one ring per 100 ms, seconds of latency at 10 k msgs/s).
   */
  protected ring(parked: number, bell: number): void {
    // Once per park: the first ring moves the flag from parked (1) to rung (2) and notifies; later ones
    // see 2 and do nothing (`Atomics.notify` takes the engine's process-wide futex lock on every call,
    // and a parked side takes a while to wake and clear its flag). Safe as the waiter's bell read is:
    // a ring before it changed the bell, so the wait returns at once.
    if (Atomics.load(this.ctl, parked) === PARKED && Atomics.compareExchange(this.ctl, parked, PARKED, RUNG) === PARKED) {
      ringWakeStats.bellsRung++;
      Atomics.add(this.ctl, bell, 1);
      Atomics.notify(this.ctl, bell);
    }
  }

  /** Parks on `bell` unless `ready()` already holds; undefined means "go on now". */
  protected park(parked: number, bell: number, ready: () => boolean): Promise<"ok" | "timed-out"> | undefined {
    Atomics.store(this.ctl, parked, PARKED);
    const seen = Atomics.load(this.ctl, bell);
    if (ready()) {
      Atomics.store(this.ctl, parked, 0);
      this.timeoutMs = PARK_FIRST_TIMEOUT_MS;
      return undefined;
    }
    const w = waitAsync(this.ctl, bell, seen, this.timeoutMs);
    if (!w.async) {
      Atomics.store(this.ctl, parked, 0);
      this.timeoutMs = PARK_FIRST_TIMEOUT_MS;
      return undefined;
    }
    return w.value.then((v) => {
      Atomics.store(this.ctl, parked, 0);
      if (v !== "timed-out") this.timeoutMs = PARK_FIRST_TIMEOUT_MS;
      else if (ready()) {
        ringWakeStats.lateWakes++;
        this.timeoutMs = PARK_FIRST_TIMEOUT_MS;
      } else this.timeoutMs = Math.min(PARK_TIMEOUT_MS, this.timeoutMs * 2);
      return v;
    });
  }
}

/** The producing end of a ring. */
export class RingWriter extends RingView {
  private write = 0;

  /** @param buffer memory from {@link createRingBuffer} */
  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.write = Atomics.load(this.ctl, WRITE);
  }

  /** Bytes that can be written now. */
  free(): number {
    return this.capacity - ((this.write - Atomics.load(this.ctl, READ)) | 0);
  }

  /** True once the consumer went away (writes are pointless). */
  readerGone(): boolean {
    return (Atomics.load(this.ctl, STATE) & RingState.ReaderGone) !== 0;
  }

  /**
   * Copies all of `chunks` (`bytes` in total) in and publishes them as one step, or writes nothing and
   * returns false when they do not fit in the free space.
   */
  writeBatch(chunks: readonly Uint8Array[], bytes: number): boolean {
    if (bytes > this.free()) return false;
    let w = this.write;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      this.copyIn(c, w & this.mask);
      w = (w + c.length) | 0;
    }
    this.publish(w);
    return true;
  }

  /** Copies as much of `chunk` as fits, publishes it and returns the count (for a batch larger than the ring). */
  writeSome(chunk: Uint8Array): number {
    const n = Math.min(this.free(), chunk.length);
    if (n === 0) return 0;
    this.copyIn(n === chunk.length ? chunk : chunk.subarray(0, n), this.write & this.mask);
    this.publish((this.write + n) | 0);
    return n;
  }

  /** Marks the end of the stream: `abort` when unflushed data was given up. Wakes the consumer. */
  close(abort: boolean): void {
    this.setState(abort ? RingState.WriterAborted : RingState.WriterClosed, READER_BELL);
  }

  /**
   * Waits until the consumer frees space or goes away, or a timeout passes (look again either way);
   * undefined when `wanted` bytes are free already. Resolves `ok` when woken, `timed-out` otherwise.
   */
  waitForSpace(wanted: number): Promise<"ok" | "timed-out"> | undefined {
    return this.park(WRITER_PARKED, WRITER_BELL, () => this.free() >= wanted || this.readerGone());
  }

  private copyIn(c: Uint8Array, at: number): void {
    const first = this.capacity - at;
    if (c.length <= first) this.data.set(c, at);
    else {
      this.data.set(c.subarray(0, first), at);
      this.data.set(c.subarray(first), 0);
    }
  }

  private publish(w: number): void {
    this.write = w;
    Atomics.store(this.ctl, WRITE, w);
    this.ring(READER_PARKED, READER_BELL);
  }
}

/**
 * Bytes of the arrays {@link RingReader.take} copies into. Each take is the next slice of the current
 * array; a full one is left to the slices handed out (never written again) and a new one begun. Fresh
 * memory is what a take costs: a new 205 KiB array filled from a ring took 130–300 µs here (page faults
 * and zeroing of newly mapped memory) against 5–8 µs into memory already touched, so reads and arrays
 * stay at sizes the allocator recycles (with 256 KiB reads into 1 MiB arrays the relay thread spent a
 * third of its busy time in `take`; 32 KiB: threads relay 1 → 1 went from 1.3 M to 1.7–2.1 M msgs/s on
 * Node and from 0.8 M to 2.4–2.8 M on Deno, `ap bench relay --deployment threads --rounds 3`).
 */
export const READ_SLAB_BYTES = 32 * 1024;

const NOTHING = new Uint8Array(0);

/** The consuming end of a ring. */
export class RingReader extends RingView {
  private read = 0;
  private slab = NOTHING;
  private slabAt = 0;

  /** @param buffer memory from {@link createRingBuffer} */
  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.read = Atomics.load(this.ctl, READ);
  }

  /** Bytes published and not yet taken. */
  available(): number {
    return (Atomics.load(this.ctl, WRITE) - this.read) | 0;
  }

  /**
   * Copies up to `max` published bytes into memory that is never written again (a slice of a
   * {@link READ_SLAB_BYTES} array) — or, given `into`, to the start of `into` (at most its length, the
   * caller's to reuse) — frees their space and returns them; an empty array when nothing is published.
   */
  take(max: number, into?: Uint8Array): Uint8Array {
    const n = Math.min(this.available(), into === undefined ? max : Math.min(max, into.length));
    if (n === 0) return NOTHING;
    let slab: Uint8Array;
    let to = 0;
    if (into !== undefined) slab = into;
    else {
      to = this.slabAt;
      if (to + n > this.slab.length) {
        this.slab = new Uint8Array(Math.max(READ_SLAB_BYTES, n));
        to = 0;
      }
      slab = this.slab;
      this.slabAt = to + n;
    }
    const at = this.read & this.mask;
    const first = this.capacity - at;
    if (n <= first) slab.set(this.data.subarray(at, at + n), to);
    else {
      slab.set(this.data.subarray(at, this.capacity), to);
      slab.set(this.data.subarray(0, n - first), to + first);
    }
    const out = slab.subarray(to, to + n);
    this.read = (this.read + n) | 0;
    Atomics.store(this.ctl, READ, this.read);
    this.ring(WRITER_PARKED, WRITER_BELL);
    return out;
  }

  /** Marks the consumer gone (the producer's further bytes are discarded) and wakes the producer. */
  leave(): void {
    this.setState(RingState.ReaderGone, WRITER_BELL);
  }

  /** Marks the producer aborted (its thread ended) on its behalf, waking this reader. */
  abandon(): void {
    this.setState(RingState.WriterAborted, READER_BELL);
  }

  /**
   * Waits until bytes are published or the producer closes, or a timeout passes (look again either way);
   * undefined when there is something already. Resolves `ok` when woken, `timed-out` otherwise.
   */
  waitForData(): Promise<"ok" | "timed-out"> | undefined {
    return this.park(READER_PARKED, READER_BELL, () => this.available() > 0 || (Atomics.load(this.ctl, STATE) & (RingState.WriterClosed | RingState.WriterAborted)) !== 0);
  }
}
