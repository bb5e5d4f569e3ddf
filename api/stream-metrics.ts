/**
 * The `/stream` hub's collector for the API process's metrics registry: clients, upstreams, messages sent and
 * dropped, refusals.
 *
 * @module
 */

import type { Exposition } from "../core/metrics/mod.ts";
import type { StreamHub } from "./stream-hub.ts";

/** Adds the hub's figures (`alphapulse_api_stream_*`) to `e`. */
export function addStreamMetrics(e: Exposition, hub: StreamHub): void {
  const c = hub.counters;
  const rows: [string, string, string, number][] = [
    ["clients", "gauge", "Open /stream WebSocket clients (and those being opened).", hub.clientCount],
    ["clients_max", "gauge", "Most /stream clients allowed at once.", hub.maxClients],
    ["upstreams", "gauge", "Relay subscriptions open for /stream (one per domain in use).", hub.upstreamCount],
    ["received_total", "counter", "Messages received from the relays for /stream.", c.received],
    ["encoded_total", "counter", "Messages encoded to JSON (once per message, whatever the number of clients).", c.encoded],
    ["sent_total", "counter", "Frames sent to /stream clients.", c.sent],
    ["dropped_total", "counter", "Frames dropped for /stream clients over their queue bound (per client: GET /stream/clients).", c.dropped],
    ["refused_total", "counter", "/stream requests refused at the client cap.", c.refused],
    ["upstream_failures_total", "counter", "/stream upstreams that could not be opened (answered 502).", c.upstreamFailures],
    ["send_errors_total", "counter", "Sends to /stream clients that failed.", c.sendErrors],
  ];
  for (const [name, type, help, value] of rows) {
    if (type === "counter") e.counter(`alphapulse_api_stream_${name}`, help, value);
    else e.gauge(`alphapulse_api_stream_${name}`, help, value);
  }
}
