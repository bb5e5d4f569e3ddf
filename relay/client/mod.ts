/**
 * The relay client: what a service links to publish to and subscribe from a domain relay. It speaks the
 * relay protocol of `relay/wire/` over a connection; sequencing, gap recovery, refusal notices and
 * batching are its own (see client.ts).
 *
 * @example
 * ```ts
 * import { RelayClient, Role } from "./relay/client/mod.ts";
 * import { MessageView, RelayDomain, TlvType } from "./protocol/mod.ts";
 *
 * const client = await RelayClient.connect({
 *   endpoint: { kind: "unix", path: "/tmp/alphapulse-demo/market-data.sock" },
 *   domain: RelayDomain.MarketData, serviceId: 60, role: Role.Subscriber, types: [TlvType.Trade],
 * });
 * const view = new MessageView();
 * client.onMessage((bytes, offset) => {
 *   if (view.wrap(bytes, offset).findTlv(TlvType.Trade)) console.log("trade from source", view.source);
 * });
 * // … later
 * await client.close();
 * ```
 * @module
 */

export {
  RelayClient, type ClientMessageHandler, type RelayClientOptions, type RelayClientStats,
} from "./client.ts";
export { type RefusalCounts, type RefusalListener, type RefusedCounts } from "./refusals.ts";
export { Role } from "../wire/control.ts";
