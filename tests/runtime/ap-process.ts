/**
 * Runs `ap start` as a real child process for the launch tests (on the runtime running the tests:
 * `deno run -A main.ts` or `node --import tsx main.ts`), and small probes of processes and files.
 *
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root (capture paths in test configs are relative to it). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "main.ts");

/** Command and leading arguments of `ap` on this runtime. */
export function apCommand(): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  return deno ? [deno.execPath(), ["run", "-A", MAIN]] : [process.execPath, ["--import", "tsx", MAIN]];
}

/** A small trading system: one replaying adapter and the execution service with default options. */
export function smallConfig(runtimeDir: string, extra = ""): string {
  return [
    `runtimeDir: ${runtimeDir}`,
    "api: { port: 0 }",
    "supervisor: { initialBackoffMs: 100 }",
    "services:",
    "  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }",
    "  - { name: execution, kind: execution, serviceId: 40, options: {} }",
    extra,
  ].join("\n");
}

/** A finished `ap` run. */
export interface ApResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ap <args>` to its end (killed after `timeoutMs`). */
export function runAp(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ApResult> {
  const [cmd, pre] = apCommand();
  const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `ap start`. */
export interface RunningAp {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly apiUrl: string;
  readonly token: string;
  output(): string;
  /** What it wrote to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once it has ended. */
  readonly exited: Promise<number | null>;
}

/** Starts `ap start --config <file> [args]` (extra environment `env`) and waits until it prints that it is running. */
export async function startAp(configFile: string, timeoutMs = 90_000, env: Record<string, string> = {}, args: readonly string[] = []): Promise<RunningAp> {
  const [cmd, pre] = apCommand();
  const child = spawn(cmd, [...pre, "start", "--config", configFile, ...args], {
    cwd: ROOT, env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => ((out += t), (stdout += t)));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => ((out += t), (stderr += t)));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const api = /API\s+(http:\/\/\S+)/.exec(out);
    const token = /Token\s+(\S+)/.exec(out);
    if (api && token) return { child, pid: child.pid!, apiUrl: api[1]!, token: token[1]!, output: () => out, stdout: () => stdout, stderr: () => stderr, exited };
    if (child.exitCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`ap start did not come up (exit ${child.exitCode}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether `pid` runs (exists and is not a zombie waiting to be reaped). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Pids of the children recorded by the supervisor in `dir`. */
export function recordedChildren(dir: string): { name: string; pid: number }[] {
  try {
    return (JSON.parse(readFileSync(join(dir, "supervisor.children.json"), "utf8")) as { children: { name: string; pid: number }[] }).children;
  } catch {
    return [];
  }
}

/** What a refused start may have left in `dir`: sockets, the lock, the resolved config, the API address. */
export function startArtifacts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /\.(sock|ctl|lock)$/.test(n) || n === "config.json" || n === "api.json" || n === "supervisor.children.json");
}

/** Polls `probe` until it returns a value other than `undefined`, or fails naming `what`. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(probe).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
