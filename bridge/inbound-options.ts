/**
 * Settings and counters of the bridge's {@link InboundSequencer} (bridge/inbound.ts), and the recovery
 * callback it asks for missing ranges.
 *
 * @module
 */

import type { Logger } from "../core/log.ts";

/** Fetches `source`'s messages `from..to` (inclusive) that a store still holds, in sequence order. */
export type RecoverFn = (source: number, from: bigint, to: bigint, sinceNanos: bigint | undefined) => Promise<Uint8Array[]>;

/** Settings of an {@link InboundSequencer}. */
export interface InboundOptions {
  /** Puts one message into the local relay (the bytes are copied by the callee). */
  inject(bytes: Uint8Array, offset: number, length: number): void;
  /** Fetches a missing range (JetStream); absent: gaps are skipped at once and counted as lost. */
  recover?: RecoverFn;
  /** Bytes of later messages held back per source while a gap is filled (default 8 MiB). */
  holdBytes?: number;
  /** Milliseconds one recovery may take before its range is given up (default 10000). */
  recoveryTimeoutMs?: number;
  /** Nanoseconds before the last injected message's timestamp where a recovery scan starts (default 5 s). */
  recoveryMarginNanos?: bigint;
  /** Logger for gaps and restarts. */
  log: Logger;
}

/** Counters of an {@link InboundSequencer}. */
export interface InboundStats {
  /** Messages received from NATS. */
  received: number;
  /** Messages put into the local relay (live and recovered). */
  injected: number;
  /** Received messages dropped as already injected. */
  duplicates: number;
  /** Received messages of sources published on this relay, dropped (their own traffic coming back). */
  echoes: number;
  /** Gaps found in a source's sequence (live or at a tail check). */
  gapsDetected: number;
  /** Recoveries started. */
  recoveries: number;
  /** Messages injected from recoveries. */
  recovered: number;
  /** Sequences given up (not recoverable, recovery failed, or hold buffer full). */
  lost: number;
  /** Remote sources that restarted their sequence at 1. */
  restarts: number;
  /** Recoveries that failed (error or timeout). */
  recoveryFailures: number;
  /** Origin Gap notices applied (the origin said a range will never come; see {@link InboundSequencer.originGap}). */
  originGaps: number;
  /** Sequences skipped because of origin Gap notices. */
  originLost: number;
}
