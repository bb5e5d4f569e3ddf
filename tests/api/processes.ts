/**
 * Helpers of the API tests that run real processes: the `ap` invocation of this runtime, a small system
 * config (relays, execution, API — no adapters or strategies), `ap start` as a child process, and
 * waiting for files and conditions with generous deadlines.
 *
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { until as pollUntil } from "../runtime/helpers.ts";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** `main.ts`. */
export const MAIN = join(ROOT, "main.ts");

/** Command and leading arguments that run `ap` on this runtime. */
export function apCommand(): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  return deno ? [deno.execPath(), ["run", "-A", MAIN]] : [process.execPath, ["--import", "tsx", MAIN]];
}

/** Polls `probe` until it returns a value (not `undefined`, not a rejection), or fails naming `what` (default 60 s). */
export function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  return pollUntil(what, probe, timeoutMs, intervalMs);
}

/** YAML of a small system in `runtimeDir`: the four relays, the execution service and the API on a free port. */
export function smallSystemYaml(runtimeDir: string, api: Record<string, unknown> = {}): string {
  return [
    `runtimeDir: ${JSON.stringify(runtimeDir)}`,
    `api: ${JSON.stringify({ host: "127.0.0.1", port: 0, ...api })}`,
    "supervisor: { initialBackoffMs: 100 }",
    "services:",
    "  - name: execution",
    "    kind: execution",
    "    serviceId: 40",
    "    options:",
    '      planner: { capital: "100000", capitalFraction: 0.02, orderType: ioc, maxSlippageBps: 20, lotSize: "0.0001" }',
    "      risk:",
    '        limits: { maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "5000", maxDataAgeMs: 10000 }',
    "      paper: { fees: { makerBps: 2, takerBps: 5 } }",
    "",
  ].join("\n");
}

/** A running `ap start` child. */
export interface StartedSystem {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  /** Output so far (both streams), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs `ap start --config <dir>/system.yaml` and waits until the API listens. */
export async function startSystemProcess(dir: string, runtimeDir: string, token: string, api: Record<string, unknown> = {}): Promise<StartedSystem> {
  const configFile = join(dir, "system.yaml");
  writeFileSync(configFile, smallSystemYaml(runtimeDir, api));
  const [cmd, args] = apCommand();
  const child = spawn(cmd, [...args, "start", "--config", configFile], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALPHAPULSE_API_TOKEN: token, ALPHAPULSE_LOG_LEVEL: "warn" },
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (out += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (out += t));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const { url } = await until("the API listening (api.json)", async () => {
      if (child.exitCode !== null) throw new Error(`ap start exited ${child.exitCode}: ${out}`);
      return JSON.parse(readFileSync(join(runtimeDir, "api.json"), "utf8")) as { url: string };
    }, 120_000);
    return { child, url, token, output: () => out, stop };
  } catch (e) {
    await stop(2_000);
    throw new Error(`${(e as Error).message}\n--- ap start output ---\n${out}`);
  }
}

/** Runs `ap <args>` to completion; resolves with its exit code and output. */
export function runAp(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, lead] = apCommand();
  const child = spawn(cmd, [...lead, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "warn" } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => child.on("exit", (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

/** Resident memory of a process in bytes (Linux /proc), or undefined when not readable. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or undefined when not readable. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
