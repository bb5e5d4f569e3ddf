/**
 * Settings of a domain relay ({@link RelayOptions}) and of each connection it takes over
 * ({@link AttachOptions}), with their defaults.
 *
 * @example
 * ```ts
 * const options: RelayOptions = { domain: RelayDomain.MarketData, sequenceJumpWindow: DEFAULT_SEQUENCE_JUMP_WINDOW };
 * const relay = new Relay(options);
 * ```
 * @module
 */

import type { RelayDomain } from "../../protocol/mod.ts";
import type { Logger } from "../../core/log.ts";
import type { RelayKey } from "../wire/identity.ts";
import type { RelayMetrics } from "./metrics.ts";

/** Settings of a domain relay (`Relay`). */
export interface RelayOptions {
  /** The relay domain (1–4). */
  domain: RelayDomain;
  /** Verify the CRC-32 of every message that crossed a socket or a ring (default true). */
  verifyChecksum?: boolean;
  /**
   * Verify it also for publishers in this event loop (in-process connections, `ap start --inline`;
   * default false): they hand over the bytes their builder checksummed, with nothing in between.
   */
  verifyInProcessChecksum?: boolean;
  /** Bytes a subscriber's backlog may hold before its oldest messages are dropped (default 8 MiB). */
  subscriberQueueBytes?: number;
  /** Bytes a subscriber's socket may hold before messages wait in the backlog (default 256 KiB). */
  writeWindowBytes?: number;
  /** Milliseconds of sustained overflow after which a subscriber is disconnected (default 5000). */
  overflowDisconnectMs?: number;
  /** Bytes of recent messages kept per source for retransmission (default 4 MiB). */
  ringBytesPerSource?: number;
  /**
   * Bytes of received chunks all sources' rings together may keep alive, each chunk counted once
   * (default 256 MiB); past it the oldest messages of the least recently written sources are evicted.
   */
  ringBytesTotal?: number;
  /**
   * Milliseconds the sequence ranges discarded with a closed subscriber's queue are remembered for its
   * service id, to be answered when it says Hello again (default 60 000; 0 = not remembered).
   */
  discardMemoryMs?: number;
  /** Milliseconds a new connection has to send Hello (default 5000). */
  helloTimeoutMs?: number;
  /** The token connections must present where the listener requires one (relays without identities). */
  token?: string;
  /**
   * The run key: every Hello, on every listener, must carry a token proving its service id
   * (relay/identity.ts), and a proven service publishes only the sources its token proved (its own id;
   * the execution service its range 40–59) — relays, bridges and tools
   * (80–99) also others' not bound to their live owner. Absent: Hellos are not authenticated (the
   * shared `token` only where the listener requires one).
   */
  identityKey?: RelayKey;
  /**
   * How far a source's sequence may jump ahead of its last accepted one (default 1,000,000; 0 = no
   * limit). A jump past it is refused (`sequenceJump`) unless the source restarts at sequence 1.
   */
  sequenceJumpWindow?: number;
  /** Milliseconds a started message has to be completed before its connection is closed (default 5000; 0 = none). */
  partialDeadlineMs?: number;
  /** Bytes one connection's incomplete message may hold (default 1 MiB + 64 KiB). */
  connectionBufferBytes?: number;
  /** Bytes all connections' incomplete messages may hold together (default 32 MiB). */
  partialBytesTotal?: number;
  /** This relay's own source id, used on the Gap messages it sends (default 80 + domain − 1). */
  serviceId?: number;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
  /** Metrics to update (default: a new {@link RelayMetrics}). */
  metrics?: RelayMetrics;
}

/** Per-connection settings given by the listener that accepted it. */
export interface AttachOptions {
  /** The Hello must carry the relay's token (TCP/TLS listeners). */
  requireToken: boolean;
}

/** Default of {@link RelayOptions.sequenceJumpWindow}. */
export const DEFAULT_SEQUENCE_JUMP_WINDOW = 1_000_000;

