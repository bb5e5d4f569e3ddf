/**
 * One process of the cross-relay benchmark (`ap bench nats`), started by `bench/nats-bridge.ts`:
 *
 * - `relay SOCKET JSON` — a market-data relay on SOCKET, plus, per JSON:
 *   `{"nats":{url,prefix,batchBytes}}` its NATS bridge (as the relay service runs it);
 *   `{"tlsListen":{port,cert,key,token}}` a TCP+TLS listener (the remote-style relay);
 *   `{"forward":{port,ca,token}}` a direct link: a subscriber on this relay publishing everything to the
 *   relay at 127.0.0.1:port over TLS 1.3 (the alternative to the bridge).
 *   Prints `{"ready":true}`; on `stop` (stdin) prints `{"stats":…}` and exits.
 * - `sub SOCKET MODE` — a subscriber (MODE `count` or `latency`); prints `{"ready":true}`, `{"count":n}`
 *   every 200 ms, and its result on `stop`.
 * - `pub SOCKET MODE SECONDS RATE` — a publisher of 74-byte Trades (`count`: flat out; `latency`: RATE
 *   msgs/s, header timestamp = CLOCK_MONOTONIC); prints its result and exits.
 *
 * @module
 */

import fs from "node:fs";
import process from "node:process";
import readline from "node:readline";
import { NatsBridge } from "../bridge/bridge.ts";
import { AssetType, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, TlvType, Venue } from "../protocol/mod.ts";
import { RelayClient } from "../relay/client/client.ts";
import { firstTlvType, Role } from "../relay/wire/control.ts";
import { silentLogger } from "../core/log.ts";
import { startRelayServer } from "../relay/server/server.ts";
import { monotonicClock } from "./clock.ts";
import { emit, emitAndExit } from "./worker-io.ts";
import { installRuntimePlatform } from "../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

const [role, target, arg3, secondsText, rateText] = process.argv.slice(2);
const clock = monotonicClock();
const ASSET = pairAssetId("BTC", "USD");



function onStop(handler: () => void | Promise<void>): void {
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() === "stop") void handler();
  });
}

const yieldMacrotask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

interface RelaySpec {
  nats?: { url: string; prefix: string; batchBytes: number };
  tlsListen?: { port: number; cert: string; key: string; token: string };
  forward?: { port: number; ca: string; token: string };
}

async function relayRole(socket: string, spec: RelaySpec): Promise<void> {
  const t = spec.tlsListen;
  const server = await startRelayServer({
    domain: RelayDomain.MarketData, socketPath: socket, logger: silentLogger,
    ...(t ? { token: t.token, tcp: { host: "127.0.0.1", port: t.port, tls: { cert: fs.readFileSync(t.cert, "utf8"), key: fs.readFileSync(t.key, "utf8") } } } : {}),
  });
  let bridge: NatsBridge | undefined;
  let inbound: RelayClient | undefined;
  let outbound: RelayClient | undefined;
  if (spec.nats) {
    bridge = await NatsBridge.start({
      domain: RelayDomain.MarketData, relay: { kind: "unix", path: socket }, nats: { url: spec.nats.url }, subjectPrefix: spec.nats.prefix,
      batchBytes: spec.nats.batchBytes, retention: { maxAgeSeconds: 600, maxBytes: 2 * 1024 * 1024 * 1024 }, logger: silentLogger,
    });
    await bridge.ready(20_000);
  }
  const f = spec.forward;
  if (f) {
    outbound = await RelayClient.connect({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: f.port, tls: { ca: fs.readFileSync(f.ca, "utf8") } }, token: f.token,
      domain: RelayDomain.MarketData, serviceId: 85, role: Role.Publisher, logger: silentLogger, waitForRelay: true,
    });
    inbound = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 86, role: Role.Subscriber, logger: silentLogger,
    });
    const out = outbound;
    inbound.onMessage((bytes, offset, length) => {
      if (firstTlvType(bytes, offset) !== TlvType.Gap) out.publishFrom(bytes, offset, length);
    });
  }
  emit({ ready: true });
  onStop(async () => {
    const stats = {
      relay: server.relay.metrics.snapshot(),
      bridge: bridge?.snapshot(),
      forward: outbound ? { dropped: outbound.stats.droppedOutgoing, published: outbound.stats.published } : undefined,
    };
    emitAndExit({ stats });
  });
}

async function subRole(socket: string, latency: boolean): Promise<void> {
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 62, role: Role.Subscriber, logger: silentLogger,
  });
  let count = 0;
  let first = 0;
  let last = 0;
  let outOfOrder = 0;
  let prev = 0n;
  const latencies: number[] = [];
  client.onMessage((bytes, offset) => {
    if (firstTlvType(bytes, offset) === TlvType.Gap) return;
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    if (latency) latencies.push(Number(clock() - dv.getBigUint64(offset + HeaderOffset.timestamp, true)));
    const seq = dv.getBigUint64(offset + HeaderOffset.sequence, true);
    if (seq !== prev + 1n) outOfOrder++;
    prev = seq;
    const now = performance.now();
    if (count === 0) first = now;
    last = now;
    count++;
  });
  emit({ ready: true });
  const timer = setInterval(() => emit({ count }), 200);
  onStop(() => {
    clearInterval(timer);
    emitAndExit({ result: { count, seconds: (last - first) / 1000, outOfOrder, lost: client.stats.lost, latenciesNs: latency ? latencies : undefined } });
  });
}

async function pubRole(socket: string, latency: boolean, seconds: number, rate: number): Promise<void> {
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger,
  });
  const b = new MessageBuilder(256);
  const build = (i: number): number => {
    b.begin(RelayDomain.MarketData, 1).addTrade(ASSET, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 6_000_000_000_000n, BigInt(i & 0xffff), 0n);
    if (latency) b.dv.setBigUint64(HeaderOffset.timestamp, clock(), true);
    return b.finishLength();
  };
  let sent = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  if (!latency) {
    while (performance.now() < end) {
      for (let i = 0; i < 1024; i++) client.publishFrom(b.bytes, 0, build(sent++));
      if (client.queuedBytes > 2 * 1024 * 1024) await client.flush();
      else await yieldMacrotask();
    }
  } else {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) client.publishFrom(b.bytes, 0, build(sent++));
      client.flushBatch();
      await yieldMacrotask();
    }
  }
  await client.flush();
  emit({ result: { sent, seconds: (performance.now() - start) / 1000, dropped: client.stats.droppedOutgoing } });
  await client.close();
  process.exit(0);
}

switch (role) {
  case "relay": await relayRole(target!, JSON.parse(arg3 ?? "{}") as RelaySpec); break;
  case "sub": await subRole(target!, arg3 === "latency"); break;
  case "pub": await pubRole(target!, arg3 === "latency", Number(secondsText ?? "3"), Number(rateText ?? "10000")); break;
  default:
    process.stderr.write(`nats-bridge-worker: unknown role ${String(role)}\n`);
    process.exit(2);
}
