/**
 * The domain relay server: {@link startRelayServer} listens on a Unix socket (and optionally TCP/TLS)
 * and runs a {@link Relay}, which checks every message, tracks each source's sequence, keeps recent
 * messages for retransmission and forwards the received bytes to the subscribers that want them.
 *
 * @example
 * ```ts
 * import { startRelayServer } from "./relay/server/mod.ts";
 * import { RelayClient, Role } from "./relay/client/mod.ts";
 * import { AssetType, MessageBuilder, pairAssetId, RelayDomain, Side, Venue } from "./protocol/mod.ts";
 *
 * const server = await startRelayServer({ domain: RelayDomain.MarketData, socketPath: "/tmp/ap-demo/md.sock" });
 * const endpoint = { kind: "unix", path: server.socketPath } as const;
 * const sub = await RelayClient.connect({ endpoint, domain: RelayDomain.MarketData, serviceId: 60, role: Role.Subscriber });
 * sub.onMessage((bytes, offset, length) => console.log(`got ${length} bytes`));
 * const pub = await RelayClient.connect({ endpoint, domain: RelayDomain.MarketData, serviceId: 3, role: Role.Publisher });
 * const b = new MessageBuilder(256);
 * pub.publish(b.begin(RelayDomain.MarketData, 3)
 *   .addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, 1_000_000n, 0n)
 *   .finish());
 * await pub.close();
 * await sub.close();
 * await server.close();
 * ```
 * @module
 */

export {
  isLoopbackHost, RelayConfigError, startRelayServer, type RelayServer, type RelayServerOptions, type TcpListenOptions,
} from "./server.ts";
export { Relay } from "./relay.ts";
export { DEFAULT_SEQUENCE_JUMP_WINDOW, type AttachOptions, type RelayOptions } from "./relay-options.ts";
export {
  DisconnectReason, DropReason, RelayMetrics, relayExposition, renderPrometheus, type LatencySnapshot, type RelayMetricsSnapshot,
} from "./metrics.ts";
export {
  RetransmitFallback, type FallbackRequest, type RetransmitSource, type RetransmitFallbackOptions, type RetransmitFallbackStats,
  type RunAnchor,
} from "./retransmit-source.ts";
