/**
 * The stages of the end-to-end benchmark as functions over any relay endpoint, for the deployments that
 * keep them in one process: `inline` (every stage in this thread, over `inproc` endpoints) and `threads`
 * (each stage a worker thread, `e2e-thread.ts`, over `ring` endpoints). The stages do exactly what the
 * process roles of `e2e-worker.ts` do — the real momentum strategy on every Trade plus one tagging signal
 * per Trade carrying its header timestamp, a consumer timing each tagging signal into an HDR histogram,
 * a publisher building Trades as an adapter does — so the deployments compare like for like.
 *
 * @module
 */

import process from "node:process";
import * as hdr from "hdr-histogram-js";
import { ChunkViews, HeaderOffset, MessageBuilder, MessageView, RelayDomain, TlvType } from "../protocol/mod.ts";
import { platform } from "../core/platform.ts";
import { silentLogger } from "../core/log.ts";
import { RelayClient } from "../relay/client/client.ts";
import { Relay } from "../relay/server/relay.ts";
import { TRANSPORT, type Endpoint } from "../relay/transport/types.ts";
import { Role } from "../relay/wire/control.ts";
import { monotonicClock } from "./clock.ts";
import { BenchTrades, ChunkClock, createBenchStrategy, latencyNs, writeTagSignal } from "./e2e-messages.ts";

/** Header source of the per-message tagging signals (as in `e2e-worker.ts`). */
export const TAG_SOURCE = 39;

/** Ring names of the two relays. */
export const E2E_RINGS = { md: "e2e-md", sig: "e2e-sig" } as const;

/** The first message an e2e benchmark thread gets. */
export interface E2eThreadRole {
  readonly role: "relay" | "strategy" | "consumer" | "pub";
  readonly domain?: number;
  readonly name?: string;
  readonly md?: MessagePort;
  readonly sig?: MessagePort;
  readonly seconds?: number;
  readonly rate?: number;
  readonly source?: number;
  /** How the publisher waits between paced messages (default `sleep`: it has a thread of its own). */
  readonly wait?: PaceWait;
}

const clock = monotonicClock();
const yieldMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** A relay listening on `endpoint`. */
export async function startStageRelay(domain: RelayDomain, endpoint: Endpoint): Promise<{ metrics(): Record<string, unknown>; close(): Promise<void> }> {
  const relay = new Relay({ domain, logger: silentLogger });
  const transport = await platform().load(TRANSPORT);
  const listener = await transport.listen(endpoint, (conn) => relay.attach(conn, { requireToken: false }));
  return {
    metrics() {
      const m = relay.metrics.snapshot();
      return { messagesIn: m.messagesIn, messagesOut: m.messagesOut, drops: m.drops, disconnects: m.disconnects, gapsSent: m.gapsSent };
    },
    async close() {
      await listener.close();
      relay.close();
    },
  };
}

/** The strategy stage's counters. */
export interface StrategyCounts {
  handled: number;
  strategySignals: number;
  lost: number;
  outDropped: number;
}

/** The strategy stage: market data in, momentum signals and one tagging signal per Trade out. */
export async function startStageStrategy(md: Endpoint, sig: Endpoint): Promise<{ counts(): StrategyCounts; stop(): Promise<StrategyCounts> }> {
  const strategy = await createBenchStrategy(process.env.AP_E2E_WARM_UP !== "0");
  const out = await RelayClient.connect({ endpoint: sig, domain: RelayDomain.Signal, serviceId: 21, role: Role.Publisher, logger: silentLogger, waitForRelay: true });
  strategy.connect(out);
  const view = new MessageView();
  const b = new MessageBuilder(256);
  let handled = 0;
  let strategySignals = 0;
  const input = await RelayClient.connect({
    endpoint: md, domain: RelayDomain.MarketData, serviceId: 21, role: Role.Subscriber, types: [TlvType.Trade], logger: silentLogger, waitForRelay: true,
  });
  input.onMessage((bytes, offset) => {
    view.wrap(bytes, offset);
    if (!view.firstTlv() || view.tlvType !== TlvType.Trade) return;
    strategySignals += strategy.onMarketData(view);
    out.publishFrom(b.bytes, 0, writeTagSignal(b, TAG_SOURCE, view, ++handled));
  });
  const counts = (): StrategyCounts => ({ handled, strategySignals, lost: input.stats.lost, outDropped: out.stats.droppedOutgoing });
  return {
    counts,
    async stop() {
      await out.flush();
      const c = counts();
      await input.close();
      await out.close();
      return c;
    },
  };
}

/** What the consumer saw since its last reset. */
export interface ConsumerReport {
  count: number;
  strategySignals: number;
  seconds: number;
  lost: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

/** The consumer stage: times each tagging signal from its Trade's build to its arrival. */
export async function startStageConsumer(sig: Endpoint): Promise<{ reset(): void; report(): ConsumerReport; close(): Promise<void> }> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
  let count = 0;
  let strategySignals = 0;
  let first = 0;
  let last = 0;
  const client = await RelayClient.connect({ endpoint: sig, domain: RelayDomain.Signal, serviceId: 70, role: Role.Subscriber, logger: silentLogger, waitForRelay: true });
  const chunk = new ChunkViews();
  // The receive time is read once per delivered chunk, as the process deployment's consumer does.
  const chunkClock = new ChunkClock(clock);
  client.onMessage((bytes, offset) => {
    const now = chunkClock.receive();
    const { dv, base: chunkBase } = chunk.of(bytes);
    const base = chunkBase + offset;
    if (dv.getUint16(base + HeaderOffset.source, true) !== TAG_SOURCE) {
      strategySignals++;
      return;
    }
    hist.recordValue(Math.max(1, latencyNs(now, dv, base + HeaderOffset.timestamp)));
    if (count === 0) first = chunkClock.ms;
    last = chunkClock.ms;
    count++;
  });
  return {
    reset() {
      hist.reset();
      count = 0;
      strategySignals = 0;
    },
    report: () => ({
      count, strategySignals, seconds: (last - first) / 1000, lost: client.stats.lost,
      p50Ns: hist.getValueAtPercentile(50), p99Ns: hist.getValueAtPercentile(99), p999Ns: hist.getValueAtPercentile(99.9), maxNs: hist.maxValue,
    }),
    close: () => client.close(),
  };
}

/** What one publishing run did. */
export interface PublishResult {
  sent: number;
  seconds: number;
  dropped: number;
}

/**
 * How a paced publisher waits for its next message's due time: `yield` gives the event loop a turn
 * (`setImmediate`) after each send (the only way when the other stages share this thread; see
 * {@link ONE_BY_ONE_MAX_RATE}), `sleep` blocks its own thread
 * in `Atomics.wait` until the due time (a publisher thread of its own: spinning there held one of the
 * machine's cores away from the stages it feeds).
 */
export type PaceWait = "yield" | "sleep";

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Longest a paced publisher sleeps in one go before it gives the event loop another turn. */
const SLEEP_MAX_MS = 1;

/** Blocks this thread for `ms` (at most {@link SLEEP_MAX_MS}); nothing when `ms` is not positive. */
function sleepUpTo(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, Math.min(ms, SLEEP_MAX_MS));
}

/**
 * Up to this rate a `yield` publisher sends one message per event-loop turn and sleeps until the next is
 * due (further behind than {@link PACE_BURST} messages it sends everything due at once); above it, it
 * sends everything due each turn and turns the event loop without sleeping (one message per turn costs
 * the pipeline its batching: at 100 k msgs/s it fell ever further behind).
 */
const ONE_BY_ONE_MAX_RATE = 20_000;
const PACE_BURST = 64;

/** The publisher stage: Trades as an adapter builds them, as fast as taken (`rate` 0) or paced. */
export async function runStagePublisher(md: Endpoint, seconds: number, rate: number, source: number, wait: PaceWait = "yield"): Promise<PublishResult> {
  const client = await RelayClient.connect({ endpoint: md, domain: RelayDomain.MarketData, serviceId: 1, role: Role.Publisher, logger: silentLogger });
  const trades = new BenchTrades(client, source, clock);
  const start = performance.now();
  const end = start + seconds * 1000;
  if (rate <= 0) {
    while (performance.now() < end) {
      trades.stamp();
      for (let i = 0; i < 512; i++) trades.next();
      if (client.queuedBytes > 1024 * 1024) await client.flush();
      else await yieldMacrotask();
    }
  } else {
    let turned = performance.now();
    while (performance.now() < end) {
      const now = performance.now();
      const due = Math.floor(((now - start) / 1000) * rate);
      if (wait === "yield" && rate <= ONE_BY_ONE_MAX_RATE) {
        // Sharing the thread with the stages: each message goes out alone and the pipeline carries it
        // to the consumer (microtasks) before the next is built, so a message's time never includes
        // building or handling the ones after it. Between messages the thread sleeps until the next
        // is due: spinning through a promise and an immediate per turn allocated ~15 scavenges a
        // second with nothing to send, and messages in flight paid for them.
        if (trades.sent < due) {
          const upTo = due - trades.sent > PACE_BURST ? due : trades.sent + 1;
          trades.stamp();
          while (trades.sent < upTo) trades.next();
          client.flushBatch();
          await yieldMacrotask();
          continue;
        }
        await yieldMacrotask();
        sleepUpTo(Math.min(start + ((trades.sent + 1) * 1000) / rate, end) - performance.now());
        continue;
      }
      trades.stamp();
      while (trades.sent < due) trades.next();
      client.flushBatch();
      if (wait === "yield" || client.queuedBytes > 0 || now - turned > 1) {
        // Writes waiting for ring space, and the loop's own tasks, need a turn of the event loop.
        turned = now;
        await yieldMacrotask();
        continue;
      }
      await null; // the client's microtasks (drain)
      sleepUpTo(start + ((trades.sent + 1) * 1000) / rate - performance.now());
    }
  }
  await client.flush();
  const r = { sent: trades.sent, seconds: (performance.now() - start) / 1000, dropped: client.stats.droppedOutgoing };
  await client.close();
  return r;
}
