/**
 * Recovery time of the execution service's state (risk manager + portfolio) from a journal of
 * ~200 k messages: a full journal replay (no snapshot) against a snapshot plus the short journal tail
 * after it, both through {@link RecoveryManager.recover} on real files, measured in the same run and
 * reported as a ratio. Both recoveries must end in the same state (checked every round).
 *
 *   npx tsx bench/recovery.bench.ts [--json] [--rounds <n>] [--clock wall|cpu] [--messages <n>] [--tail <n>]
 *   $DENO run -A bench/recovery.bench.ts [same options]
 *
 * The journal is what the execution service writes while trading: per planned order a strategy signal,
 * the planner's OrderRequest, the risk manager's forward (or rejection), the venue's ack and one or two
 * fills; quotes move the market but are not journaled. It is written with the real {@link Journal}
 * (rotating 8 MiB files, fsync per batch) into a temp directory; the snapshot is taken with
 * {@link Journal.checkpoint} `--tail` messages before the end (default 2,000). Rounds alternate the two
 * recoveries (default 3 rounds; the median is reported). `--json` prints the result as JSON.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as v from "valibot";
import {
  MessageView, OrderStatus, OrderType, RelayDomain, Side, Venue, encodeMessage, pairInstrument, type OrderRequestTlv, type Tlv,
} from "../protocol/mod.ts";
import { Journal } from "../runtime/journal.ts";
import { RecoveryManager, type RecoveryReport } from "../runtime/recovery.ts";
import { parseConfig } from "../trading/config.ts";
import { MarketState } from "../trading/execution/market-state.ts";
import { PortfolioConfigSchema } from "../trading/portfolio/config.ts";
import { Portfolio } from "../trading/portfolio/portfolio.ts";
import { RiskConfigSchema } from "../trading/risk/limits.ts";
import { RiskManager } from "../trading/risk/risk-manager.ts";
import { benchOptions, cpuNowMs } from "./options.ts";

const OPTIONS = benchOptions(1);
const argv = process.argv.slice(2);
const intArg = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  const n = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`${name} takes a positive whole number`);
  return n;
};
const MESSAGES = intArg("--messages", 200_000);
const TAIL = intArg("--tail", 2_000);
const ROUNDS = OPTIONS.rounds === 5 && !argv.includes("--rounds") ? 3 : OPTIONS.rounds;
const now = OPTIONS.clock === "cpu" ? cpuNowMs : () => performance.now();

const E8 = 100_000_000n;
const T0 = 1_700_000_000_000_000_000n;
const INSTRUMENTS = [pairInstrument("BTC", "USD", Venue.Coinbase), pairInstrument("ETH", "USD", Venue.Coinbase), pairInstrument("SOL", "USDT", Venue.Binance)];
const riskConfig = () => parseConfig(RiskConfigSchema, {
  orderSources: [43],
  limits: { maxPosition: "50", maxOrderNotional: "100000", maxOpenOrders: 50, maxOrdersPerSecond: 1000, dailyLossLimit: "1000000", maxDataAgeMs: 60_000 },
});
const portfolioConfig = () => v.parse(PortfolioConfigSchema, {});

/** Risk + portfolio as the execution service builds them, and how it applies a journal message. */
function stages() {
  const risk = new RiskManager(riskConfig());
  const portfolio = new Portfolio(portfolioConfig(), new MarketState());
  const view = new MessageView();
  return {
    risk,
    portfolio,
    apply(m: Uint8Array): void {
      view.wrap(m);
      if (view.relayDomain === RelayDomain.Execution) risk.replay(view.wrap(m));
      portfolio.onMessage(view.wrap(m));
    },
    state: () => ({ risk: risk.toSnapshot(), portfolio: portfolio.toSnapshot() }),
    restore(state: unknown): void {
      const s = state as { risk: unknown; portfolio: unknown };
      const r = RiskManager.parseSnapshot(s.risk);
      const p = Portfolio.parseSnapshot(s.portfolio);
      risk.applySnapshot(r);
      portfolio.applySnapshot(p);
    },
  };
}

/** Writes the journal (and the snapshot `TAIL` messages before its end); returns the directories. */
async function buildJournal(root: string): Promise<{ journalDir: string; stateDir: string; written: number }> {
  const journalDir = join(root, "journal");
  const stateDir = join(root, "state");
  const journal = await Journal.open({ dir: journalDir, prefix: "execution", maxFileBytes: 8 * 1024 * 1024, flushIntervalMs: 0 });
  const recovery = new RecoveryManager({ dir: stateDir, service: "execution", journal: { dir: journalDir, prefix: "execution" } });
  const live = stages();
  const decide = new RiskManager(riskConfig(), { sink: { publish: (b) => out.push(b.slice()) } });
  const out: Uint8Array[] = [];
  const view = new MessageView();
  const prices = [30_000n * E8, 2_000n * E8, 150n * E8];
  let written = 0;
  let seq = 0n;
  let orderId = 0n;
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const append = async (m: Uint8Array) => {
    journal.append(m);
    live.apply(m);
    written++;
    if (written % 1024 === 0) await journal.flush();
    if (written === MESSAGES - TAIL) {
      const { value, position } = await journal.checkpoint(live.state);
      await recovery.save(value, position, {});
    }
  };
  while (written < MESSAGES) {
    const t = T0 + seq * 50_000_000n;
    const inst = Math.floor(rnd() * 3);
    prices[inst] = prices[inst]! + BigInt(Math.round((rnd() - 0.5) * 10)) * (prices[inst]! / 10_000n);
    const p = prices[inst]!;
    decide.onMessage(view.wrap(encodeMessage({ relayDomain: RelayDomain.MarketData, source: 3, sequence: ++seq, timestamp: t }, [
      { type: 2, name: "Quote", instrument: INSTRUMENTS[inst]!, bidPrice: p, bidSize: E8, askPrice: p + p / 10_000n, askSize: E8, quoteTimestamp: 0n },
    ])));
    const side = rnd() < 0.5 ? Side.Buy : Side.Sell;
    const signalId = ++orderId * 7n;
    await append(encodeMessage({ relayDomain: RelayDomain.Signal, source: 21, sequence: ++seq, timestamp: t }, [
      { type: 20, name: "SignalIdentity", strategyId: 21, confidence: 80, signalId },
      { type: 22, name: "MomentumSignal", instrument: INSTRUMENTS[inst]!, direction: side === Side.Buy ? 1 : -1, windowSeconds: 5, momentumBps: 10, referencePrice: p },
    ]));
    const quantity = BigInt(1 + Math.floor(rnd() * 100)) * E8 / 100n;
    const order: OrderRequestTlv = {
      type: 40, name: "OrderRequest", orderId, instrument: INSTRUMENTS[inst]!, side, orderType: OrderType.IOC, strategyId: 21, price: 0n, quantity,
      signalId, createdAt: t, maxSlippageBps: 20, flags: 0,
    };
    const planned = encodeMessage({ relayDomain: RelayDomain.Execution, source: 43, sequence: ++seq, timestamp: t }, [order]);
    await append(planned);
    out.length = 0;
    decide.onMessage(view.wrap(planned));
    const decision = out[0]!;
    await append(decision);
    if (!view.wrap(decision).findTlv(40)) continue; // rejected
    const ack: Tlv = { type: 41, name: "OrderAck", orderId, venueOrderId: orderId, status: OrderStatus.Accepted, rejectReason: 0, ackedAt: t };
    await append(encodeMessage({ relayDomain: RelayDomain.Execution, source: 41, sequence: ++seq, timestamp: t }, [ack]));
    const half = quantity / 2n;
    for (const q of half > 0n && rnd() < 0.5 ? [half, quantity - half] : [quantity]) {
      const fill: Tlv = {
        type: 42, name: "Fill", orderId, instrument: INSTRUMENTS[inst]!, side, liquidity: 2, price: side === Side.Buy ? p + p / 10_000n : p, quantity: q,
        fee: (p * q) / E8 / 2_000n, filledAt: t,
      };
      const m = encodeMessage({ relayDomain: RelayDomain.Execution, source: 41, sequence: ++seq, timestamp: t }, [fill]);
      decide.onMessage(view.wrap(m));
      await append(m);
    }
  }
  await journal.close();
  return { journalDir, stateDir, written };
}

async function recoverOnce(journalDir: string, stateDir: string): Promise<{ ms: number; report: RecoveryReport; state: string }> {
  const s = stages();
  const rm = new RecoveryManager({ dir: stateDir, service: "execution", journal: { dir: journalDir, prefix: "execution" } });
  const t0 = now();
  const report = await rm.recover({ restore: s.restore, apply: s.apply });
  const ms = now() - t0;
  return { ms, report, state: JSON.stringify(s.state()) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = mkdtempSync(join(tmpdir(), "ap-recovery-bench-"));
try {
  const { journalDir, stateDir, written } = await buildJournal(root);
  const noSnapshotDir = join(root, "no-state");
  const full: number[] = [];
  const snap: number[] = [];
  let tail = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const a = await recoverOnce(journalDir, noSnapshotDir);
    const b = await recoverOnce(journalDir, stateDir);
    if (a.report.mode !== "full" || b.report.mode !== "snapshot") throw new Error(`unexpected recovery modes ${a.report.mode}/${b.report.mode}`);
    if (a.state !== b.state) throw new Error("snapshot + tail did not end in the same state as the full replay");
    full.push(a.ms);
    snap.push(b.ms);
    tail = b.report.replayedMessages;
  }
  const result = {
    benchmark: "recovery", runtime: OPTIONS.runtimeVersion, clock: OPTIONS.clock, cpu: cpus()[0]?.model ?? "?", cores: cpus().length, loadavg: loadavg(),
    journalMessages: written, tailMessages: tail, rounds: ROUNDS,
    fullReplayMs: Math.round(median(full)), snapshotPlusTailMs: Math.round(median(snap) * 10) / 10,
    speedup: Math.round((median(full) / median(snap)) * 10) / 10, sameState: true,
  };
  if (OPTIONS.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`recovery of risk + portfolio — ${result.runtime}, ${OPTIONS.clock} clock, median of ${ROUNDS} rounds`);
    console.log(`  journal: ${written} messages; snapshot ${tail} messages before the end`);
    console.log(`  full journal replay      ${result.fullReplayMs.toString().padStart(8)} ms`);
    console.log(`  snapshot + tail replay   ${result.snapshotPlusTailMs.toString().padStart(8)} ms`);
    console.log(`  ratio                    ${result.speedup.toString().padStart(8)} × faster (same final state: yes)`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
