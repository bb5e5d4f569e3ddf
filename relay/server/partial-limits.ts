/**
 * Bounds on what a connection can make the relay hold for a message it has not finished sending: a
 * deadline for completing it (slow-loris), a per-connection cap on the bytes its framer holds, and a
 * budget for all connections together (past it, the connection whose partial message is oldest goes —
 * a genuine publisher's partial is milliseconds old, an attacker's is not).
 *
 * The framer allocates a message's whole size once its header is read, so the count is of allocated
 * bytes (`StreamFramer.held`), not of bytes received. The relay calls {@link PartialLimits.afterChunk}
 * once per read chunk (not per message) and {@link PartialLimits.expired} from its sweep timer.
 *
 * @example
 * ```ts
 * const limits = new PartialLimits({ deadlineMs: 5000, perConnectionBytes: 1 << 20, totalBytes: 32 << 20 });
 * if (limits.afterChunk(session, session.framer.held, completed, performance.now())) close(session, "bufferCap");
 * while (limits.overBudget) close(oldestPartial(), "partialBudget");
 * ```
 * @module
 */

import { MAX_MESSAGE_SIZE } from "../../protocol/mod.ts";

/** Default milliseconds a started message has to be completed. */
export const DEFAULT_PARTIAL_DEADLINE_MS = 5000;
/** Default bytes one connection's incomplete message may hold: the largest message plus one 64 KiB read. */
export const DEFAULT_CONNECTION_BUFFER_BYTES = MAX_MESSAGE_SIZE + 64 * 1024;
/** Default bytes all connections' incomplete messages may hold together. */
export const DEFAULT_PARTIAL_BYTES_TOTAL = 32 * 1024 * 1024;

/** What the limits track per connection. */
export interface PartialHolder {
  /** Bytes held for its incomplete message, as last counted. */
  held: number;
  /** When its incomplete message began (`performance.now()`), 0 when none. */
  partialSince: number;
}

/** Settings of {@link PartialLimits}. */
export interface PartialLimitsOptions {
  /** Milliseconds a started message has to be completed (0 = no deadline). */
  deadlineMs: number;
  /** Bytes one connection's incomplete message may hold. */
  perConnectionBytes: number;
  /** Bytes all connections' incomplete messages may hold together. */
  totalBytes: number;
}

/** The partial-message bounds of one relay. */
export class PartialLimits {
  /** Bytes all tracked connections' incomplete messages hold now. */
  total = 0;
  readonly deadlineMs: number;
  readonly perConnectionBytes: number;
  readonly totalBytes: number;

  /** @param options the limits */
  constructor(options: PartialLimitsOptions) {
    this.deadlineMs = options.deadlineMs;
    this.perConnectionBytes = options.perConnectionBytes;
    this.totalBytes = options.totalBytes;
  }

  /**
   * Records what `h` holds after a chunk (`completed`: at least one of its messages was completed in
   * that chunk, so what it holds now is a new message). Returns true when it holds more than the
   * per-connection cap.
   */
  afterChunk(h: PartialHolder, held: number, completed: boolean, now: number): boolean {
    this.total += held - h.held;
    h.held = held;
    if (held === 0) {
      h.partialSince = 0;
      return false;
    }
    if (completed || h.partialSince === 0) h.partialSince = now;
    return held > this.perConnectionBytes;
  }

  /** True while all connections together hold more than the budget. */
  get overBudget(): boolean {
    return this.total > this.totalBytes;
  }

  /** True when `h`'s incomplete message has been pending longer than the deadline. */
  expired(h: PartialHolder, now: number): boolean {
    return this.deadlineMs > 0 && h.partialSince !== 0 && now - h.partialSince > this.deadlineMs;
  }

  /** Stops counting `h` (its connection closed). */
  release(h: PartialHolder): void {
    this.total -= h.held;
    h.held = 0;
    h.partialSince = 0;
  }
}
