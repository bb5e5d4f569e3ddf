/**
 * A second place a relay looks for retransmissions: when a RetransmitRequest asks for messages its
 * per-source ring no longer holds (evicted, or never received), the relay asks a
 * {@link RetransmitSource} — the NATS bridge's JetStream stream — before it answers Gap.
 *
 * The consumer sees nothing of it: the answer is the same stream a ring hit gives — the range's
 * messages in sequence order, then a Gap (reason 1, evicted) only for what neither the ring nor the
 * store holds. An answer that needs the store is sent when the store replies, or with Gaps for the
 * missing part after `timeoutMs` (the relay client gives up on a gap after 2 s by default: keep the
 * timeout below the clients'). At most `maxConcurrent` store lookups run at once and `maxQueued` wait;
 * a request past that is answered at once from the ring alone (counted `rejected`).
 *
 * Hot path: none of this runs per message. The relay consults it only while answering a
 * RetransmitRequest, and a request the ring answers in full is sent at once, exactly as before.
 *
 * @example
 * ```ts
 * relay.retransmitFallback = new RetransmitFallback(jetStreamSource, { timeoutMs: 1500 });
 * ```
 * @module
 */

import { HeaderOffset, viewsOf } from "../../protocol/mod.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { forEachInSequence } from "./ring-range.ts";
import type { SourceRing } from "./source-ring.ts";

/**
 * A message of the relay's current run of a source that follows the requested range: it tells a store
 * which of several runs of the same sequences (a source that restarted at 1) is wanted, and where a
 * scan may stop.
 */
export interface RunAnchor {
  /** Its sequence. */
  sequence: bigint;
  /** Its header timestamp (ns). */
  timestamp: bigint;
}

/** A store of past messages that can answer for a range of one source. */
export interface RetransmitSource {
  /**
   * `source`'s messages with sequences `from..to` (inclusive) that the store holds, in sequence order,
   * each one whole message the caller may keep; what the store lacks is simply absent. Only messages of
   * the run that contains `anchor` are returned. Should stop work when `signal` aborts.
   */
  fetch(source: number, from: bigint, to: bigint, anchor: RunAnchor, signal: AbortSignal): Promise<Uint8Array[]>;
}

/** Settings of a {@link RetransmitFallback}. */
export interface RetransmitFallbackOptions {
  /** Store lookups running at once (default 4). */
  maxConcurrent?: number;
  /** Requests waiting for a lookup slot before new ones are answered from the ring alone (default 64). */
  maxQueued?: number;
  /** Milliseconds a lookup may take before its range is answered with Gap (default 1500). */
  timeoutMs?: number;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
}

/** Counters of a {@link RetransmitFallback}. */
export interface RetransmitFallbackStats {
  /** Requests that needed the store. */
  lookups: number;
  /** Messages the store supplied. */
  messages: number;
  /** Sequences neither the ring nor the store held (answered with Gap). */
  unavailable: number;
  /** Lookups that failed (store error). */
  failures: number;
  /** Lookups that timed out. */
  timeouts: number;
  /** Requests answered from the ring alone because too many lookups were waiting. */
  rejected: number;
}

/** One RetransmitRequest as the relay hands it over. */
export interface FallbackRequest {
  /** The source asked for. */
  source: number;
  /** First sequence asked for. */
  from: bigint;
  /** Last sequence asked for (inclusive; capped at `last`). */
  to: bigint;
  /** The relay's last accepted sequence of the source. */
  last: bigint;
  /** Timestamp of that last message. */
  lastTimestamp: bigint;
  /** The source's ring, when it has one. */
  ring: SourceRing | undefined;
  /** The subscriber's type filter as a predicate (undefined: every message). */
  accept: ((message: Uint8Array) => boolean) | undefined;
  /** Makes a Gap notice for `from..to` of the source (the relay numbers and counts it). */
  gap(from: bigint, to: bigint): Uint8Array;
  /** Hands the answer, in order, to the subscriber (ignored when it has gone meanwhile). */
  send(parts: Uint8Array[]): void;
}

interface Waiting {
  request: FallbackRequest;
  held: Uint8Array;
  missing: [bigint, bigint][];
  anchor: RunAnchor;
}

/** See the module documentation. */
export class RetransmitFallback {
  /** Counters. */
  readonly stats: RetransmitFallbackStats = { lookups: 0, messages: 0, unavailable: 0, failures: 0, timeouts: 0, rejected: 0 };
  private readonly store: RetransmitSource;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly queue: Waiting[] = [];
  private readonly controllers = new Set<AbortController>();
  private active = 0;
  private closed = false;

  /** @param store where missing ranges are looked up; @param options limits */
  constructor(store: RetransmitSource, options: RetransmitFallbackOptions = {}) {
    this.store = store;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 4);
    this.maxQueued = Math.max(0, options.maxQueued ?? 64);
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.log = options.logger ?? createLogger("relay.retransmit");
  }

  /** Lookups running or waiting. */
  get pending(): number {
    return this.active + this.queue.length;
  }

  /**
   * Answers one RetransmitRequest: at once when the ring holds the whole range (or the fallback is
   * closed or full), else after a store lookup for the missing parts. Never throws.
   */
  answer(request: FallbackRequest): void {
    const { from, last } = request;
    const end = request.to < last ? request.to : last;
    if (from > end) return;
    let held: Uint8Array;
    let missing: [bigint, bigint][];
    if (request.ring === undefined) {
      held = new Uint8Array(0);
      missing = [[from, end]];
    } else {
      const r = request.ring.collect(from, end, last, request.accept);
      held = r.bytes;
      missing = r.missing;
    }
    if (missing.length === 0) {
      request.send(assemble(request, held, missing, []));
      return;
    }
    if (this.closed || this.active >= this.maxConcurrent && this.queue.length >= this.maxQueued) {
      if (!this.closed) this.stats.rejected++;
      this.stats.unavailable += countOf(missing);
      request.send(assemble(request, held, missing, []));
      return;
    }
    const w: Waiting = { request, held, missing, anchor: anchorAfter(request, missing[missing.length - 1]![1]) };
    if (this.active < this.maxConcurrent) this.run(w);
    else this.queue.push(w);
  }

  /** Stops lookups in progress (their requests are answered with Gap) and answers later ones from the ring. */
  close(): void {
    this.closed = true;
    for (const c of this.controllers) c.abort();
    for (const w of this.queue.splice(0)) {
      this.stats.unavailable += countOf(w.missing);
      w.request.send(assemble(w.request, w.held, w.missing, []));
    }
  }

  private run(w: Waiting): void {
    this.active++;
    this.stats.lookups++;
    const { request, missing } = w;
    const lo = missing[0]![0];
    const hi = missing[missing.length - 1]![1];
    const ctl = new AbortController();
    this.controllers.add(ctl);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
    });
    // close() answers a running lookup at once, whether or not the store heeds the signal.
    const aborted = new Promise<"aborted">((resolve) => ctl.signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
    let lookup: Promise<Uint8Array[]>;
    try {
      lookup = this.store.fetch(request.source, lo, hi, w.anchor, ctl.signal);
    } catch (e) {
      lookup = Promise.reject(e);
    }
    Promise.race([lookup, timeout, aborted]).then(
      (got) => {
        if (got === "aborted") return [];
        if (got === "timeout") {
          this.stats.timeouts++;
          this.log.warn("store lookup for a retransmission timed out: answering Gap", { source: request.source, from: lo, to: hi, timeoutMs: this.timeoutMs });
          return [];
        }
        return got;
      },
      (e: unknown) => {
        this.stats.failures++;
        if (!ctl.signal.aborted) {
          this.log.warn("store lookup for a retransmission failed: answering Gap", { source: request.source, from: lo, to: hi, error: e instanceof Error ? e.message : String(e) });
        }
        return [] as Uint8Array[];
      },
    ).then((found) => {
      clearTimeout(timer);
      ctl.abort();
      this.controllers.delete(ctl);
      const parts = assemble(request, w.held, missing, found, this.stats);
      try {
        request.send(parts);
      } catch (e) {
        this.log.error("could not send a retransmission", { source: request.source, error: e });
      }
      this.active--;
      const next = this.queue.shift();
      if (next !== undefined) this.run(next);
    });
  }
}

/** The first held message after `after` (its sequence and timestamp), else the source's last message. */
function anchorAfter(request: FallbackRequest, after: bigint): RunAnchor {
  const ring = request.ring;
  if (ring !== undefined && after < request.last) {
    const r = ring.collect(after + 1n, after + 1n, request.last);
    if (r.count === 1) {
      const dv = viewsOf(r.bytes).dv;
      return { sequence: after + 1n, timestamp: dv.getBigUint64(r.bytes.byteOffset + HeaderOffset.timestamp, true) };
    }
  }
  return { sequence: request.last, timestamp: request.lastTimestamp };
}

function countOf(missing: readonly (readonly [bigint, bigint])[]): number {
  let n = 0;
  for (const [a, b] of missing) n += Number(b - a + 1n);
  return n;
}

/**
 * The answer in sequence order: within each missing range the store's messages (filtered, in range,
 * increasing) and Gaps for the holes; between the ranges the ring's messages.
 */
function assemble(request: FallbackRequest, held: Uint8Array, missing: [bigint, bigint][], found: Uint8Array[], stats?: RetransmitFallbackStats): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let f = 0;
  const seqOf = (m: Uint8Array): bigint => viewsOf(m).dv.getBigUint64(m.byteOffset + HeaderOffset.sequence, true);
  const emitRange = (a: bigint, b: bigint): void => {
    let next = a;
    while (f < found.length) {
      const m = found[f]!;
      const seq = seqOf(m);
      if (seq < next) {
        f++;
        continue;
      }
      if (seq > b) break;
      f++;
      if (seq > next) {
        parts.push(request.gap(next, seq - 1n));
        if (stats !== undefined) stats.unavailable += Number(seq - next);
      }
      next = seq + 1n;
      if (stats !== undefined) stats.messages++;
      if (request.accept === undefined || request.accept(m)) parts.push(m);
    }
    if (next <= b) {
      parts.push(request.gap(next, b));
      if (stats !== undefined) stats.unavailable += Number(b - next + 1n);
    }
  };
  forEachInSequence(held, missing, (m) => parts.push(m), emitRange);
  return parts;
}
