/**
 * `ap bench nats [--seconds N] [--rate N] [--json]`: cross-relay throughput and latency through the NATS
 * bridge, beside the direct TCP/TLS relay link, in the same run on this runtime.
 *
 * Both systems carry 74-byte Trades from a publisher on relay A to a subscriber on relay B; each relay
 * runs in its own process with its outward link, as the relay service would:
 * - `nats` — relay A + NatsBridge ⇄ nats-server (JetStream on, file store) ⇄ NatsBridge + relay B, with
 *   the bridge's default batching (64 KiB per NATS message), and `nats-unbatched` (one wire message per
 *   NATS message), which is why the bridge batches;
 * - `tls-link` — relay A → a subscriber on A that publishes every message to relay B's TCP listener
 *   over TLS 1.3 (a relay client with a Hello token) → relay B.
 * Throughput: the publisher sends flat out for N seconds; the subscriber's rate is its message count
 * over the time between its first and last message, with the share of published messages it got.
 * Latency: RATE msgs/s for N seconds, header timestamp = CLOCK_MONOTONIC at build, against receive time.
 *
 * Needs `nats-server` (skipped, saying so, when absent) and `openssl` (a throw-away CA and certificate).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { envSetting } from "../runtime/config/env-vars.ts";
import { freePort, startNatsServer, type LocalNatsServer } from "./nats-bridge-server.ts";
import { killWorker, startWorker, waitForLine, type WorkerProcess } from "./worker-process.ts";

/** One line for `ap bench`. */
export const summary = "cross-relay throughput and latency: NATS bridge vs direct TLS relay link";

const USAGE = `usage: ap bench nats [--seconds N] [--rate N] [--systems LIST] [--json]

  --seconds N      seconds per measurement (default 3)
  --rate N         publish rate of the latency runs in msgs/s (default 5000)
  --systems LIST   any of nats,nats-unbatched,tls-link (default all three)
  --json           print the results as one JSON object`;

const WORKER = fileURLToPath(new URL("./nats-bridge-worker.ts", import.meta.url));
const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const SYSTEMS = ["nats", "nats-unbatched", "tls-link"] as const;
type SystemName = (typeof SYSTEMS)[number];

/** Figures of one system. */
export interface CrossRelayResult {
  msgsPerSec: number;
  published: number;
  delivered: number;
  deliveredShare: number;
  outOfOrder: number;
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  latencySamples: number;
  latencyDelivered: number;
}


function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A throw-away CA and a certificate for 127.0.0.1 (rustls under Deno refuses a CA as a leaf). */
function makeCertificate(dir: string): { ca: string; cert: string; key: string } {
  const ossl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl("req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.pem`, "-days", "1", "-subj", "/CN=alphapulse-bench-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  ossl("req", ...ec, "-keyout", `${dir}/key.pem`, "-out", `${dir}/relay.csr`, "-subj", "/CN=alphapulse-bench-relay");
  fs.writeFileSync(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
  ossl("x509", "-req", "-in", `${dir}/relay.csr`, "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-CAcreateserial",
    "-out", `${dir}/cert.pem`, "-days", "1", "-extfile", `${dir}/ext.cnf`);
  return { ca: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` };
}

interface RunContext {
  dir: string;
  nats: LocalNatsServer | undefined;
  tls: { ca: string; cert: string; key: string };
  runs: number;
}

/** One measurement of one system: fresh relays and links, one publisher, one subscriber. */
interface RelayStats {
  relay: { drops: Record<string, number>; messagesIn: number };
  bridge?: { out: { droppedBuffer: number; messagesIn: number; batches: number }; in: { injected: number; lost: number; recovered: number } };
  forward?: { dropped: number; published: number };
}

async function measureOnce(ctx: RunContext, system: SystemName, mode: "count" | "latency", seconds: number, rate: number): Promise<{ sub: Record<string, unknown>; pub: Record<string, unknown>; statsA: RelayStats | undefined; statsB: RelayStats | undefined }> {
  const n = ++ctx.runs;
  const sockA = path.join(ctx.dir, `a${n}.sock`);
  const sockB = path.join(ctx.dir, `b${n}.sock`);
  const workers: WorkerProcess[] = [];
  try {
    let specA: unknown;
    let specB: unknown;
    if (system === "tls-link") {
      const port = await freePort();
      const token = `bench-${process.pid}-${n}`;
      specB = { tlsListen: { port, cert: ctx.tls.cert, key: ctx.tls.key, token } };
      specA = { forward: { port, ca: ctx.tls.ca, token } };
    } else {
      const nats = { url: ctx.nats!.url, prefix: `bench${process.pid}x${n}`, batchBytes: system === "nats" ? 64 * 1024 : 1 };
      specA = specB = { nats };
    }
    const relayB = startWorker(WORKER, ["relay", sockB, JSON.stringify(specB)]);
    workers.push(relayB);
    await waitForLine(relayB, (v) => v.ready === true);
    const relayA = startWorker(WORKER, ["relay", sockA, JSON.stringify(specA)]);
    workers.push(relayA);
    await waitForLine(relayA, (v) => v.ready === true);
    const sub = startWorker(WORKER, ["sub", sockB, mode]);
    workers.push(sub);
    await waitForLine(sub, (v) => v.ready === true);
    await new Promise((r) => setTimeout(r, 200));
    const pub = startWorker(WORKER, ["pub", sockA, mode, String(seconds), String(rate)]);
    workers.push(pub);
    const pubResult = await waitForLine(pub, (v) => v.result !== undefined, (seconds + 30) * 1000);
    // Drained when the subscriber's count stops moving for a second (or 60 s pass); counts reported
    // before now are stale.
    sub.skipQueued();
    let last = -1;
    let still = 0;
    const end = Date.now() + 60_000;
    while (still < 5 && Date.now() < end) {
      const v = await waitForLine(sub, (x) => typeof x.count === "number");
      if (v.count === last) still++;
      else still = 0;
      last = v.count as number;
    }
    sub.send("stop");
    const subResult = await waitForLine(sub, (v) => v.result !== undefined);
    relayA.send("stop");
    relayB.send("stop");
    const statsA = (await waitForLine(relayA, (v) => v.stats !== undefined, 10_000).catch(() => ({ stats: undefined }))).stats as RelayStats | undefined;
    const statsB = (await waitForLine(relayB, (v) => v.stats !== undefined, 10_000).catch(() => ({ stats: undefined }))).stats as RelayStats | undefined;
    return { sub: subResult.result as Record<string, unknown>, pub: pubResult.result as Record<string, unknown>, statsA, statsB };
  } finally {
    for (const w of workers) {
      if (w.child.exitCode === null) w.send("stop");
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const w of workers) killWorker(w);
  }
}

async function measure(ctx: RunContext, system: SystemName, seconds: number, rate: number, log: (s: string) => void): Promise<CrossRelayResult> {
  log(`  ${system}: throughput…`);
  const t = await measureOnce(ctx, system, "count", seconds, rate);
  if (envSetting("ALPHAPULSE_BENCH_DEBUG")) log(JSON.stringify({ pub: t.pub, sub: { ...t.sub, latenciesNs: undefined }, a: t.statsA, b: t.statsB }));
  log(`  ${system}: latency at ${rate} msgs/s…`);
  const l = await measureOnce(ctx, system, "latency", seconds, rate);
  const count = t.sub.count as number;
  const secs = t.sub.seconds as number;
  const sent = t.pub.sent as number;
  const lat = ((l.sub.latenciesNs as number[] | undefined) ?? []).sort((a, b) => a - b);
  const us = (p: number): number => Math.round(percentile(lat, p) / 100) / 10;
  return {
    msgsPerSec: secs > 0 ? Math.round(count / secs) : 0,
    published: sent,
    delivered: count,
    deliveredShare: sent > 0 ? Math.round((count / sent) * 1000) / 1000 : 0,
    outOfOrder: (t.sub.outOfOrder as number) + (l.sub.outOfOrder as number),
    p50Micros: us(50),
    p99Micros: us(99),
    p999Micros: us(99.9),
    latencySamples: lat.length,
    latencyDelivered: l.pub.sent ? Math.round((lat.length / (l.pub.sent as number)) * 1000) / 1000 : 0,
  };
}

/** Runs the benchmark; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const { parseArgs } = await import("node:util");
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...args], options: { json: { type: "boolean" }, seconds: { type: "string" }, rate: { type: "string" }, systems: { type: "string" } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`ap bench nats: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  const seconds = Number(values.seconds ?? 3);
  const rate = Number(values.rate ?? 5000);
  const systems = String(values.systems ?? SYSTEMS.join(",")).split(",") as SystemName[];
  if (!(seconds > 0) || !(rate > 0) || systems.some((s) => !SYSTEMS.includes(s))) {
    process.stderr.write(`ap bench nats: bad --seconds, --rate or --systems\n${USAGE}\n`);
    return 2;
  }
  const log = (s: string): void => void process.stderr.write(s + "\n");
  const runtime = IS_DENO ? "deno" : "node";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-bench-nats-"));
  const ctx: RunContext = { dir, nats: undefined, tls: makeCertificate(dir), runs: 0 };
  const results: Partial<Record<SystemName, CrossRelayResult>> = {};
  try {
    if (systems.some((s) => s.startsWith("nats"))) {
      ctx.nats = await startNatsServer();
      if (!ctx.nats) log("nats-server not found on PATH: measuring the TLS link only (apt-get install nats-server)");
    }
    log(`[${runtime}] cross-relay benchmark, ${seconds} s per run`);
    for (const s of systems) {
      if (s.startsWith("nats") && !ctx.nats) continue;
      results[s] = await measure(ctx, s, seconds, rate, log);
    }
  } finally {
    await ctx.nats?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ runtime, seconds, latencyRate: rate, messageBytes: 74, systems: results }) + "\n");
    return 0;
  }
  const rows = [["system", "msgs/s", "delivered", "p50 µs", "p99 µs", "p99.9 µs", "seq jumps"]];
  for (const [name, r] of Object.entries(results)) {
    rows.push([name, String(r.msgsPerSec), `${r.delivered}/${r.published}`, String(r.p50Micros), String(r.p99Micros), String(r.p999Micros), String(r.outOfOrder)]);
  }
  const n = results.nats;
  const tls = results["tls-link"];
  if (n && tls) rows.push(["nats / tls-link", (n.msgsPerSec / tls.msgsPerSec).toFixed(2) + "×", "", (n.p50Micros / tls.p50Micros).toFixed(2) + "×", (n.p99Micros / tls.p99Micros).toFixed(2) + "×", "", ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write(`cross-relay benchmark (${runtime}, 74-byte Trades, relay A → link → relay B, ${seconds} s per run, latency at ${rate} msgs/s)\n`);
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join("  ") + "\n");
  return 0;
}
