/**
 * The relay of one domain as a supervised service, with its NATS bridge when `relays.nats.streams`
 * names the domain. While the bridge has no NATS connection (or no JetStream stream) the service reports
 * itself degraded — `/health` shows it — and `alphapulse_nats_*` metrics say why; local traffic goes on.
 * With a bridge the relay answers RetransmitRequests beyond its ring from JetStream.
 *
 * @module
 */

import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import type { NatsBridge } from "../../bridge/bridge.ts";
import { renderPrometheus } from "../../relay/metrics.ts";
import { domainName } from "../../relay/paths.ts";
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
    ringBytesTotal: config.relays.ringBytesTotal,
    overflowDisconnectMs: config.relays.overflowDisconnectMs,
    logger: ctx.log,
  });
  let bridge: NatsBridge | undefined;
  const nats = config.relays.nats;
  const retention = nats?.streams[domainName(domain)];
  if (nats !== undefined && retention !== undefined) {
    try {
      const [{ NatsBridge }, { withNatsEnv }] = await Promise.all([import("../../bridge/bridge.ts"), import("../../bridge/connect.ts")]);
      bridge = await NatsBridge.start({
        domain, relay: { kind: "unix", path: server.socketPath }, retention, bufferBytes: nats.bufferBytes, logger: ctx.log,
        nats: withNatsEnv({ url: nats.url, ...(nats.credsFile !== undefined ? { credsFile: nats.credsFile } : {}), ...(nats.tls ? { tls: nats.tls } : {}) }),
      });
      bridge.serveRetransmits(server.relay); // RetransmitRequests beyond the ring are answered from JetStream
    } catch (e) {
      await server.close();
      throw e;
    }
  }
  const m = server.relay.metrics;
  return {
    status() {
      const s = m.snapshot();
      let dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
      const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
      if (bridge !== undefined) {
        const b = bridge.snapshot();
        dropped += b.out.droppedBuffer + b.out.droppedTooLarge + b.in.lost + b.invalid;
      }
      return {
        state: bridge !== undefined && !bridge.healthy ? ServiceState.Degraded : ServiceState.Running,
        connections: s.connections, processed: BigInt(s.messagesIn), dropped: BigInt(dropped),
        errors: BigInt(errors), p50Micros: s.forwardLatency.p50Micros, p99Micros: s.forwardLatency.p99Micros, lastSequence: 0n,
      };
    },
    metricsText: () => renderPrometheus(m.snapshot()) + (bridge?.metricsText() ?? ""),
    control: {
      metrics: async () => m.snapshot(),
      nats: async () => bridge?.snapshot() ?? { enabled: false },
    },
    stop: async () => {
      await bridge?.close();
      await server.close();
    },
  };
}
