import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until as waitUntil } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-demo-"));
let system: RunningSystem;
let auth: Record<string, string>;

/** Waits up to 90 s: eleven processes start slowly on a loaded 2-core machine. */
const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => waitUntil(what, probe, 90_000, 250);

const get = async (path: string) => (await fetch(`${system.apiUrl}${path}`, { headers: auth })).json();

interface Position { instrument: { assetId: string; venue: number }; quantity: string; averagePrice: string; realized: string; fees: string }
interface PortfolioBody { tradingState: string; totals: { fills: number; realized: string; fees: string }; positions: Position[] }

function book(p: PortfolioBody) {
  return {
    fills: p.totals.fills, realized: p.totals.realized, fees: p.totals.fees,
    positions: p.positions.map((x) => [x.instrument.assetId, x.instrument.venue, x.quantity, x.averagePrice, x.realized, x.fees]).sort(),
  };
}

beforeAll(async () => {
  // The real embedded demo, in a private runtime directory, API on a free port; test output: warnings and errors.
  system = await startDemo(join(dir, "run"), "demo-test", "warn");
  auth = { authorization: `Bearer ${system.token}` };
}, 180_000);

afterAll(async () => {
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the embedded demo as supervised processes", () => {
  it("becomes healthy with every service up and market data flowing", async () => {
    const health = await until("health ok", async () => {
      const r = await fetch(`${system.apiUrl}/health`);
      const body = await r.json();
      return r.status === 200 && body.messageRate > 0 ? body : undefined;
    });
    expect(health.dependencies.length).toBe(11);
  }, 120_000);

  it("trades end to end: signals → orders → risk → paper fills → portfolio", async () => {
    const p = await until("first fills", async () => {
      const body = (await get("/portfolio")) as PortfolioBody;
      return body.totals.fills > 0 ? body : undefined;
    });
    expect(p.positions.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${system.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/alphapulse_strategy_signals_total\{strategy="strategy-momentum",kind="momentum"\} [1-9]/);
    expect(metrics).toMatch(/alphapulse_execution_risk_accepted_total [1-9]/);
    // Risk's clock-skew counters (issue 8) reach /metrics too; the demo's adapters stamp with the local clock.
    expect(metrics).toMatch(/alphapulse_execution_risk_clock_skew_total\{kind="market_data"\} \d+/);
    expect(metrics).toMatch(/alphapulse_execution_risk_stale_order_stamps_total \d+/);
    // Adapter counters reach /metrics, the trade fast path and the Coinbase REST backfill counters too.
    expect(metrics).toMatch(/alphapulse_adapter_frames_total\{adapter="adapter-coinbase",venue="coinbase"\} [1-9]/);
    expect(metrics).toMatch(/alphapulse_adapter_fast_path_frames_total\{adapter="adapter-coinbase",venue="coinbase"\} [1-9]/);
    expect(metrics).toMatch(/alphapulse_adapter_backfill_lost_total\{adapter="adapter-coinbase",venue="coinbase"\} \d+/);
  }, 120_000);

  it("restarts an adapter killed with SIGKILL and leaves every other service running", async () => {
    const before = system.services();
    const victim = before.find((s) => s.name === "adapter-coinbase")!;
    process.kill(victim.pid!, "SIGKILL");
    await until("adapter restarted", async () => {
      const s = system.services().find((x) => x.name === "adapter-coinbase")!;
      return s.state === "running" && s.pid !== victim.pid ? true : undefined;
    });
    for (const s of before.filter((x) => x.name !== "adapter-coinbase")) {
      expect(system.services().find((x) => x.name === s.name)!.pid).toBe(s.pid);
    }
  }, 120_000);

  it("halts trading with the kill switch, and a killed execution service comes back with the same portfolio, still halted, with the API's limits", async () => {
    const halted = await (await fetch(`${system.apiUrl}/kill-switch`, { method: "POST", headers: auth })).json();
    expect(halted).toMatchObject({ tradingState: "HALTED" });
    const put = await fetch(`${system.apiUrl}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ maxOpenOrders: 7 }) });
    expect(put.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const before = (await get("/portfolio")) as PortfolioBody;
    expect(before.totals.fills).toBeGreaterThan(0);
    const exec = system.services().find((s) => s.name === "execution")!;
    process.kill(exec.pid!, "SIGKILL");
    const after = await until("execution back", async () => {
      const s = system.services().find((x) => x.name === "execution")!;
      if (s.state !== "running" || s.pid === exec.pid) return undefined;
      const r = await fetch(`${system.apiUrl}/portfolio`, { headers: auth });
      return r.status === 200 ? ((await r.json()) as PortfolioBody) : undefined;
    });
    expect(after.tradingState).toBe("HALTED");
    expect(book(after)).toEqual(book(before));
    expect(((await get("/risk/limits")) as { maxOpenOrders: number }).maxOpenOrders).toBe(7);
    const released = await (await fetch(`${system.apiUrl}/kill-switch`, { method: "DELETE", headers: auth })).json();
    expect(released).toMatchObject({ tradingState: "ACTIVE" });
  }, 120_000);

  it("shuts down within the deadline and leaves no socket files", async () => {
    await system.stop();
    expect(readdirSync(join(dir, "run")).filter((n) => n.endsWith(".sock") || n.endsWith(".ctl"))).toEqual([]);
  }, 30_000);
});
