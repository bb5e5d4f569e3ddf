/**
 * Relay metrics: message and byte counters in and out, connection gauges, drops per reason, errors per
 * {@link ProtocolErrorKind}, disconnects per reason, and a forward-latency histogram (hdr-histogram-js).
 * `snapshot()` gives a plain object (for the API/JSON) and {@link renderPrometheus} the text exposition
 * (core/metrics/), the forward latency as a histogram in seconds.
 *
 * Counters are plain numbers incremented on the hot path; nothing here allocates per message.
 *
 * @example
 * ```ts
 * const m = new RelayMetrics("market-data");
 * m.messagesIn++;
 * m.drop("duplicate");
 * process.stdout.write(renderPrometheus(m.snapshot()));
 * ```
 * @module
 */

import * as hdr from "hdr-histogram-js";
import { ProtocolErrorKind } from "../../protocol/mod.ts";
import { BucketHistogram, Exposition, type HistogramValue, type Labels } from "../../core/metrics/mod.ts";

/** Why a relay (or client) dropped a message. Every dropped message is counted under one of these. */
export const DropReason = {
  /** Failed validation (checksum, TLV structure, sizes); see `errors` for the kind. */
  invalid: "invalid",
  /** Header domain or a TLV type does not belong to this relay's domain. */
  wrongDomain: "wrongDomain",
  /** Sequence not above the last one seen from that source (replay protection). */
  duplicate: "duplicate",
  /** Evicted from a subscriber's full queue (back-pressure). */
  slowConsumer: "slowConsumer",
  /** Data from a connection whose Hello role does not include publishing. */
  notPublisher: "notPublisher",
  /** A control message (Subscribe, RetransmitRequest) the relay could not act on. */
  badControl: "badControl",
  /** Still queued for a subscriber when its connection went away (closed by it, or by the relay). */
  disconnected: "disconnected",
  /**
   * A message of a source another open connection publishes (a different Hello service id): the
   * source is bound to its publisher's connection while it is open (relay/source-owners.ts).
   */
  sourceOwned: "sourceOwned",
  /**
   * A message of a source its sender may not publish on a relay with identities (relay/identity.ts):
   * not its own service id, and the sender is not a relay, bridge or tool (80–99).
   */
  foreignSource: "foreignSource",
  /**
   * A sequence further ahead of its source's last accepted one than the relay's jump window, without a
   * restart of the source (sequence 1): refused so one message cannot make the rest of a feed duplicates.
   */
  sequenceJump: "sequenceJump",
} as const;
/** One drop reason. */
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Why the relay closed a connection. */
export const DisconnectReason = {
  framing: "framing",
  noHello: "noHello",
  /** Wrong or missing Hello token (a forged Hello on a relay with identities). */
  auth: "auth",
  /** A partial message not completed within the relay's deadline (slow-loris). */
  partialTimeout: "partialTimeout",
  /** A partial message larger than the per-connection buffer cap. */
  bufferCap: "bufferCap",
  /** The oldest partial message when all connections' partial messages together passed the relay's budget. */
  partialBudget: "partialBudget",
  slowConsumer: "slowConsumer",
  peer: "peer",
  shutdown: "shutdown",
} as const;
/** One disconnect reason. */
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Latency percentiles in microseconds. */
export interface LatencySnapshot {
  count: number;
  p50Micros: number;
  p90Micros: number;
  p99Micros: number;
  p999Micros: number;
  maxMicros: number;
}

/** A point-in-time copy of {@link RelayMetrics}. */
export interface RelayMetricsSnapshot {
  domain: string;
  uptimeSeconds: number;
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  connections: number;
  subscribers: number;
  publishers: number;
  retransmitRequests: number;
  gapsSent: number;
  /** Bytes of received chunks the retransmission rings keep alive (each chunk once) and of their indexes. */
  ringBytes: number;
  /** Sources with messages held for retransmission. */
  ringSources: number;
  /** Ring entries evicted to keep {@link ringBytes} under the relay-wide budget. */
  ringBudgetEvictions: number;
  /** Sequence ranges answered to a subscriber that came back after its queued messages were discarded. */
  recalledRanges: number;
  drops: Record<DropReason, number>;
  errors: Record<ProtocolErrorKind, number>;
  disconnects: Record<DisconnectReason, number>;
  forwardLatency: LatencySnapshot;
  /** The forward latency in Prometheus buckets (seconds). */
  forwardHistogram?: HistogramValue;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  const r = {} as Record<K, number>;
  for (const k of keys) r[k] = 0;
  return r;
}

const HIGHEST_NANOS = 60_000_000_000;

/** Live counters of one relay. */
export class RelayMetrics {
  /** Domain name, used as a label. */
  readonly domain: string;
  /** Messages accepted from publishers (and control messages). */
  messagesIn = 0;
  /** Bytes received. */
  bytesIn = 0;
  /** Message deliveries to subscribers (one per message per subscriber). */
  messagesOut = 0;
  /** Bytes queued to subscribers. */
  bytesOut = 0;
  /** Open connections. */
  connections = 0;
  /** Connections that receive messages. */
  subscribers = 0;
  /** Connections that may publish. */
  publishers = 0;
  /** RetransmitRequests answered. */
  retransmitRequests = 0;
  /** Gap messages sent. */
  gapsSent = 0;
  /** Bytes of received chunks the retransmission rings keep alive (each chunk once) and of their indexes. */
  ringBytes = 0;
  /** Sources with messages held for retransmission. */
  ringSources = 0;
  /** Ring entries evicted to stay under the relay-wide ring budget. */
  ringBudgetEvictions = 0;
  /** Discarded ranges answered to a returning subscriber (relay/discard-memory.ts). */
  recalledRanges = 0;
  /** Drops per reason. */
  readonly drops: Record<DropReason, number> = zeros(Object.values(DropReason));
  /** Rejected messages and closed streams per protocol error kind. */
  readonly errors: Record<ProtocolErrorKind, number> = zeros(Object.values(ProtocolErrorKind));
  /** Closed connections per reason. */
  readonly disconnects: Record<DisconnectReason, number> = zeros(Object.values(DisconnectReason));
  /** Nanoseconds from a chunk's arrival to its messages being handed to the subscribers' sockets. */
  readonly forwardLatency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_NANOS, numberOfSignificantValueDigits: 3 });
  /** The forward latency in Prometheus buckets (seconds), per message. */
  readonly forwardBuckets = new BucketHistogram();
  private readonly started = performance.now();

  /** @param domain relay domain name (label) */
  constructor(domain: string) {
    this.domain = domain;
  }

  /** Counts `n` dropped messages for `reason`. */
  drop(reason: DropReason, n = 1): void {
    this.drops[reason] += n;
  }

  /** Counts one protocol error of `kind`. */
  error(kind: ProtocolErrorKind): void {
    this.errors[kind]++;
  }

  /** Records the forward latency of `count` messages that took `nanos`. */
  recordForward(nanos: number, count: number): void {
    const v = nanos < 1 ? 1 : nanos > HIGHEST_NANOS ? HIGHEST_NANOS : Math.round(nanos);
    this.forwardLatency.recordValueWithCount(v, count);
    this.forwardBuckets.observe(v / 1e9, count);
  }

  /** A plain-object copy of every metric. */
  snapshot(): RelayMetricsSnapshot {
    const h = this.forwardLatency;
    const us = (p: number): number => Math.round(h.getValueAtPercentile(p) / 100) / 10;
    return {
      domain: this.domain,
      uptimeSeconds: Math.round((performance.now() - this.started) / 1000),
      messagesIn: this.messagesIn,
      bytesIn: this.bytesIn,
      messagesOut: this.messagesOut,
      bytesOut: this.bytesOut,
      connections: this.connections,
      subscribers: this.subscribers,
      publishers: this.publishers,
      retransmitRequests: this.retransmitRequests,
      gapsSent: this.gapsSent,
      ringBytes: this.ringBytes,
      ringSources: this.ringSources,
      ringBudgetEvictions: this.ringBudgetEvictions,
      recalledRanges: this.recalledRanges,
      drops: { ...this.drops },
      errors: { ...this.errors },
      disconnects: { ...this.disconnects },
      forwardLatency: {
        count: h.totalCount,
        p50Micros: us(50),
        p90Micros: us(90),
        p99Micros: us(99),
        p999Micros: us(99.9),
        maxMicros: Math.round(h.maxValue / 100) / 10,
      },
      forwardHistogram: this.forwardBuckets.snapshot(),
    };
  }
}

/**
 * Renders a snapshot in the Prometheus text exposition format (version 0.0.4), every series labelled
 * with the relay domain.
 */
export function renderPrometheus(s: RelayMetricsSnapshot, prefix = "alphapulse_relay"): string {
  return relayExposition(s, prefix).render();
}

/** The relay's metric families (added to `e`, or a new exposition labelled with the domain). */
export function relayExposition(s: RelayMetricsSnapshot, prefix = "alphapulse_relay", e = new Exposition({ domain: s.domain })): Exposition {
  const n = (name: string): string => `${prefix}_${name}`;
  const by = (key: string, r: Record<string, number>): [Labels, number][] => Object.entries(r).map(([k, v]) => [{ [key]: k }, v]);
  e.gauge(n("uptime_seconds"), "Seconds since the relay started.", s.uptimeSeconds)
    .counter(n("messages_in_total"), "Messages received.", s.messagesIn)
    .counter(n("bytes_in_total"), "Bytes received.", s.bytesIn)
    .counter(n("messages_out_total"), "Message deliveries to subscribers.", s.messagesOut)
    .counter(n("bytes_out_total"), "Bytes delivered to subscribers.", s.bytesOut)
    .gauge(n("connections"), "Open connections.", s.connections)
    .gauge(n("subscribers"), "Connections receiving messages.", s.subscribers)
    .gauge(n("publishers"), "Connections allowed to publish.", s.publishers)
    .counter(n("retransmit_requests_total"), "RetransmitRequests answered.", s.retransmitRequests)
    .counter(n("gaps_sent_total"), "Gap messages sent.", s.gapsSent)
    .gauge(n("ring_bytes"), "Bytes of received chunks kept for retransmission (each chunk once) and of the rings' indexes.", s.ringBytes)
    .gauge(n("ring_sources"), "Sources with messages kept for retransmission.", s.ringSources)
    .counter(n("ring_budget_evictions_total"), "Ring entries evicted to stay under the relay-wide ring budget.", s.ringBudgetEvictions)
    .counter(n("recalled_ranges_total"), "Discarded ranges answered to a returning subscriber.", s.recalledRanges)
    .counter(n("dropped_total"), "Dropped messages by reason.", by("reason", s.drops))
    .counter(n("protocol_errors_total"), "Protocol errors by kind.", by("kind", s.errors))
    .counter(n("disconnects_total"), "Connections closed by reason.", by("reason", s.disconnects));
  if (s.forwardHistogram !== undefined) {
    e.histogram(n("forward_latency_seconds"), "Time from a chunk's receipt to its hand-off to the subscribers' sockets.", {}, s.forwardHistogram);
  }
  return e;
}
