import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import { domainName } from "../../relay/wire/socket-paths.ts";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until as waitUntil } from "../runtime/helpers.ts";
import { journalWindow, LoadPublisher, SequenceObserver, type JournalWindow, type SourceAccount } from "./observer.ts";

/**
 * Fault injection under load (issue 8): the embedded demo as supervised processes (four relays, adapters,
 * strategies, execution, API), plus one synthetic publisher per relay — the "load": source 9 sends
 * 2 000 Trades/s into the market-data relay, sources 39, 59 and 99 send 500 Heartbeats/s into the signal,
 * execution and system relays (Heartbeats change no trading decision) — and one observer subscribed to
 * each relay that accounts for every source's sequences. Each case SIGKILLs one service and checks: the
 * supervisor restarts it, every other service keeps its pid, the killed service's job works again end
 * to end, and what was lost. Every load source must lose nothing on every relay in every case (delivered,
 * not even a Gap); the execution service, which subscribes to the signal and execution relays without a
 * filter and journals what it gets, must have every load message of those relays in its journal (it
 * catches up by retransmission after a relay restart); no service that stayed up may count a dropped
 * message (its StatusReport `dropped`, read from `/metrics`); a restarted relay's own metrics must show
 * no drop and no Gap sent. The killed service loses what the design does not promise to keep (a
 * restarted adapter or strategy starts its sequence over; what it would have produced while down is not
 * made up). The API runs on port 0: its restart must come back at the address the system printed. Each
 * case prints its accounts as one JSON line ("fault-injection …") for docs/RELIABILITY.md.
 */

/** One load publisher per relay, and the observer id subscribed to that relay. */
const LOADS = [
  { domain: RelayDomain.MarketData, source: 9, rate: 2000, observer: 75 },
  { domain: RelayDomain.Signal, source: 39, rate: 500, observer: 76 },
  { domain: RelayDomain.Execution, source: 59, rate: 500, observer: 77 },
  { domain: RelayDomain.System, source: 99, rate: 500, observer: 78 },
] as const;
const LOAD_SOURCE = 9;
const dir = mkdtempSync(join(tmpdir(), "ap-faults-"));
let system: RunningSystem;
const loads = new Map<number, LoadPublisher>();
const observers = new Map<number, SequenceObserver>();
let md: SequenceObserver;
let sig: SequenceObserver;
let ex: SequenceObserver;
let sys: SequenceObserver;
let auth: Record<string, string>;

const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> => waitUntil(what, probe, ms, 100);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  system = await startDemo(join(dir, "run"), "fault-test", "error"); // API on port 0: a restart must take the same port again
  auth = { authorization: `Bearer ${system.token}` };
  await until("every service running", async () => (system.services().every((s) => s.state === "running") ? true : undefined), 120_000);
  for (const l of LOADS) observers.set(l.domain, await SequenceObserver.connect(system.paths.relaySocket(l.domain), l.domain, l.observer));
  md = observers.get(RelayDomain.MarketData)!;
  sig = observers.get(RelayDomain.Signal)!;
  ex = observers.get(RelayDomain.Execution)!;
  sys = observers.get(RelayDomain.System)!;
  for (const l of LOADS) loads.set(l.domain, await LoadPublisher.start(system.paths.relaySocket(l.domain), l.source, l.rate, l.domain));
  // Market data from the venue adapters and every load reach the observers.
  await until("market data flowing", async () => (md.account(LOAD_SOURCE).delivered > 500 && md.account(3).delivered > 0 ? true : undefined), 90_000);
  await until("every service's StatusReport in /metrics", async () => (Object.keys(await serviceDrops()).length === system.services().length ? true : undefined), 30_000);
  for (const l of LOADS) await until(`load on domain ${l.domain} flowing`, async () => (observers.get(l.domain)!.account(l.source).delivered > 100 ? true : undefined), 30_000);
}, 240_000);

afterAll(async () => {
  for (const l of loads.values()) await l.close();
  for (const o of observers.values()) await o.close();
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

type Tally = Omit<SourceAccount, "expected">;

function diff(o: SequenceObserver, before: Map<number, SourceAccount>): Record<string, Tally> {
  const out: Record<string, Tally> = {};
  for (const [src, a] of o.accounts) {
    const b = before.get(src) ?? { delivered: 0, gapCovered: 0, holes: 0, duplicates: 0, restarts: 0 };
    out[src] = { delivered: a.delivered - b.delivered, gapCovered: a.gapCovered - b.gapCovered, holes: a.holes - b.holes, duplicates: a.duplicates - b.duplicates, restarts: a.restarts - b.restarts };
  }
  return out;
}

/** A load source's window: sequences after `sentBefore` up to what its observer reached, once it has every message sent so far (or 15 s). */
interface LoadWindow extends Tally {
  /** Sequences of the window (the observer's last − `sentBefore`). */
  sequences: number;
  /** The observer reached every message the load had sent when the case ended. */
  caughtUp: boolean;
  /** First and last sequence of the window. */
  from: number;
  to: number;
}

async function settleLoad(domain: number, sentBefore: number, before: Map<number, SourceAccount>): Promise<LoadWindow> {
  const load = loads.get(domain)!;
  const o = observers.get(domain)!;
  const sentNow = load.sent;
  const caughtUp = await until("load delivered", async () => (o.account(load.source).expected > sentNow ? true : undefined), 15_000).catch(() => false);
  const w = diff(o, before)[load.source]!;
  const to = o.account(load.source).expected - 1;
  return { sequences: to - sentBefore, caughtUp, from: sentBefore + 1, to, ...w };
}

/** What the execution service journaled of the signal and execution loads over their windows (waits up to 10 s for it to be complete). */
async function journaled(windows: Record<number, LoadWindow>): Promise<Record<number, JournalWindow>> {
  const read = async (): Promise<Record<number, JournalWindow>> => {
    const out: Record<number, JournalWindow> = {};
    for (const d of [RelayDomain.Signal, RelayDomain.Execution]) {
      const w = windows[d]!;
      out[d] = await journalWindow(join(system.paths.dir, "journal"), "execution", d, loads.get(d)!.source, w.from, w.to);
    }
    return out;
  };
  return await until("load journaled", async () => {
    const j = await read();
    return Object.values(j).every((x) => x.missing === 0) ? j : undefined;
  }, 10_000).catch(read);
}

/** Every service's `dropped` count as its last StatusReport said (`alphapulse_service_dropped_total` of `/metrics`). */
async function serviceDrops(): Promise<Record<string, number>> {
  const text = await (await api("/metrics", {}, false)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^alphapulse_service_dropped_total\{service="([^"]+)",kind="[^"]*"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Every relay's drops by reason, from its own metrics in `/metrics` (current, not a StatusReport's). */
async function relayDrops(): Promise<Record<string, Record<string, number>>> {
  const text = await (await api("/metrics", {}, false)).text();
  const out: Record<string, Record<string, number>> = {};
  for (const m of text.matchAll(/^alphapulse_relay_dropped_total\{domain="([^"]+)",reason="([^"]+)"\} (\d+)$/gm)) {
    (out[`relay-${m[1]}`] ??= {})[m[2]!] = Number(m[3]);
  }
  return out;
}

interface CaseResult {
  md: Record<string, Tally>;
  sig: Record<string, Tally>;
  ex: Record<string, Tally>;
  sys: Record<string, Tally>;
  /** Load windows by relay domain. */
  loads: Record<number, LoadWindow>;
  /** The market-data load's window (domain 1). */
  load: LoadWindow;
  /** What the execution service journaled of the signal (2) and execution (3) loads; absent when it was the one killed. */
  journal?: Record<number, JournalWindow>;
  /** Services other than relays and the killed one whose reported `dropped` count changed over the case (after − before). */
  drops: Record<string, number>;
  /** Relays other than the killed one whose drops changed over the case, by reason (after − before). */
  relayDrops: Record<string, Record<string, number>>;
  /** The killed service subscribed to relays (a strategy, the execution service, the API). */
  killedSubscriber: boolean;
  /** Services whose `dropped` count `/metrics` showed before the case. */
  reporting: number;
  /** Relays whose drops by reason `/metrics` showed before the case. */
  relaysReporting: number;
  downMs: number;
}

async function runCase(name: string, extra: (downMs: number) => Promise<void> = async () => {}): Promise<CaseResult> {
  const before = new Map([...observers].map(([d, o]) => [d, snapshot(o)]));
  const sentBefore = new Map([...loads].map(([d, l]) => [d, observers.get(d)!.account(l.source).expected - 1]));
  const dropsBefore = await serviceDrops();
  const relayBefore = await relayDrops();
  const killedSubscriber = ["strategy", "execution", "api"].includes(system.services().find((s) => s.name === name)!.kind);
  const { downMs } = await killAndWait(name);
  await extra(downMs);
  await sleep(1000);
  const windows: Record<number, LoadWindow> = {};
  await Promise.all([...loads.keys()].map(async (d) => (windows[d] = await settleLoad(d, sentBefore.get(d)!, before.get(d)!))));
  const r: CaseResult = {
    md: diff(md, before.get(RelayDomain.MarketData)!), sig: diff(sig, before.get(RelayDomain.Signal)!),
    ex: diff(ex, before.get(RelayDomain.Execution)!), sys: diff(sys, before.get(RelayDomain.System)!),
    loads: windows, load: windows[RelayDomain.MarketData]!, drops: {}, relayDrops: {}, killedSubscriber,
    reporting: Object.keys(dropsBefore).length, relaysReporting: Object.keys(relayBefore).length, downMs,
  };
  for (const [relay, reasons] of Object.entries(await relayDrops())) {
    if (relay === name) continue;
    for (const [reason, n] of Object.entries(reasons)) {
      const delta = n - (relayBefore[relay]?.[reason] ?? 0);
      if (delta !== 0) (r.relayDrops[relay] ??= {})[reason] = delta;
    }
  }
  await sleep(1000); // one more round of StatusReports
  for (const [svc, n] of Object.entries(await serviceDrops())) {
    if (svc !== name && !svc.startsWith("relay-") && n !== (dropsBefore[svc] ?? 0)) r.drops[svc] = n - (dropsBefore[svc] ?? 0);
  }
  if (name !== "execution") r.journal = await journaled(windows);
  process.stdout.write(`fault-injection ${name}: ${JSON.stringify(r)}\n`);
  return r;
}

/**
 * Every load source lost nothing on its relay (and, unless the execution service was killed, in its
 * journal), and no service that stayed up counted a dropped message (StatusReport `dropped`: outgoing
 * buffer overflow, journal, breaker) — the relays none but what was queued for a killed subscriber
 * when its connection went away (reason `disconnected`: not promised to a dead process).
 */
function expectLoadsIntact(r: CaseResult): void {
  expect(r.reporting).toBe(system.services().length);
  expect(r.relaysReporting).toBe(4);
  expect(r.drops).toEqual({});
  const allowed = r.killedSubscriber ? ["disconnected"] : [];
  for (const [relay, reasons] of Object.entries(r.relayDrops)) {
    expect({ relay, reasons: Object.keys(reasons).filter((x) => !allowed.includes(x)) }).toEqual({ relay, reasons: [] });
  }
  for (const [d, w] of Object.entries(r.loads)) {
    expect({ domain: d, caughtUp: w.caughtUp, holes: w.holes, gapCovered: w.gapCovered, delivered: w.delivered })
      .toEqual({ domain: d, caughtUp: true, holes: 0, gapCovered: 0, delivered: w.sequences });
    expect(w.sequences).toBeGreaterThan(0);
  }
  for (const [d, j] of Object.entries(r.journal ?? {})) {
    const w = r.loads[Number(d)]!;
    expect({ domain: d, found: j.found, missing: j.missing, duplicates: j.duplicates }).toEqual({ domain: d, found: w.sequences, missing: 0, duplicates: 0 });
  }
}

/** No source of `tallies` skipped a sequence without a Gap notice, except as listed in `restarted`. */
function expectNoHoles(tallies: Record<string, Tally>, restarted: readonly string[] = []): void {
  for (const [src, a] of Object.entries(tallies)) {
    expect({ src, holes: a.holes, gapCovered: a.gapCovered }).toEqual({ src, holes: 0, gapCovered: 0 });
    if (!restarted.includes(src)) expect({ src, restarts: a.restarts }).toEqual({ src, restarts: 0 });
  }
}

async function api(path: string, init: RequestInit = {}, withAuth = true): Promise<Response> {
  return await fetch(`${system.apiUrl}${path}`, { ...init, headers: withAuth ? auth : {} });
}

interface Amount { amount: string; currency: string | null }
interface Position { instrument: { assetId: string; venue: string }; quantity: Amount; averagePrice: Amount; realized: Amount; fees: Amount }
interface PortfolioBody { tradingState: string; totals: { fills: number }; pnl: { currency: string | null; realized: Amount; fees: Amount }[]; positions: Position[] }

/** The parts of the portfolio that only fills change (unrealized P&L moves with every price). */
function book(p: PortfolioBody) {
  return {
    tradingState: p.tradingState, fills: p.totals.fills, pnl: p.pnl.map((x) => [x.currency, x.realized.amount, x.fees.amount]),
    positions: p.positions.map((x) => [x.instrument.assetId, x.instrument.venue, x.quantity.amount, x.averagePrice.amount, x.realized.amount, x.fees.amount].join(" ")).sort(),
  };
}

/** Messages delivered so far of `sources` on observer `o`. */
const delivered = (o: SequenceObserver, sources: readonly number[]): number => sources.reduce((n, s) => n + o.account(s).delivered, 0);

/** `/health` answers 200 with every dependency up and heard from at or after `since` (ms epoch). */
async function healthyAfter(since: number): Promise<{ status: string; dependencies: { name: string; status: string; lastSeen: string | null }[] } | undefined> {
  const res = await api("/health", {}, false);
  if (res.status !== 200) return undefined;
  const h = (await res.json()) as { status: string; dependencies: { name: string; status: string; lastSeen: string | null }[] };
  return h.dependencies.every((d) => d.status === "up" && d.lastSeen !== null && Date.parse(d.lastSeen) >= since) ? h : undefined;
}

/**
 * The relay of `domain`'s own metrics as `/metrics` of the API shows them (series name with its labels
 * other than the domain → value), once that relay answers there (its control socket is up).
 */
async function relayMetrics(domain: number): Promise<Record<string, number>> {
  return await until(`relay ${domain} metrics`, async () => {
    const text = await (await api("/metrics", {}, false)).text();
    const out: Record<string, number> = {};
    const re = new RegExp(`^alphapulse_relay_(\\w+)\\{domain="${domainName(domain as RelayDomain)}"(?:,([^}]*))?\\} (\\S+)$`, "gm");
    for (const m of text.matchAll(re)) out[m[2] ? `${m[1]}{${m[2]}}` : m[1]!] = Number(m[3]);
    return "uptime_seconds" in out ? out : undefined;
  }, 10_000);
}

/** The restarted relay dropped nothing a publisher or subscriber could miss (duplicates of re-sent batches are expected). */
function expectRelayClean(m: Record<string, number>): void {
  for (const reason of ["invalid", "wrongDomain", "slowConsumer", "notPublisher", "badControl", "disconnected", "sourceOwned"]) {
    expect({ reason, dropped: m[`dropped_total{reason="${reason}"}`] }).toEqual({ reason, dropped: 0 });
  }
  expect(m.messages_in_total).toBeGreaterThan(0);
  // Subscribers caught up by retransmission, and the relay never had to say a range was gone.
  expect(m.retransmit_requests_total).toBeGreaterThanOrEqual(1);
  expect(m.gaps_sent_total).toBe(0);
}

/** The non-zero counters of a relay's metrics (latency left out), for the case's log line. */
function nonZero(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([k, v]) => v !== 0 && !k.startsWith("forward_latency")));
}

describe("kill -9 of each service kind under load (supervised demo system)", () => {
  it("the market-data relay: restarted; publishers re-send, the load source loses nothing", async () => {
    const r = await runCase("relay-market-data");
    const metrics = await relayMetrics(RelayDomain.MarketData);
    process.stdout.write(`fault-injection relay-market-data metrics: ${JSON.stringify(nonZero(metrics))}\n`);
    expectRelayClean(metrics);
    expectLoadsIntact(r);
    expect(r.load.sequences).toBeGreaterThan(1000);
    expect(md.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    const load = loads.get(RelayDomain.MarketData)!;
    expect(load.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.droppedOutgoing).toBe(0);
    expectNoHoles(r.md);
  }, 60_000);

  it("an adapter: restarted, its sequence starts over; other sources lose nothing", async () => {
    const r = await runCase("adapter-coinbase", async () => {
      await until("coinbase data again", async () => (md.account(3).restarts > 0 ? true : undefined), 30_000);
    });
    expect(r.md["3"]!.restarts).toBe(1);
    expectLoadsIntact(r);
    expectNoHoles(r.md, ["3"]);
  }, 60_000);

  it("a strategy: restarted; market data loses nothing", async () => {
    const r = await runCase("strategy-momentum");
    expectLoadsIntact(r);
    expectNoHoles(r.md);
    for (const [src, a] of Object.entries(r.sig)) expect({ src, holes: a.holes }).toEqual({ src, holes: 0 });
  }, 60_000);

  it("the execution service: restarted and answering the API again; market data loses nothing", async () => {
    const r = await runCase("execution", async () => {
      await until("portfolio answers", async () => ((await api("/portfolio")).status === 200 ? true : undefined), 30_000);
    });
    expectLoadsIntact(r);
    expectNoHoles(r.md);
  }, 60_000);

  it("the signal relay: restarted; strategies' signals reach the execution service again, nothing published is lost", async () => {
    let signal: { source: number; sequence: number } | undefined;
    const r = await runCase("relay-signal", async () => {
      // A strategy signal published after the restart, seen by the observer …
      const seen = [20, 21].map((s) => sig.account(s).delivered);
      await until("a strategy signal after the restart", async () => (delivered(sig, [20, 21]) > seen[0]! + seen[1]! ? true : undefined), 20_000);
      const source = sig.account(21).delivered > seen[1]! ? 21 : 20;
      signal = { source, sequence: sig.account(source).expected - 1 };
      // … is in the execution service's journal: strategy → restarted relay → execution.
      await until("the signal journaled by the execution service", async () => {
        const j = await journalWindow(join(system.paths.dir, "journal"), "execution", RelayDomain.Signal, signal!.source, signal!.sequence, signal!.sequence);
        return j.found === 1 ? true : undefined;
      }, 10_000);
    });
    expect(signal).toBeDefined();
    const metrics = await relayMetrics(RelayDomain.Signal);
    process.stdout.write(`fault-injection relay-signal metrics: ${JSON.stringify(nonZero(metrics))}\n`);
    expectRelayClean(metrics);
    expectLoadsIntact(r);
    expectNoHoles(r.sig);
    expectNoHoles(r.md);
    const load = loads.get(RelayDomain.Signal)!;
    expect(sig.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.droppedOutgoing).toBe(0);
  }, 60_000);

  it("the execution relay: restarted; orders, acks and fills flow again, nothing published is lost", async () => {
    const r = await runCase("relay-execution", async () => {
      const orders = ex.account(43).delivered;
      const venue = ex.account(41).delivered;
      await until("an order and a venue ack/fill after the restart", async () => (ex.account(43).delivered > orders && ex.account(41).delivered > venue ? true : undefined), 45_000);
    });
    const metrics = await relayMetrics(RelayDomain.Execution);
    process.stdout.write(`fault-injection relay-execution metrics: ${JSON.stringify(nonZero(metrics))}\n`);
    expectRelayClean(metrics);
    expectLoadsIntact(r);
    expectNoHoles(r.ex);
    expectNoHoles(r.md);
    expect(r.ex["43"]!.delivered).toBeGreaterThan(0);
    expect(r.ex["41"]!.delivered).toBeGreaterThan(0);
    const load = loads.get(RelayDomain.Execution)!;
    expect(ex.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.droppedOutgoing).toBe(0);
  }, 120_000);

  it("the system relay: restarted; every service's heartbeats reach the API again, none is lost", async () => {
    let health: Awaited<ReturnType<typeof healthyAfter>>;
    const r = await runCase("relay-system", async () => {
      const since = Date.now();
      health = await until("every service heard from after the restart", () => healthyAfter(since), 45_000);
    });
    expect(health!.dependencies.length).toBe(system.services().length - 1);
    const metrics = await relayMetrics(RelayDomain.System);
    process.stdout.write(`fault-injection relay-system metrics: ${JSON.stringify(nonZero(metrics))}\n`);
    expectRelayClean(metrics);
    expectLoadsIntact(r);
    // The restarted relay's own reporter (source 83) starts over; every other service's heartbeats
    // published while the relay was down were re-sent: no hole.
    expect(r.sys["83"]!.restarts).toBe(1);
    expectNoHoles(r.sys, ["83"]);
    // Every service's reporter was heard in the window (ids: config/default.yaml, relays 80–83, API 60).
    for (const id of [1, 2, 3, 4, 20, 21, 40, 60, 80, 81, 82, 83]) expect({ id, heard: (r.sys[String(id)]?.delivered ?? 0) > 0 }).toEqual({ id, heard: true });
    const load = loads.get(RelayDomain.System)!;
    expect(sys.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(load.client.stats.droppedOutgoing).toBe(0);
  }, 120_000);

  it("the API: restarted on its port; answers with auth again and reports the same trading state and book", async () => {
    const address = (): Promise<{ url: string; port: number }> => readFile(join(system.paths.dir, "api.json"), "utf8").then((t) => JSON.parse(t));
    const first = await address();
    expect(first.url).toBe(system.apiUrl);
    expect(await (await api("/kill-switch", { method: "POST" })).json()).toMatchObject({ tradingState: "HALTED" });
    await sleep(500);
    const before = (await (await api("/portfolio")).json()) as PortfolioBody;
    let after: PortfolioBody | undefined;
    const r = await runCase("api", async () => {
      await until("the API answers again", async () => ((await api("/portfolio", {}, false)).status === 401 ? true : undefined), 30_000);
      after = (await (await api("/portfolio")).json()) as PortfolioBody;
    });
    // The config asks for any port (0): the new process took the one the system printed again.
    expect(await address()).toEqual(first);
    expect(book(after!)).toEqual(book(before));
    expect(after!.tradingState).toBe("HALTED");
    expect(await (await api("/kill-switch", { method: "DELETE" })).json()).toMatchObject({ tradingState: "ACTIVE" });
    const since = Date.now();
    await until("every service heard from by the new API", () => healthyAfter(since), 20_000);
    const services = (await (await api("/services")).json()) as { name: string; restarts: number; state: string }[];
    expect(services.find((s) => s.name === "api")).toMatchObject({ state: "running", restarts: 1 });
    expectLoadsIntact(r);
    for (const t of [r.md, r.sig, r.ex]) expectNoHoles(t);
    expectNoHoles(r.sys, ["60"]); // the new API process's reporter starts over
  }, 60_000);
});
