import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until as waitUntil } from "../runtime/helpers.ts";
import { LoadPublisher, SequenceObserver, type SourceAccount } from "./observer.ts";

/**
 * Fault injection under load (issue 8): the embedded demo as supervised processes (real relays,
 * adapters, strategies, execution, API), plus a synthetic publisher (source 9, 2 000 Trades/s into the
 * market-data relay) and observers subscribed to the market-data and signal relays that account for
 * every source's sequences. Each case SIGKILLs one service kind and checks: the supervisor restarts it,
 * every other service keeps its pid, and what was lost — the load source must lose nothing (delivered,
 * not even a Gap), the killed service loses what the design does not promise to keep (a restarted
 * adapter or strategy starts its sequence over: what it would have produced while down is not made up).
 * Each case prints its accounts as one JSON line ("fault-injection …") for docs/RELIABILITY.md.
 */

const LOAD_SOURCE = 9;
const dir = mkdtempSync(join(tmpdir(), "ap-faults-"));
let system: RunningSystem;
let load: LoadPublisher;
let md: SequenceObserver;
let sig: SequenceObserver;

const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> => waitUntil(what, probe, ms, 100);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  system = await startDemo(join(dir, "run"), "fault-test", "error");
  await until("every service running", async () => (system.services().every((s) => s.state === "running") ? true : undefined), 120_000);
  md = await SequenceObserver.connect(system.paths.relaySocket(RelayDomain.MarketData), RelayDomain.MarketData, 75);
  sig = await SequenceObserver.connect(system.paths.relaySocket(RelayDomain.Signal), RelayDomain.Signal, 76);
  load = await LoadPublisher.start(system.paths.relaySocket(RelayDomain.MarketData), LOAD_SOURCE, 2000);
  // Market data from the venue adapters and the load reach the observer.
  await until("market data flowing", async () => (md.account(LOAD_SOURCE).delivered > 500 && md.account(3).delivered > 0 ? true : undefined), 90_000);
}, 240_000);

afterAll(async () => {
  await load?.close();
  await md?.close();
  await sig?.close();
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** SIGKILLs `name` under load; resolves once the supervisor has it running again with a new pid. */
async function killAndWait(name: string): Promise<{ downMs: number }> {
  const before = system.services();
  const victim = before.find((s) => s.name === name)!;
  expect(victim.state).toBe("running");
  const t0 = performance.now();
  process.kill(victim.pid!, "SIGKILL");
  await until(`${name} restarted`, async () => {
    const s = system.services().find((x) => x.name === name)!;
    return s.state === "running" && s.pid !== victim.pid ? true : undefined;
  });
  const downMs = Math.round(performance.now() - t0);
  const after = system.services();
  expect(after.find((x) => x.name === name)!.lastExit).toEqual({ code: null, signal: "SIGKILL" });
  for (const s of before.filter((x) => x.name !== name)) expect({ name: s.name, pid: after.find((x) => x.name === s.name)!.pid }).toEqual({ name: s.name, pid: s.pid });
  return { downMs };
}

/** Copies of the accounts, to diff a case's window. */
function snapshot(o: SequenceObserver): Map<number, SourceAccount> {
  return new Map([...o.accounts].map(([k, v]) => [k, { ...v }]));
}

function diff(o: SequenceObserver, before: Map<number, SourceAccount>): Record<string, Omit<SourceAccount, "expected">> {
  const out: Record<string, Omit<SourceAccount, "expected">> = {};
  for (const [src, a] of o.accounts) {
    const b = before.get(src) ?? { delivered: 0, gapCovered: 0, holes: 0, duplicates: 0, restarts: 0 };
    out[src] = { delivered: a.delivered - b.delivered, gapCovered: a.gapCovered - b.gapCovered, holes: a.holes - b.holes, duplicates: a.duplicates - b.duplicates, restarts: a.restarts - b.restarts };
  }
  return out;
}

/** Load-source window: sequences after `sentBefore` up to what the observer reached, once it has every load message sent so far (or 15 s). */
interface LoadWindow extends Omit<SourceAccount, "expected"> {
  /** Sequences of the window (the observer's last − `sentBefore`). */
  sequences: number;
  /** The observer reached every message the load had sent when the case ended. */
  caughtUp: boolean;
}

async function settleLoad(sentBefore: number, before: Map<number, SourceAccount>): Promise<LoadWindow> {
  const sentNow = load.sent;
  const caughtUp = await until("load delivered", async () => (md.account(LOAD_SOURCE).expected > sentNow ? true : undefined), 15_000).catch(() => false);
  const w = diff(md, before)[LOAD_SOURCE]!;
  return { sequences: md.account(LOAD_SOURCE).expected - 1 - sentBefore, caughtUp, ...w };
}

async function runCase(name: string, extra: () => Promise<void> = async () => {}): Promise<{ md: Record<string, unknown>; sig: Record<string, unknown>; load: LoadWindow; downMs: number }> {
  const mdBefore = snapshot(md);
  const sigBefore = snapshot(sig);
  const sentBefore = md.account(LOAD_SOURCE).expected - 1;
  const { downMs } = await killAndWait(name);
  await extra();
  await sleep(1000);
  const loadWindow = await settleLoad(sentBefore, mdBefore);
  const r = { md: diff(md, mdBefore), sig: diff(sig, sigBefore), load: loadWindow, downMs };
  process.stdout.write(`fault-injection ${name}: ${JSON.stringify(r)}\n`);
  return r;
}

describe("kill -9 of each service kind under load (supervised demo system)", () => {
  it("the market-data relay: restarted; publishers re-send, the load source loses nothing", async () => {
    const r = await runCase("relay-market-data");
    expect(r.load.caughtUp).toBe(true);
    expect(r.load.sequences).toBeGreaterThan(1000);
    expect(r.load.holes).toBe(0);
    expect(r.load.gapCovered).toBe(0);
    expect(r.load.delivered).toBe(r.load.sequences);
    expect(md.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.droppedOutgoing).toBe(0);
  }, 60_000);

  it("an adapter: restarted, its sequence starts over; other sources lose nothing", async () => {
    const r = await runCase("adapter-coinbase", async () => {
      await until("coinbase data again", async () => (md.account(3).restarts > 0 ? true : undefined), 30_000);
    });
    expect((r.md["3"] as SourceAccount).restarts).toBe(1);
    expect(r.load.holes + r.load.gapCovered).toBe(0);
    expect(r.load.caughtUp).toBe(true);
    expect(r.load.delivered).toBe(r.load.sequences);
    for (const [src, a] of Object.entries(r.md)) if (src !== "3") expect({ src, holes: (a as SourceAccount).holes }).toEqual({ src, holes: 0 });
  }, 60_000);

  it("a strategy: restarted; market data loses nothing", async () => {
    const r = await runCase("strategy-momentum");
    expect(r.load.holes + r.load.gapCovered).toBe(0);
    expect(r.load.caughtUp).toBe(true);
    expect(r.load.delivered).toBe(r.load.sequences);
    for (const [src, a] of Object.entries(r.sig)) expect({ src, holes: (a as SourceAccount).holes }).toEqual({ src, holes: 0 });
  }, 60_000);

  it("the execution service: restarted and answering the API again; market data loses nothing", async () => {
    const r = await runCase("execution", async () => {
      await until("portfolio answers", async () => {
        const res = await fetch(`${system.apiUrl}/portfolio`, { headers: { authorization: `Bearer ${system.token}` } });
        return res.status === 200 ? true : undefined;
      }, 30_000);
    });
    expect(r.load.holes + r.load.gapCovered).toBe(0);
    expect(r.load.caughtUp).toBe(true);
    expect(r.load.delivered).toBe(r.load.sequences);
  }, 60_000);
});
