/**
 * The benchmark regression gate: `npm run bench:check [-- --only NAME,…] [--rounds N] [--json]`.
 *
 * Runs short versions of the protocol, relay, e2e and backtest benchmarks, each figure a **ratio against
 * a baseline measured in the same run** (JSON.parse/stringify, nats-server, the paced socket floor, a bare
 * decode of the same recording), takes the median of `--rounds` runs (default 3), and compares it with
 * `bench/thresholds.json`. A figure past its threshold is measured once more (another `--rounds` runs)
 * before it fails; a failure names the figure, the threshold and both medians. Exit 0 when every figure
 * holds, 1 otherwise, 2 for bad options. The benchmarks' own result files in `bench/results/` are left as
 * they were (this gate measures; it does not publish figures).
 *
 * To change a threshold on purpose: edit `bench/thresholds.json` (the `why` of the figure says what it
 * guards) in the same commit as the change that moves the figure, with the before/after medians in the
 * commit message.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "./median.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");

/** One gated figure. */
interface Threshold {
  /** `min` (the figure must be at least this) or `max`. */
  min?: number;
  max?: number;
  /** What the figure guards. */
  why: string;
}

/** A benchmark run and the figures read from its JSON. */
interface Probe {
  /** Arguments after `bench/main.ts` (or the script path for a standalone bench). */
  args: string[];
  /** Figures of one run's JSON, by name. */
  figures(json: Record<string, unknown>): Record<string, number>;
}

type Json = Record<string, unknown>;
const num = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`benchmark JSON has no number at ${what}`);
  return v;
};

const PROBES: Record<string, Probe> = {
  protocol: {
    args: ["bench/protocol.bench.ts", "--json", "--time", "600"],
    figures(j) {
      const rows = j.results as { id: string; ratio?: number }[];
      const ratio = (id: string) => num(rows.find((r) => r.id === id)?.ratio, `results[${id}].ratio`);
      return {
        "protocol.build_vs_json_stringify": ratio("build"),
        "protocol.decode_view_vs_json_parse": ratio("decode.view"),
        "protocol.fields_view_vs_json_parse": ratio("fields.view"),
        "protocol.framer_vs_ndjson": ratio("framer"),
      };
    },
  },
  relay: {
    args: ["bench/main.ts", "relay", "--json", "--seconds", "2", "--subscribers", "1", "--deployment", "processes"],
    figures(j) {
      const one = (j.subscribers as Record<string, { alphapulse: { msgsPerSec: number }; nats?: { msgsPerSec: number } }>)["1"];
      if (one?.nats === undefined) throw new Error("the relay benchmark ran without nats-server (install nats-server: the gate compares with it)");
      return { "relay.one_subscriber_vs_nats": one.alphapulse.msgsPerSec / one.nats.msgsPerSec };
    },
  },
  e2e: {
    args: ["bench/main.ts", "e2e", "--json", "--seconds", "2", "--deployment", "processes"],
    figures(j) {
      return { "e2e.p50_over_paced_floor": num(j.p50Micros, "p50Micros") / num(j.pacedFloorP50Micros, "pacedFloorP50Micros") };
    },
  },
  backtest: {
    args: ["bench/main.ts", "backtest", "--json", "--messages", "600000", "--rounds", "1"],
    figures(j) {
      // Per second of the benchmark thread's CPU time where the platform tells it (steady under load), else wall.
      const cpu = j.cpu as { shareOfBareDecode?: number } | undefined;
      return { "backtest.share_of_bare_decode": num(cpu?.shareOfBareDecode ?? j.shareOfBareDecode, "shareOfBareDecode") };
    },
  },
};

/** This entry runs on Deno (`deno run -A bench/check.ts`) or Node (`tsx bench/check.ts`): the benchmarks run on the same. */
const RUN_ARGS = "Deno" in globalThis ? ["run", "-A"] : ["--import", "tsx"];

/** Runs one benchmark on this runtime and returns its last JSON object. */
function runOnce(args: string[]): Promise<Json> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RUN_ARGS, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const start = out.indexOf("{");
      if (start < 0) return reject(new Error(`${args.join(" ")}: exit ${code}, no JSON on stdout; stderr: ${err.trim().slice(-600)}`));
      try {
        resolve(JSON.parse(out.slice(start)) as Json);
      } catch (e) {
        reject(new Error(`${args.join(" ")}: exit ${code}, unreadable JSON (${(e as Error).message})`));
      }
    });
  });
}


async function measure(probe: Probe, rounds: number): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [k, v] of Object.entries(probe.figures(await runOnce(probe.args)))) (samples[k] ??= []).push(v);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const holds = (t: Threshold, v: number) => (t.min === undefined || v >= t.min) && (t.max === undefined || v <= t.max);
const bound = (t: Threshold) => [t.min !== undefined ? `≥ ${t.min}` : "", t.max !== undefined ? `≤ ${t.max}` : ""].filter(Boolean).join(" and ");

/** Keeps bench/results/*.json as they were while the gate runs the benchmarks that write them. */
function preserveResults(): () => void {
  const dir = join(HERE, "results");
  const saved = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => [join(dir, f), readFileSync(join(dir, f))] as const) : [];
  return () => {
    for (const [file, bytes] of saved) writeFileSync(file, bytes);
  };
}

/** Runs the gate; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values: { only?: string; rounds?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { only: { type: "string" }, rounds: { type: "string" }, json: { type: "boolean" } } }));
  } catch (e) {
    process.stderr.write(`bench:check: ${(e as Error).message}\nusage: npm run bench:check -- [--only ${Object.keys(PROBES).join(",")}] [--rounds N] [--json]\n`);
    return 2;
  }
  const rounds = Number(values.rounds ?? 3);
  const only = values.only?.split(",") ?? Object.keys(PROBES);
  const unknown = only.filter((n) => !(n in PROBES));
  if (!Number.isInteger(rounds) || rounds < 1 || unknown.length > 0) {
    process.stderr.write(`bench:check: ${unknown.length > 0 ? `unknown benchmark ${unknown.join(", ")}` : "--rounds takes a whole number ≥ 1"}\n`);
    return 2;
  }
  const thresholds = JSON.parse(readFileSync(join(HERE, "thresholds.json"), "utf8")).figures as Record<string, Threshold>;
  const restore = preserveResults();
  const report: { figure: string; threshold: string; median: number; remeasured?: number; ok: boolean }[] = [];
  try {
    for (const name of only) {
      process.stderr.write(`bench:check: ${name} × ${rounds} (load average ${loadavg()[0]!.toFixed(1)})…\n`);
      let first: Record<string, number>;
      try {
        first = await measure(PROBES[name]!, rounds);
      } catch (e) {
        report.push({ figure: `${name} (did not run)`, threshold: (e as Error).message, median: Number.NaN, ok: false });
        continue;
      }
      const failing = Object.entries(first).filter(([k, v]) => thresholds[k] !== undefined && !holds(thresholds[k]!, v));
      const again = failing.length > 0 ? await measure(PROBES[name]!, rounds) : {};
      for (const [figure, v] of Object.entries(first)) {
        const t = thresholds[figure];
        if (t === undefined) {
          report.push({ figure, threshold: "none (not gated)", median: v, ok: true });
          continue;
        }
        const second = again[figure];
        report.push({ figure, threshold: bound(t), median: v, ...(second !== undefined ? { remeasured: second } : {}), ok: holds(t, v) || (second !== undefined && holds(t, second)) });
      }
    }
  } finally {
    restore();
  }
  if (values.json) process.stdout.write(JSON.stringify({ loadAverage: loadavg(), rounds, report }, null, 2) + "\n");
  else {
    for (const r of report) {
      const figures = Number.isNaN(r.median) ? "" : `median ${r.median.toFixed(3)}${r.remeasured !== undefined ? `, re-measured ${r.remeasured.toFixed(3)}` : ""}`;
      process.stdout.write(`${r.ok ? "ok  " : "FAIL"} ${r.figure}: ${figures} (threshold ${r.threshold})\n`);
    }
  }
  const failed = report.filter((r) => !r.ok).length;
  process.stdout.write(`bench:check: ${report.length - failed} held, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
