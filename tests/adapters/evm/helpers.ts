/** Shared helpers of the EVM adapter tests (not a test file). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMessage, type Message } from "../../../protocol/mod.ts";
import { EvmAdapter, type EvmAdapterOptions } from "../../../adapters/evm/adapter.ts";
import { PoolCache } from "../../../adapters/evm/pool-cache.ts";
import { SIM_FACTORIES, SIM_VENUE_V2, SIM_VENUE_V3 } from "../../../adapters/evm/sim/chain.ts";
import type { SimNode } from "../../../adapters/evm/sim/node.ts";
import { AdapterTask } from "../../../adapters/common/task.ts";
import { CollectingSink } from "../../../adapters/common/sink.ts";
import type { CaptureWriter } from "../../../adapters/common/capture.ts";

/** Polls `cond` every 10 ms until true; throws naming `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A fresh temporary directory and its remover. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "ap-evm-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A running adapter against a simulated node. */
export interface Running {
  adapter: EvmAdapter;
  task: AdapterTask;
  sink: CollectingSink;
  /** Decoded messages so far. */
  decoded(): Message[];
  /** Stops the task and closes the adapter (flushes the pool cache). */
  stop(): Promise<void>;
}

/** Starts an EVM adapter task against `node` and waits until both subscriptions are confirmed. */
export async function startAdapter(
  node: SimNode, chain: "polygon" | "ethereum", options: Partial<EvmAdapterOptions> = {}, capture?: CaptureWriter,
): Promise<Running> {
  const sink = new CollectingSink();
  const adapter = new EvmAdapter({
    chain, sink, wsUrl: node.wsUrl, httpUrl: node.httpUrl, factories: SIM_FACTORIES, ...options,
    ...(capture ? { capture } : {}),
  });
  const task = new AdapterTask(adapter, { backoff: { baseMs: 20, capMs: 200 }, connectTimeoutMs: 3000, ...(capture ? { capture } : {}) });
  task.start();
  await waitFor(() => adapter.feed.activeSubscriptions.length === 2, "both subscriptions");
  if (options.priorityFee === undefined) await waitFor(() => adapter.feed.priorityFeeWei !== undefined, "the first priority fee");
  return {
    adapter, task, sink,
    decoded: () => sink.messages.map((m) => decodeMessage(m)),
    async stop() {
      await task.stop();
      await adapter.close();
    },
  };
}

/** A pool cache holding the simulated chain's true metadata for every pool (tests that are not about fetching it). */
export function simPoolCache(node: SimNode): PoolCache {
  const cache = new PoolCache();
  for (const p of node.chain.pools.values()) {
    cache.set(p.address, {
      kind: p.kind, venue: p.kind === "v2" ? SIM_VENUE_V2 : SIM_VENUE_V3, token0: p.token0.address, token1: p.token1.address,
      decimals0: p.token0.decimals, decimals1: p.token1.decimals, fee: p.kind === "v3" ? p.fee : 3000,
    });
  }
  return cache;
}

/** `block:logIndex` of a log or pool TLV. */
export function posKey(blockNumber: bigint | number | string, logIndex: number | string): string {
  const b = typeof blockNumber === "string" ? parseInt(blockNumber, 16) : Number(blockNumber);
  const i = typeof logIndex === "string" ? parseInt(logIndex, 16) : logIndex;
  return `${b}:${i}`;
}

/** Result of a spawned `ap` run. */
export interface ApRun {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

/**
 * Runs `ap <args…>` as a child process of the runtime the suite runs on (Deno tests spawn Deno), with
 * `stdin` text piped in when given. Killed after 60 s.
 */
export async function runAp(args: readonly string[], stdin?: string): Promise<ApRun> {
  const { spawn } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const process = (await import("node:process")).default;
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [cmd, pre] = deno ? [deno.execPath(), ["run", "-A", "main.ts"]] : [process.execPath, ["--import", "tsx", "main.ts"]];
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ap ${args.join(" ")} did not finish within 60 s`));
    }, 60_000);
    child.stdout.on("data", (c: Uint8Array) => out.push(c));
    child.stderr.on("data", (c: Uint8Array) => (err += new TextDecoder().decode(c)));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const total = out.reduce((n, c) => n + c.length, 0);
      const stdout = new Uint8Array(total);
      let at = 0;
      for (const c of out) {
        stdout.set(c, at);
        at += c.length;
      }
      resolve({ code, stdout, stderr: err });
    });
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}
