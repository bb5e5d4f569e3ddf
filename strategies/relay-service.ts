/**
 * Strategies and engines over real relays: input relay connections (e.g. market data, or the execution
 * relay) feed one {@link MessageRunner}; everything the engine publishes goes to the output relay. An
 * input on the same endpoint and domain as the output shares its connection (role both; relays do not
 * echo a connection's own messages back to it).
 *
 * Delivery is zero-copy through the client's message callback; the run ends when `signal` aborts, and
 * every connection is closed before the returned promise resolves with the counters.
 *
 * @example
 * ```ts
 * const stats = await runStrategyOverRelays(strategy, {
 *   serviceId: 21,
 *   inputs: [{ endpoint: { kind: "unix", path: "/run/ap/market-data.sock" }, domain: RelayDomain.MarketData, types: [TlvType.Trade] }],
 *   output: { endpoint: { kind: "unix", path: "/run/ap/signal.sock" }, domain: RelayDomain.Signal },
 *   signal: controller.signal,
 * });
 * ```
 * @module
 */

import type { MessageView } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client.ts";
import { Role } from "../relay/control.ts";
import type { Logger } from "../relay/log.ts";
import type { Endpoint, Transport } from "../relay/transport/types.ts";
import type { TradingStrategy } from "./contract.ts";
import { MessageRunner, type RunnerStats } from "./runner.ts";
import type { MessageEngine } from "./service.ts";

/** One relay connection: where and which domain (types: a TLV filter for inputs). */
export interface RelayLink {
  endpoint: Endpoint;
  domain: number;
  /** Hello token (required on TCP listeners). */
  token?: string;
  /** TLV types to receive (inputs only; all types of the domain when absent). */
  types?: readonly number[];
}

/** Options of {@link runEngineOverRelays}. */
export interface RelayServiceOptions {
  /** Hello serviceId of every connection. */
  serviceId: number;
  inputs: readonly RelayLink[];
  output: RelayLink;
  /** Ends the run. */
  signal: AbortSignal;
  /** Verify message checksums again (default false: the relays verified them). */
  verifyChecksum?: boolean;
  /** Keep retrying first connections until the relays are up (default true). */
  waitForRelay?: boolean;
  transport?: Transport;
  logger?: Logger;
  /** Called every `statsEveryMs` with the counters (default 5 s). */
  onStats?: (stats: RunnerStats) => void;
  statsEveryMs?: number;
}

function sameLink(a: RelayLink, b: RelayLink): boolean {
  if (a.domain !== b.domain || a.endpoint.kind !== b.endpoint.kind) return false;
  if (a.endpoint.kind === "unix" && b.endpoint.kind === "unix") return a.endpoint.path === b.endpoint.path;
  return a.endpoint.kind === "tcp" && b.endpoint.kind === "tcp" && a.endpoint.host === b.endpoint.host && a.endpoint.port === b.endpoint.port;
}

/** Runs a message engine between relays until `signal` aborts; resolves with its counters. */
export async function runEngineOverRelays(engine: MessageEngine, options: RelayServiceOptions): Promise<RunnerStats> {
  // Relays verify checksums on the way in (and the client delivers only whole messages); the structure
  // is still checked here.
  const runner = new MessageRunner((view: MessageView) => engine.onMessage(view), { verifyChecksum: options.verifyChecksum ?? false });
  const clients: RelayClient[] = [];
  const connect = (link: RelayLink, role: number, types?: readonly number[]): Promise<RelayClient> =>
    RelayClient.connect({
      endpoint: link.endpoint, domain: link.domain, serviceId: options.serviceId, role, token: link.token, types,
      waitForRelay: options.waitForRelay ?? true, transport: options.transport, logger: options.logger,
    });
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    const shared = options.inputs.find((l) => sameLink(l, options.output));
    const output = await connect(options.output, shared ? Role.Both : Role.Publisher, shared?.types);
    clients.push(output);
    engine.connect(output);
    if (shared) output.onMessage((bytes, offset) => runner.handle(bytes, offset));
    for (const link of options.inputs) {
      if (link === shared) continue;
      const c = await connect(link, Role.Subscriber, link.types);
      clients.push(c);
      c.onMessage((bytes, offset) => runner.handle(bytes, offset));
    }
    if (options.onStats !== undefined) timer = setInterval(() => options.onStats!(runner.stats), options.statsEveryMs ?? 5000);
    if (!options.signal.aborted) await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await Promise.all(clients.map((c) => c.close()));
  }
  options.onStats?.(runner.stats);
  return runner.stats;
}

/** Runs a strategy between relays (market data in, signals out) until `signal` aborts. */
export function runStrategyOverRelays(strategy: TradingStrategy, options: RelayServiceOptions): Promise<RunnerStats> {
  return runEngineOverRelays({ connect: (sink) => strategy.connect(sink), onMessage: (view) => strategy.onMarketData(view) }, options);
}
