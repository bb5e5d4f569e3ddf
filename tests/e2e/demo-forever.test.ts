/**
 * The demo lives forever (issue 15, item 1), with real processes:
 * - `ap adapter <venue> --replay F --loop --speed X` against a real `ap relay`: a subscriber keeps
 *   receiving every pass's trades (Coinbase) and pool events (Polygon), venue times never step back,
 *   and the adapters' gap, out-of-order and unknown-subscription counters stay 0;
 * - the embedded demo (config/default.yaml) with its adapters replaying 10× faster: through ten demo
 *   minutes, every adapter publishes trades (pool events for Polygon) in every minute, paper fills keep
 *   coming, the counters stay 0 and /health stays ok.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodeMessage, type Tlv } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { client, collector, Role, spawnRelay, tsCommand, type RelayProcess } from "../relay/helpers.ts";
import { until } from "../runtime/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "main.ts");
const dir = mkdtempSync(join(tmpdir(), "ap-forever-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface AdapterProcess {
  child: ChildProcess;
  /** Metrics JSON lines from stderr so far. */
  metrics: { final: boolean; metrics: Record<string, number> & { evm?: Record<string, number> } }[];
  exited: Promise<void>;
}

function spawnAdapter(args: readonly string[]): AdapterProcess {
  const { cmd, argv } = tsCommand(MAIN, ["adapter", ...args, "--metrics-every", "1"]);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "warn" } });
  const p: AdapterProcess = { child, metrics: [], exited: new Promise((r) => child.once("exit", () => r())) };
  let buffered = "";
  child.stderr!.on("data", (d: Uint8Array) => {
    buffered += new TextDecoder().decode(d);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('{"adapter"')) p.metrics.push(JSON.parse(line));
    }
  });
  return p;
}

describe("a looping demo never goes quiet", () => {
  it("ap adapter --replay --loop into a real relay: every pass arrives, and the adapters accept every pass", async () => {
    const socket = join(dir, "md.sock");
    let relay: RelayProcess | undefined;
    let sub: RelayClient | undefined;
    const adapters: AdapterProcess[] = [];
    try {
      relay = await spawnRelay(socket);
      sub = await client(socket, 901, Role.Subscriber);
      const got = collector(sub);
      // Coinbase: a 30 s capture, 219 trades a pass, 2 s a pass at 15×. Polygon: 49 pool events a pass of 22 s of chain time, 2.2 s at 10×.
      adapters.push(spawnAdapter(["coinbase", "--replay", "fixtures/demo/coinbase.sim.jsonl", "--loop", "--speed", "15", "--relay-socket", socket]));
      adapters.push(spawnAdapter([
        "polygon", "--replay", "fixtures/evm/polygon.sim.capture.jsonl", "--pool-cache", "fixtures/evm/polygon.sim.pool-cache.json",
        "--loop", "--speed", "10", "--relay-socket", socket,
      ]));
      const tlvs = (): Tlv[] => got.messages.flatMap((m) => decodeMessage(m).tlvs);
      const isPool = (t: Tlv) => t.name === "PoolSwap" || t.name === "PoolSync" || t.name === "PoolMint" || t.name === "PoolBurn";
      await until("four passes of each venue at the subscriber", async () => {
        const all = tlvs();
        return all.filter((t) => t.name === "Trade").length >= 4 * 219 && all.filter(isPool).length >= 4 * 49 ? true : undefined;
      }, 180_000, 250);
      for (const a of adapters) a.child.kill("SIGTERM");
      await Promise.all(adapters.map((a) => a.exited));

      // Venue times of each instrument's trades never step back across passes.
      const last = new Map<string, bigint>();
      for (const t of tlvs()) {
        if (t.name !== "Trade") continue;
        const k = `${t.instrument.assetId}`;
        expect(t.execTimestamp).toBeGreaterThanOrEqual(last.get(k) ?? 0n);
        last.set(k, t.execTimestamp);
      }
      for (const a of adapters) {
        const final = a.metrics.find((m) => m.final);
        expect(final).toBeDefined();
        const m = final!.metrics;
        expect({ gaps: m.gaps, outOfOrder: m.outOfOrder, resyncs: m.resyncs, unknownFrames: m.unknownFrames, unknownSubscriptions: m.evm?.unknownSubscriptions ?? 0 })
          .toEqual({ gaps: 0, outOfOrder: 0, resyncs: 0, unknownFrames: 0, unknownSubscriptions: 0 });
        expect(m.connects).toBeGreaterThanOrEqual(4);
      }
    } finally {
      for (const a of adapters) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill("SIGKILL");
      await sub?.close();
      await relay?.stop();
    }
  }, 240_000);

  it("the embedded demo, replayed 10× faster: ten demo minutes with trades, pool events and fills in every one, and no errors", async () => {
    const SPEED = 10;
    const WINDOW_MS = 60_000 / SPEED; // one demo minute
    const text = readFileSync(join(ROOT, "config/default.yaml"), "utf8");
    const config = parseConfig(text, AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: join(dir, "run"), ALPHAPULSE_PORT: "0" });
    const services = config.services.map((s) => (s.kind === "adapter" ? { ...s, options: { ...s.options, speed: SPEED } } : s));
    const level = process.env.ALPHAPULSE_LOG_LEVEL;
    process.env.ALPHAPULSE_LOG_LEVEL = "error"; // the services inherit it (10× faster, risk refuses many orders: warnings)
    const prev = process.cwd();
    let system: RunningSystem | undefined;
    try {
      process.chdir(ROOT);
      try {
        system = await startSystem({ ...config, services, supervisor: { ...config.supervisor, initialBackoffMs: 100 } }, {
          mainPath: MAIN, log: createLogger("demo-forever", { level: "error" }),
        });
      } finally {
        process.chdir(prev);
      }
      const api = system.apiUrl;
      const counters = async () => {
        const metrics = await (await fetch(`${api}/metrics`)).text();
        const read = (name: string) => Object.fromEntries(
          [...metrics.matchAll(new RegExp(`^alphapulse_adapter_${name}\\{adapter="adapter-(\\w+)"[^}]*\\} (\\d+)`, "gm"))].map((m) => [m[1]!, Number(m[2])]),
        );
        const fills = /^alphapulse_execution_paper_fills_total (\d+)/m.exec(metrics);
        return {
          trades: read("trades_total"), pools: read("pool_events_total"), gaps: read("gaps_total"), outOfOrder: read("out_of_order_total"),
          unknownSubscriptions: read("unknown_subscriptions_total"), fills: fills ? Number(fills[1]) : -1,
        };
      };
      // Wait for the whole system to trade before counting minutes (eleven processes start slowly on a loaded machine).
      let start = await until("first fills", async () => {
        const c = await counters();
        return c.fills > 0 && Object.keys(c.trades).length === 4 ? c : undefined;
      }, 120_000, 250);
      const progressed = (a: typeof start, b: typeof start) =>
        b.trades.binance! > a.trades.binance! && b.trades.kraken! > a.trades.kraken! && b.trades.coinbase! > a.trades.coinbase! &&
        b.pools.polygon! > a.pools.polygon! && b.fills > a.fills;
      for (let minute = 0; minute < 10; minute++) {
        const began = Date.now();
        const end = await until(`demo minute ${minute + 1}: trades on every CEX, Polygon pool events and fills`, async () => {
          if (Date.now() - began < WINDOW_MS) return undefined;
          const c = await counters();
          return progressed(start, c) ? c : undefined;
        }, 60_000, 200);
        start = end;
      }
      const last = await counters();
      for (const k of ["gaps", "outOfOrder", "unknownSubscriptions"] as const) {
        expect(Object.values(last[k]).every((v) => v === 0), `${k}: ${JSON.stringify(last[k])}`).toBe(true);
      }
      const health = await (await fetch(`${api}/health`)).json() as { status: string };
      expect(health.status).toBe("ok");
    } finally {
      await system?.stop();
      if (level === undefined) delete process.env.ALPHAPULSE_LOG_LEVEL;
      else process.env.ALPHAPULSE_LOG_LEVEL = level;
    }
  }, 420_000);
});
