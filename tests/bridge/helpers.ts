/**
 * Shared helpers of the NATS bridge tests: a local nats-server (or a printed reason to skip), two
 * relays on their own sockets, bridges with a silent logger and a per-test subject prefix, and checks
 * on received sequences.
 */

import path from "node:path";
import process from "node:process";
import { NatsBridge, type NatsBridgeOptions } from "../../bridge/bridge.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { createLogger, silentLogger } from "../../core/log.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { startNatsServer, type LocalNatsServer } from "../../bench/nats-bridge-server.ts";
import { headerOf, startTestRelay } from "../relay/helpers.ts";

/** Starts nats-server, or prints why the NATS tests are skipped and resolves undefined. */
export async function natsOrSkip(file: string): Promise<LocalNatsServer | undefined> {
  const nats = await startNatsServer();
  if (nats === undefined) {
    process.stdout.write(`${file}: SKIPPED — nats-server is not installed (apt-get install -y nats-server)\n`);
  }
  return nats;
}

let prefixCounter = 0;

/** A subject prefix of its own for one test (streams and subjects never collide between tests). */
export function uniquePrefix(): string {
  return `t${process.pid}x${++prefixCounter}`;
}

/** Starts a relay with a socket `name`.sock in `dir`. */
export function relayAt(dir: string, name: string, extra: Parameters<typeof startTestRelay>[1] = {}): Promise<RelayServer> {
  return startTestRelay(dir, { socketPath: path.join(dir, `${name}.sock`), ...extra });
}

/** Starts a bridge of the market-data relay at `socketPath` to `natsUrl`, silent, and waits until it is ready. */
export async function bridgeOf(socketPath: string, natsUrl: string, prefix: string, extra: Partial<NatsBridgeOptions> = {}): Promise<NatsBridge> {
  const b = await NatsBridge.start({
    domain: RelayDomain.MarketData,
    relay: { kind: "unix", path: socketPath },
    nats: { url: natsUrl, reconnect: { initialMs: 50, maxMs: 300 } },
    retention: { maxAgeSeconds: 600, maxBytes: 256 * 1024 * 1024 },
    subjectPrefix: prefix,
    logger: process.env.AP_TEST_LOG ? createLogger(`bridge.${path.basename(socketPath)}`) : silentLogger,
    ...extra,
  });
  await b.ready();
  return b;
}

/** Sequences of `source` in the received messages, in arrival order. */
export function sequencesOf(messages: Uint8Array[], source: number): bigint[] {
  return messages.filter((m) => m[32] !== 85 && headerOf(m).source === source).map((m) => headerOf(m).sequence);
}

/** `[from, …, to]` as bigints. */
export function range(from: number, to: number): bigint[] {
  const out: bigint[] = [];
  for (let i = from; i <= to; i++) out.push(BigInt(i));
  return out;
}
