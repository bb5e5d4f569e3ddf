/**
 * The bridge's figures: a plain snapshot (for the control socket and JSON) and the Prometheus text
 * exposition, every series named `alphapulse_nats_*` and labelled with the relay domain.
 *
 * @module
 */

import { Exposition, type Labels } from "../core/metrics/mod.ts";
import type { RetransmitFallbackStats } from "../relay/server/retransmit-source.ts";
import type { InboundStats } from "./inbound-options.ts";
import type { OutboundStats } from "./outbound.ts";

/** A point-in-time copy of a bridge's state and counters. */
export interface NatsBridgeSnapshot {
  /** Domain name (label). */
  domain: string;
  /** The NATS connection is up. */
  connected: boolean;
  /** The domain's JetStream stream was created/checked on the current connection. */
  jetStreamReady: boolean;
  /** Times the NATS connection was lost. */
  outages: number;
  /** Times it came back. */
  reconnects: number;
  /** Seconds spent disconnected since start (the current outage included). */
  downSeconds: number;
  /** Bytes of local messages waiting for NATS or for JetStream's ack. */
  bufferedBytes: number;
  /** Batches of them. */
  bufferedBatches: number;
  /** Bytes of received messages held back while gaps are recovered. */
  heldBytes: number;
  /** NATS payloads (or messages in them) rejected as malformed or of the wrong source/domain. */
  invalid: number;
  /** Catch-up reads from JetStream after reconnects. */
  catchUps: number;
  /** Live NATS messages skipped during catch-ups (JetStream delivered them). */
  catchUpSkipped: number;
  /** Outgoing counters. */
  out: OutboundStats;
  /** Incoming counters. */
  in: InboundStats;
  /** Origin Gap notices (bridge/origin-gaps.ts): stored on NATS by this bridge, received, and injected into the local relay. */
  originGaps: { forwarded: number; received: number; injected: number };
  /** The local relay's RetransmitRequests answered from JetStream (undefined unless `serveRetransmits` was called). */
  retransmit: (RetransmitFallbackStats & { pending: number; probes: number }) | undefined;
  /** Local relay connection counters. */
  local: {
    /** Messages received from the local relay. */
    received: number;
    /** Control messages and Gap notices not bridged. */
    skippedControl: number;
    /** Injections dropped because the local relay was away too long (client buffer full). */
    injectDropped: number;
    /** Reconnections to the local relay. */
    relayReconnects: number;
  };
}

/** Renders a snapshot in the Prometheus text format (0.0.4, core/metrics/). */
export function renderNatsPrometheus(s: NatsBridgeSnapshot, prefix = "alphapulse_nats"): string {
  return natsExposition(s, prefix).render();
}

/** The bridge's metric families (added to `e`, or a new exposition labelled with the domain). */
export function natsExposition(s: NatsBridgeSnapshot, prefix = "alphapulse_nats", e = new Exposition({ domain: s.domain })): Exposition {
  const metric = (name: string, type: "counter" | "gauge", help: string, rows: [labels: Labels, value: number][]): void => {
    if (type === "counter") e.counter(`${prefix}_${name}`, help, rows);
    else e.gauge(`${prefix}_${name}`, help, rows);
  };
  const o = s.out;
  const i = s.in;
  metric("connected", "gauge", "1 while the bridge's NATS connection is up.", [[{}, s.connected ? 1 : 0]]);
  metric("jetstream_ready", "gauge", "1 when the domain's JetStream stream is in place on the current connection.", [[{}, s.jetStreamReady ? 1 : 0]]);
  metric("outages_total", "counter", "NATS connection losses.", [[{}, s.outages]]);
  metric("reconnects_total", "counter", "NATS reconnections.", [[{}, s.reconnects]]);
  metric("down_seconds_total", "counter", "Seconds without a NATS connection.", [[{}, Math.round(s.downSeconds * 1000) / 1000]]);
  metric("buffered_bytes", "gauge", "Bytes of local messages not yet acknowledged by JetStream.", [[{}, s.bufferedBytes]]);
  metric("buffered_batches", "gauge", "Batches not yet acknowledged by JetStream.", [[{}, s.bufferedBatches]]);
  metric("held_bytes", "gauge", "Bytes of received messages held back behind a gap being recovered.", [[{}, s.heldBytes]]);
  metric("published_messages_total", "counter", "Local messages taken in for NATS.", [[{}, o.messagesIn]]);
  metric("published_batches_total", "counter", "NATS messages (batches) sealed.", [[{}, o.batches]]);
  metric("sends_total", "counter", "Batch sends including resends.", [[{}, o.sends]]);
  metric("resends_total", "counter", "Batches sent again after a reconnect or an ack timeout.", [[{}, o.resends]]);
  metric("acked_messages_total", "counter", "Local messages JetStream acknowledged.", [[{}, o.ackedMessages]]);
  metric("not_stored_messages_total", "counter", "Local messages sent live but refused by JetStream (no stream, limits).", [[{}, o.notStored]]);
  metric("ack_timeouts_total", "counter", "Times acks stopped coming and batches were sent again.", [[{}, o.ackTimeouts]]);
  metric("received_messages_total", "counter", "Messages received from NATS.", [[{}, i.received]]);
  metric("injected_messages_total", "counter", "Messages put into the local relay.", [[{}, i.injected]]);
  metric("recovered_messages_total", "counter", "Messages injected from JetStream gap recovery.", [[{}, i.recovered]]);
  metric("gaps_total", "counter", "Gaps found in a remote source's sequence.", [[{}, i.gapsDetected]]);
  metric("recoveries_total", "counter", "JetStream recoveries started.", [[{}, i.recoveries]]);
  metric("recovery_failures_total", "counter", "JetStream recoveries that failed or timed out.", [[{}, i.recoveryFailures]]);
  metric("source_restarts_total", "counter", "Remote sources that restarted their sequence.", [[{}, i.restarts]]);
  metric("dropped_total", "counter", "Messages dropped by the bridge, by reason.", [
    [{ reason: "buffer_full" }, o.droppedBuffer],
    [{ reason: "too_large" }, o.droppedTooLarge],
    [{ reason: "duplicate" }, i.duplicates],
    [{ reason: "echo" }, i.echoes],
    [{ reason: "lost" }, i.lost],
    [{ reason: "invalid" }, s.invalid],
    [{ reason: "inject_buffer_full" }, s.local.injectDropped],
  ]);
  metric("origin_gaps_forwarded_total", "counter", "Gap notices about sources published here stored on NATS (those messages never reach NATS).", [[{}, s.originGaps.forwarded]]);
  metric("origin_gaps_received_total", "counter", "Origin Gap notices received from NATS.", [[{}, s.originGaps.received]]);
  metric("origin_gaps_injected_total", "counter", "Origin Gap notices passed to the local relay's subscribers.", [[{}, s.originGaps.injected]]);
  metric("origin_lost_messages_total", "counter", "Sequences of remote sources lost at their origin (skipped on an origin Gap notice).", [[{}, i.originLost]]);
  const r = s.retransmit;
  if (r !== undefined) {
    metric("retransmit_lookups_total", "counter", "RetransmitRequests beyond the local relay's ring looked up in JetStream.", [[{}, r.lookups]]);
    metric("retransmit_messages_total", "counter", "Messages JetStream supplied for them.", [[{}, r.messages]]);
    metric("retransmit_unavailable_total", "counter", "Sequences neither the ring nor JetStream held (answered with Gap).", [[{}, r.unavailable]]);
    metric("retransmit_failures_total", "counter", "JetStream lookups that failed, by reason.", [
      [{ reason: "error" }, r.failures], [{ reason: "timeout" }, r.timeouts], [{ reason: "queue_full" }, r.rejected],
    ]);
    metric("retransmit_pending", "gauge", "JetStream lookups running or waiting.", [[{}, r.pending]]);
    metric("retransmit_probes_total", "counter", "JetStream message-get requests of the lookups' searches.", [[{}, r.probes]]);
  }
  metric("catchups_total", "counter", "Catch-up reads from JetStream after a reconnect.", [[{}, s.catchUps]]);
  metric("catchup_skipped_live_total", "counter", "Live NATS messages skipped during catch-up (read from JetStream instead).", [[{}, s.catchUpSkipped]]);
  metric("local_received_messages_total", "counter", "Messages received from the local relay.", [[{}, s.local.received]]);
  metric("local_relay_reconnects_total", "counter", "Reconnections to the local relay.", [[{}, s.local.relayReconnects]]);
  return e;
}
