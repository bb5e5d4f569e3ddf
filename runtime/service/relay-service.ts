/**
 * The relay of one domain as a supervised service.
 *
 * @module
 */

import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import { renderPrometheus } from "../../relay/metrics.ts";
import { startRelayServer } from "../../relay/server.ts";
import type { AppConfig } from "../config/schema.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** Starts the relay of `domain` on its Unix socket with the config's tuning. */
export async function startRelayService(ctx: ServiceContext, domain: RelayDomain, config: AppConfig): Promise<RunningService> {
  const server = await startRelayServer({
    domain,
    socketPath: ctx.relaySocket(domain),
    verifyChecksum: config.relays.verifyChecksum,
    subscriberQueueBytes: config.relays.subscriberQueueBytes,
    ringBytesPerSource: config.relays.ringBytesPerSource,
    overflowDisconnectMs: config.relays.overflowDisconnectMs,
    logger: ctx.log,
  });
  const m = server.relay.metrics;
  return {
    status() {
      const s = m.snapshot();
      const dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
      const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
      return {
        state: ServiceState.Running, connections: s.connections, processed: BigInt(s.messagesIn), dropped: BigInt(dropped),
        errors: BigInt(errors), p50Micros: s.forwardLatency.p50Micros, p99Micros: s.forwardLatency.p99Micros, lastSequence: 0n,
      };
    },
    metricsText: () => renderPrometheus(m.snapshot()),
    control: { metrics: async () => m.snapshot() },
    stop: () => server.close(),
  };
}
