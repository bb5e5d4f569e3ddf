/**
 * The end-to-end benchmark in the deployments that keep every stage in this process (`ap bench e2e
 * --deployment threads,inline`): the same stages as the process deployment (`e2e-roles.ts`), the same
 * phases (warm-up at 20 k msgs/s and at the maximum rate, maximum rate, paced 10 k and 100 k msgs/s), the
 * same accounting.
 *
 * - `inline`: publisher, both relays, strategy and consumer in this thread over `inproc` endpoints
 *   (relay/transport/inproc.ts) — what `ap start --inline` runs.
 * - `threads`: each stage a worker thread (`e2e-thread.ts`) over shared-memory rings — what the threads
 *   deployment runs.
 *
 * CPU per delivered message is this process's (every thread's) CPU time over the maximum-rate phase.
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { RelayDomain } from "../protocol/mod.ts";
import type { Endpoint } from "../relay/transport/types.ts";
import {
  E2E_RINGS, runStagePublisher, startStageConsumer, startStageRelay, startStageStrategy, type ConsumerReport, type E2eThreadRole, type PublishResult, type StrategyCounts,
} from "./e2e-roles.ts";
import { measureRingFloor, type RingFloor } from "./e2e-ring-floor.ts";
import { startThread, type Thread } from "./relay-threads.ts";
import { DEFAULT_LATENCY_ROUNDS, measureRounds, type PacedRate } from "./paced-rounds.ts";

/** The deployments `e2e-local.ts` runs. */
export type LocalDeployment = "threads" | "inline";

/** Latency at one paced rate. */
export type LocalRate = PacedRate;

/** What one deployment measured. */
export interface LocalE2eResult {
  deployment: LocalDeployment;
  throughputMsgsPerSec: number;
  throughputPublished: number;
  throughputDelivered: number;
  /** Latency at 10 k msgs/s (the headline). */
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  rates: Record<string, LocalRate>;
  /**
   * Whole run: every published Trade was handled by the strategy or dropped and counted (by the publisher's
   * client, or by the market-data relay shedding a slow subscriber's oldest messages with a Gap), and
   * nothing went missing uncounted on the way to the consumer.
   */
  allAccounted: boolean;
  /** Messages the relays dropped and counted (slow consumer and every other reason), per relay. */
  relayDropped: Record<string, number>;
  totalPublished: number;
  strategyHandled: number;
  strategySignals: number;
  strategyOutDropped: number;
  strategyInputLost: number;
  publisherDropped: number;
  consumerLost: number;
  relays: Record<string, Record<string, unknown>>;
  /**
   * Threads only: the bare ring floor at 10 k msgs/s (`e2e-ring-floor.ts`: a paced source and four hops
   * of threads parked on plain rings, no protocol work), measured right after the 10 k msgs/s phase.
   */
  ringFloorP50Micros?: number;
  ringFloorP99Micros?: number;
  /** CPU µs (all threads of this process) per message delivered in the maximum-rate phase, and cores × 1e6 ÷ that. */
  cpuMicrosPerDelivered: number;
  machineBoundMsgsPerSec: number;
}

/** The stages of one deployment, driven the same way whatever runs them. */
interface Pipeline {
  reset(): Promise<void>;
  publish(seconds: number, rate: number, source: number): Promise<PublishResult>;
  report(): Promise<ConsumerReport>;
  finish(): Promise<{ strategy: StrategyCounts; relays: Record<string, Record<string, unknown>> }>;
  close(): Promise<void>;
}

let inlineRuns = 0;

async function inlinePipeline(): Promise<Pipeline> {
  const n = inlineRuns++;
  const md: Endpoint = { kind: "inproc", name: `bench-e2e-md-${n}` };
  const sig: Endpoint = { kind: "inproc", name: `bench-e2e-sig-${n}` };
  const mdRelay = await startStageRelay(RelayDomain.MarketData, md);
  const sigRelay = await startStageRelay(RelayDomain.Signal, sig);
  const consumer = await startStageConsumer(sig);
  const strategy = await startStageStrategy(md, sig);
  let strategyCounts: StrategyCounts | undefined;
  return {
    reset: () => Promise.resolve(consumer.reset()),
    publish: (seconds, rate, source) => runStagePublisher(md, seconds, rate, source),
    report: () => Promise.resolve(consumer.report()),
    async finish() {
      strategyCounts = await strategy.stop();
      return { strategy: strategyCounts, relays: { marketData: mdRelay.metrics(), signal: sigRelay.metrics() } };
    },
    async close() {
      await consumer.close();
      await mdRelay.close();
      await sigRelay.close();
    },
  };
}

function route(relay: Thread): MessagePort {
  const { port1, port2 } = new MessageChannel();
  relay.port.postMessage({ op: "serve", port: port1 }, [port1]);
  return port2;
}

const SCRIPT = new URL("./e2e-thread.ts", import.meta.url);

async function threadsPipeline(): Promise<Pipeline> {
  const all: Thread[] = [];
  const start = async (name: string, role: E2eThreadRole, transfer: MessagePort[] = []): Promise<Thread> => {
    const t = await startThread(name, SCRIPT);
    all.push(t);
    t.port.postMessage(role, transfer);
    return t;
  };
  try {
    const mdRelay = await start("e2e-md-relay", { role: "relay", domain: RelayDomain.MarketData, name: E2E_RINGS.md });
    const sigRelay = await start("e2e-sig-relay", { role: "relay", domain: RelayDomain.Signal, name: E2E_RINGS.sig });
    await mdRelay.next((v) => v.ready === true);
    await sigRelay.next((v) => v.ready === true);
    const csig = route(sigRelay);
    const consumer = await start("e2e-consumer", { role: "consumer", sig: csig }, [csig]);
    await consumer.next((v) => v.ready === true);
    const smd = route(mdRelay);
    const ssig = route(sigRelay);
    const strategy = await start("e2e-strategy", { role: "strategy", md: smd, sig: ssig }, [smd, ssig]);
    await strategy.next((v) => v.ready === true);
    const stopThread = async (t: Thread): Promise<void> => {
      t.port.close();
      await t.worker.terminate();
    };
    return {
      async reset() {
        consumer.port.postMessage({ op: "reset" });
        await consumer.next((v) => v.reset === true);
      },
      async publish(seconds, rate, source) {
        const p = route(mdRelay);
        const pub = await startThread("e2e-pub", SCRIPT);
        pub.port.postMessage({ role: "pub", md: p, seconds, rate, source } satisfies E2eThreadRole, [p]);
        try {
          return (await pub.next<{ published: PublishResult }>((v) => v.published !== undefined, (seconds + 30) * 1000)).published;
        } finally {
          await stopThread(pub);
        }
      },
      async report() {
        consumer.port.postMessage({ op: "report" });
        return (await consumer.next<{ report: ConsumerReport }>((v) => v.report !== undefined)).report;
      },
      async finish() {
        strategy.port.postMessage({ op: "stop" });
        const s = (await strategy.next<{ strategy: StrategyCounts }>((v) => v.strategy !== undefined)).strategy;
        const relays: Record<string, Record<string, unknown>> = {};
        for (const [name, t] of [["marketData", mdRelay], ["signal", sigRelay]] as const) {
          t.port.postMessage({ op: "stop" });
          relays[name] = (await t.next<{ metrics: Record<string, unknown> }>((v) => v.metrics !== undefined)).metrics;
        }
        return { strategy: s, relays };
      },
      async close() {
        for (const t of all.reverse()) await stopThread(t);
      },
    };
  } catch (e) {
    for (const t of all) await t.worker.terminate();
    throw e;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const us = (ns: number): number => Math.round(ns / 10) / 100;

/** Runs the whole benchmark once in `deployment`; resolves with its figures. */
export async function measureLocalE2e(deployment: LocalDeployment, seconds: number, latencyRounds = DEFAULT_LATENCY_ROUNDS): Promise<LocalE2eResult> {
  const p = deployment === "inline" ? await inlinePipeline() : await threadsPipeline();
  try {
    let source = 1;
    let totalPublished = 0;
    let publisherDropped = 0;
    const phase = async (rate: number): Promise<{ pub: PublishResult; rx: ConsumerReport; cpuMicros: number }> => {
      await p.reset();
      const cpu0 = process.cpuUsage();
      const pub = await p.publish(seconds, rate, source++);
      totalPublished += pub.sent;
      publisherDropped += pub.dropped;
      // Let the pipeline drain: until the consumer has every message, or its count stood still for 2 s
      // (a backlog left behind would be counted, and timed, in the next phase).
      let rx = await p.report();
      for (let still = 0, prev = rx.count; rx.count < pub.sent - pub.dropped && still < 2000; ) {
        await sleep(100);
        rx = await p.report();
        still = rx.count === prev ? still + 100 : 0;
        prev = rx.count;
      }
      const cpu = process.cpuUsage(cpu0);
      return { pub, rx, cpuMicros: cpu.user + cpu.system };
    };
    // Warm-up paced, then at the maximum rate (the JIT settles on the full-batch paths; see e2e.ts).
    await phase(20_000);
    await phase(0);
    const max = await phase(0);
    const rates: Record<string, LocalRate> = {};
    let floor: RingFloor | undefined;
    for (const rate of [10_000, 100_000]) {
      rates[String(rate)] = await measureRounds(rate, rate === 10_000 ? latencyRounds : 1, async () => {
        const { pub, rx } = await phase(rate);
        return { sent: pub.sent, delivered: rx.count, p50Micros: us(rx.p50Ns), p99Micros: us(rx.p99Ns), p999Micros: us(rx.p999Ns), maxMicros: us(rx.maxNs) };
      });
      if (rate === 10_000 && deployment === "threads") floor = await measureRingFloor(rate, seconds);
    }
    const last = await p.report();
    const { strategy, relays } = await p.finish();
    const dropsOf = (m: Record<string, unknown> | undefined): number => Object.values((m?.drops ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
    const relayDropped = { marketData: dropsOf(relays.marketData), signal: dropsOf(relays.signal) };
    const r10 = rates["10000"]!;
    const delivered = max.rx.count;
    const cpuPer = delivered > 0 ? max.cpuMicros / delivered : NaN;
    return {
      deployment,
      throughputMsgsPerSec: Math.round(delivered / Math.max(1e-9, max.rx.seconds)),
      throughputPublished: max.pub.sent,
      throughputDelivered: delivered,
      p50Micros: r10.p50Micros,
      p99Micros: r10.p99Micros,
      p999Micros: r10.p999Micros,
      rates,
      // As in e2e.ts: Trades handled or dropped and counted; tagging signals the consumer missed were the
      // ones the strategy's client dropped and counted.
      allAccounted: strategy.handled + relayDropped.marketData! + publisherDropped === totalPublished && strategy.lost === 0 && last.lost === strategy.outDropped,
      relayDropped,
      totalPublished,
      strategyHandled: strategy.handled,
      strategySignals: strategy.strategySignals,
      strategyOutDropped: strategy.outDropped,
      strategyInputLost: strategy.lost,
      publisherDropped,
      consumerLost: last.lost,
      relays,
      ...(floor ? { ringFloorP50Micros: us(floor.p50Ns), ringFloorP99Micros: us(floor.p99Ns) } : {}),
      cpuMicrosPerDelivered: Math.round(cpuPer * 1000) / 1000,
      machineBoundMsgsPerSec: Math.round((os.availableParallelism() * 1e6) / cpuPer),
    };
  } finally {
    await p.close();
  }
}
