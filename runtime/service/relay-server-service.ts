/**
 * The relay of one domain as a supervised service, with its NATS bridge when `relays.nats.streams`
 * names the domain. While the bridge has no NATS connection (or no JetStream stream) the service reports
 * itself degraded — `/health` shows it — and `alphapulse_nats_*` metrics say why; local traffic goes on.
 * With a bridge the relay answers RetransmitRequests beyond its ring from JetStream.
 *
 * With the run's identities (ServiceContext.identity) the relay requires every Hello to prove its
 * service id; for {@link REFUSAL_ALERT_MS} after it refused a Hello or a message (a forged one, a
 * sequence jump) it reports itself degraded, so `/health` shows it, and counts it in `errors`/`dropped`.
 *
 * @module
 */

import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import type { NatsBridge } from "../../bridge/bridge.ts";
import { MetricsRegistry } from "../../core/metrics/mod.ts";
import { relayExposition } from "../../relay/server/metrics.ts";
import { domainName } from "../../relay/wire/socket-paths.ts";
import { startRelayServer } from "../../relay/server/server.ts";
import type { AppConfig } from "../config/schema.ts";
import type { RunningService, ServiceContext } from "./types.ts";

/** Milliseconds the relay reports itself degraded after it refused a Hello or a message (forgery alert). */
export const REFUSAL_ALERT_MS = 60_000;

function refusedRecently(lastAt: number): boolean {
  return lastAt !== 0 && performance.now() - lastAt < REFUSAL_ALERT_MS;
}

/** Starts the relay of `domain` on its Unix socket with the config's tuning. */
export async function startRelayService(ctx: ServiceContext, domain: RelayDomain, config: AppConfig): Promise<RunningService> {
  const server = await startRelayServer({
    domain,
    socketPath: ctx.relaySocket(domain),
    localEndpoints: ctx.relayEndpoints?.extraListen(domain) ?? [],
    verifyChecksum: config.relays.verifyChecksum,
    subscriberQueueBytes: config.relays.subscriberQueueBytes,
    ringBytesPerSource: config.relays.ringBytesPerSource,
    ringBytesTotal: config.relays.ringBytesTotal,
    overflowDisconnectMs: config.relays.overflowDisconnectMs,
    sequenceJumpWindow: config.relays.sequenceJumpWindow,
    partialDeadlineMs: config.relays.partialDeadlineMs,
    connectionBufferBytes: config.relays.connectionBufferBytes,
    partialBytesTotal: config.relays.partialBytesTotal,
    ...(ctx.identity?.relayKey !== undefined ? { identityKey: ctx.identity.relayKey } : {}),
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
  const prometheus = new MetricsRegistry();
  prometheus.register((e) => {
    const s = m.snapshot();
    relayExposition(s, undefined, e.withLabels({ domain: s.domain }));
  });
  if (bridge !== undefined) prometheus.register((e) => bridge.addMetrics(e));
  return {
    status() {
      const s = m.snapshot();
      let dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
      const d = s.disconnects;
      const errors = Object.values(s.errors).reduce((a, b) => a + b, 0) + d.auth + d.partialTimeout + d.bufferCap + d.partialBudget;
      const alerting = refusedRecently(server.relay.refusals.lastAt);
      if (bridge !== undefined) {
        const b = bridge.snapshot();
        dropped += b.out.droppedBuffer + b.out.droppedTooLarge + b.in.lost + b.invalid;
      }
      return {
        state: alerting || (bridge !== undefined && !bridge.healthy) ? ServiceState.Degraded : ServiceState.Running,
        connections: s.connections, processed: BigInt(s.messagesIn), dropped: BigInt(dropped),
        errors: BigInt(errors), p50Micros: s.forwardLatency.p50Micros, p99Micros: s.forwardLatency.p99Micros, lastSequence: 0n,
      };
    },
    metricsText: () => prometheus.render(),
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
