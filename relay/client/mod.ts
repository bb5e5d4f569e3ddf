/**
 * The relay client (`@alphapulse/client`): connect to a domain relay of a running system, subscribe to
 * typed zero-copy messages, publish. {@link connect} is the API for people (names for domains and types,
 * the system found the way `ap start` placed it); {@link RelayClient} is what services link (numbers,
 * callbacks, batching, gap recovery — see client.ts).
 *
 * This module is an entry point: {@link connect} uses the installed platform's transport when the
 * process has one (inside AlphaPulse), else Deno's sockets on Deno and `node:net` on Node.
 *
 * @example
 * ```ts
 * import { connect } from "@alphapulse/client"; // or "./relay/client/mod.ts"
 *
 * const md = await connect("market-data");     // also: { runtimeDir, url, token }
 * for await (const msg of md.subscribe({ types: ["Trade"] })) {
 *   const trade = msg.tlv();                    // TradeTlv
 *   console.log(msg.source, trade.price, JSON.stringify(msg)); // PROTOCOL §7 JSON
 * }
 * const signals = await connect("signal");
 * signals.publish({ name: "MomentumSignal", instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Spot" },
 *   direction: 1, windowSeconds: 60, momentumBps: 42, referencePrice: 6_000_000_000_000n });
 * await signals.close();
 * ```
 * @module
 */

import { installedPlatform } from "../../core/platform.ts";
import type { Transport } from "../transport/types.ts";
import { TRANSPORT } from "../transport/types.ts";
import { type AlphaPulseClient, type ConnectOptions, connectWith } from "./connect.ts";
import type { DomainLike } from "./names.ts";

/** This runtime's socket transport: the installed platform's, else Deno's own sockets or `node:net`. */
async function runtimeTransport(): Promise<Transport> {
  const p = installedPlatform();
  if (p) return p.load(TRANSPORT);
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") return (await import("../transport/deno.ts")).denoTransport;
  return (await import("../transport/node.ts")).nodeTransport;
}

/**
 * Connects to the `domain` relay (`"market-data"`, `"signal"`, `"execution"`, `"system"`, or 1–4) of a
 * running system: `url`, else `runtimeDir`, else `ALPHAPULSE_RUNTIME_DIR`, else the per-user default
 * directory; the Hello token is `token`, else the system's tools token. Throws a `ClientError`
 * (`Unreachable`) when no relay answers.
 */
export function connect(domain: DomainLike, options: ConnectOptions = {}): Promise<AlphaPulseClient> {
  return connectWith(runtimeTransport, domain, options);
}

export {
  AlphaPulseClient, type ConnectOptions, endpointOf, type FieldInput, type InstrumentInput, type MessageInput, type PublishReport, RUNTIME_DIR_ENV, type SubscribeOptions,
  Subscription, type TlvInput, type TlvInputOf,
} from "./connect.ts";
export { ClientError, ClientErrorKind, type DomainLike, type RoleName, type TlvName, toDomain, toRole, toTlvType } from "./names.ts";
export { type MessageJson, ReceivedMessage } from "./received.ts";
export {
  RelayClient, type ClientMessageHandler, type RelayClientOptions, type RelayClientStats,
} from "./client.ts";
export { type RefusalCounts, type RefusalListener, type RefusedCounts } from "./refusals.ts";
export { Role } from "../wire/control.ts";
export { DOMAIN_NAMES, type DomainName, relaySocketPath } from "../wire/socket-paths.ts";
