/**
 * The side-by-side view of `ap bench relay`: for each subscriber count, one row per deployment
 * (processes, threads per spin setting, inline) next to nats-server, and the table printed from them.
 *
 * @module
 */

import os from "node:os";
import type { ThreadsComparison } from "./relay.ts";
import type { SystemResult } from "./relay-workload.ts";

/** One deployment's figures for one subscriber count, as the side-by-side table shows them. */
export interface DeploymentFigures {
  deployment: string;
  msgsPerSec: number;
  published: number;
  delivered: number[];
  /** Messages lost to the relay's slow-consumer Gaps (undefined where the system does not say). */
  lost: number | undefined;
  p50Micros: number;
  p99Micros: number;
  cpuMicrosPerDelivered: number | undefined;
}

/** The rows of every subscriber count, from what each deployment measured. */
export function sideBySideRows(
  counts: readonly number[], results: Record<string, { alphapulse: SystemResult; nats?: SystemResult }>, threads: Record<string, ThreadsComparison[]>, inline: Record<string, DeploymentFigures>,
): Record<string, DeploymentFigures[]> {
  const sideBySide: Record<string, DeploymentFigures[]> = {};
  for (const n of counts) {
    const row: DeploymentFigures[] = [];
    const ap = results[n]?.alphapulse;
    if (ap) row.push({ deployment: "processes", msgsPerSec: ap.msgsPerSec, published: ap.published, delivered: ap.delivered, lost: undefined, p50Micros: ap.p50Micros, p99Micros: ap.p99Micros, cpuMicrosPerDelivered: ap.cpuMicrosPerDelivered?.total });
    for (const t of threads[n] ?? []) {
      row.push({ deployment: `threads (spin ${t.spinMicros} µs)`, msgsPerSec: t.threadsMsgsPerSec, published: NaN, delivered: [], lost: t.threadsLost, p50Micros: t.p50Micros, p99Micros: t.p99Micros, cpuMicrosPerDelivered: t.threadsCpuMicrosPerDelivered });
    }
    if (inline[n]) row.push(inline[n]!);
    const nt = results[n]?.nats;
    if (nt) row.push({ deployment: "nats-server", msgsPerSec: nt.msgsPerSec, published: nt.published, delivered: nt.delivered, lost: undefined, p50Micros: nt.p50Micros, p99Micros: nt.p99Micros, cpuMicrosPerDelivered: nt.cpuMicrosPerDelivered?.total });
    else if (threads[n]?.[0]?.natsMsgsPerSec !== undefined) row.push({ deployment: "nats-server", msgsPerSec: threads[n]![0]!.natsMsgsPerSec!, published: NaN, delivered: [], lost: undefined, p50Micros: NaN, p99Micros: NaN, cpuMicrosPerDelivered: undefined });
    sideBySide[n] = row;
  }
  return sideBySide;
}

/** The side-by-side table as text, with the floors and the targets. */
export function sideBySideTable(sideBySide: Record<string, DeploymentFigures[]>, runtime: string, seconds: number, rate: number, floorHopMicros: number, pacedHopMicros: number): string {
  const out: string[] = [];
  const natsOf = (row: DeploymentFigures[]): number | undefined => row.find((d) => d.deployment === "nats-server")?.msgsPerSec;
  out.push(`relay by deployment (${runtime}, 74-byte Trades, ${seconds} s per run, latency at ${rate} msgs/s; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")})`);
  const table = [["subs", "deployment", "msgs/s per sub", "× nats", "p50 µs", "p99 µs", "CPU µs/msg", "lost"]];
  for (const [n, row] of Object.entries(sideBySide)) {
    const nats = natsOf(row);
    for (const d of row) {
      table.push([n, d.deployment, String(d.msgsPerSec), nats ? (d.msgsPerSec / nats).toFixed(2) : "", Number.isNaN(d.p50Micros) ? "" : String(d.p50Micros), Number.isNaN(d.p99Micros) ? "" : String(d.p99Micros), d.cpuMicrosPerDelivered === undefined ? "" : String(d.cpuMicrosPerDelivered), d.lost === undefined ? "" : String(d.lost)]);
    }
  }
  const w = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) out.push("  " + row.map((c, i) => c.padEnd(w[i]!)).join("  "));
  out.push(`  floor: raw Unix-socket ping-pong one hop ≈ ${floorHopMicros} µs back to back, ${pacedHopMicros} µs one per timer tick; target ≥ 2,100,000 msgs/s to one subscriber (threads), ≥ 5× nats-server`);
  return out.join("\n") + "\n\n";
}
