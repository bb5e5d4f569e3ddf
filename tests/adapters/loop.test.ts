/**
 * The demo lives forever (issue 15, item 1), in accelerated form: every venue replays its demo capture
 * in a loop through the real adapter code (`startVenueAdapter`, as the adapter service runs it), and
 * every pass publishes what the first did, with the adapter's gap, order, checksum and subscription
 * checks accepting every pass and the venue's ids and times moving on.
 */

import { describe, expect, it } from "vitest";
import type { AdapterMetricsSnapshot } from "../../adapters/common/metrics.ts";
import type { EvmCountersSnapshot } from "../../adapters/evm/metrics.ts";
import { startVenueAdapter, type VenueRun } from "../../adapters/start-venue-adapter.ts";
import { decodeMessage, type Tlv } from "../../protocol/mod.ts";

interface Case {
  venue: string;
  replay: string;
  poolCache?: string;
  /** The TLV every pass must carry (trades for a CEX, pool events for a DEX). */
  main: Tlv["name"];
}

const CASES: Case[] = [
  { venue: "coinbase", replay: "fixtures/demo/coinbase.sim.jsonl", main: "Trade" },
  { venue: "binance", replay: "fixtures/demo/binance.sim.jsonl", main: "Trade" },
  { venue: "kraken", replay: "fixtures/demo/kraken.sim.jsonl", main: "Trade" },
  { venue: "polygon", replay: "fixtures/evm/polygon.sim.capture.jsonl", poolCache: "fixtures/evm/polygon.sim.pool-cache.json", main: "PoolSwap" },
  { venue: "ethereum", replay: "fixtures/evm/ethereum.sim.capture.jsonl", poolCache: "fixtures/evm/ethereum.sim.pool-cache.json", main: "PoolSwap" },
];

const PASSES = 4;

type Snapshot = AdapterMetricsSnapshot & { evm?: EvmCountersSnapshot };

interface Pass {
  tlvs: Tlv[];
  metrics: Snapshot;
}

/** Replays `c` in a loop at high speed until `PASSES` passes are complete; the TLVs and counters of each. */
async function loopReplay(c: Case): Promise<Pass[]> {
  const passes: Pass[] = [];
  let current: Tlv[] = [];
  let run: VenueRun | undefined;
  let resolve!: () => void;
  const finished = new Promise<void>((r) => (resolve = r));
  run = await startVenueAdapter({
    venue: c.venue, replay: c.replay, poolCache: c.poolCache, loop: true, speed: 1000,
    sink: { publish: (bytes) => void current.push(...decodeMessage(bytes).tlvs) },
    onPass: (pass) => {
      if (pass > 0) passes.push({ tlvs: current, metrics: structuredClone(run!.adapter.metrics.snapshot()) as Snapshot });
      current = [];
      if (pass === PASSES) resolve();
    },
  });
  await finished;
  await run.stop();
  return passes;
}

function counts(tlvs: Tlv[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tlvs) out[t.name] = (out[t.name] ?? 0) + 1;
  return out;
}

/** A stable key of an instrument (or pool) for per-instrument checks. */
function keyOf(t: Tlv): string {
  const v = t as unknown as { instrument?: unknown; pool?: string };
  return v.pool ?? JSON.stringify(v.instrument, (_k, x) => (typeof x === "bigint" ? String(x) : x));
}

describe("a looping replay continues the venue pass after pass", () => {
  for (const c of CASES) {
    it(`${c.venue}: every pass publishes what the first did, and the adapter accepts every pass`, async () => {
      const passes = await loopReplay(c);
      expect(passes.length).toBe(PASSES);
      const first = counts(passes[0]!.tlvs);
      expect(first[c.main] ?? 0).toBeGreaterThan(5);
      for (const p of passes) expect(counts(p.tlvs)).toEqual(first);

      const m = passes.at(-1)!.metrics;
      expect({
        gaps: m.gaps, outOfOrder: m.outOfOrder, resyncs: m.resyncs, checksumMismatches: m.checksumMismatches,
        backfillLost: m.backfillLost, unknownInstruments: m.unknownInstruments, unknownFrames: m.unknownFrames,
        venueErrors: m.venueErrors, staleTimeouts: m.staleTimeouts,
      }).toEqual({
        gaps: 0, outOfOrder: 0, resyncs: 0, checksumMismatches: 0, backfillLost: 0, unknownInstruments: 0, unknownFrames: 0,
        venueErrors: 0, staleTimeouts: 0,
      });
      // Errors are only what the capture holds on purpose (the EVM captures' one malformed frame), once per pass.
      const firstErrors = passes[0]!.metrics.parseErrors;
      expect(m.parseErrors).toBe(firstErrors * PASSES);
      if (m.evm !== undefined) {
        expect({ unknownSubscriptions: m.evm.unknownSubscriptions, belowWindow: m.evm.belowWindow, heldBackDropped: m.evm.heldBackDropped })
          .toEqual({ unknownSubscriptions: 0, belowWindow: 0, heldBackDropped: 0 });
        // Retractions are the capture's own reorgs, the same in every pass.
        const firstEvm = passes[0]!.metrics.evm!;
        expect(m.evm.retracted).toBe(firstEvm.retracted * PASSES);
      }

      // Ids and times move on: per instrument, venue times never step back across passes; book
      // sequences and block numbers of a pass are all above those of the pass before.
      const lastTime = new Map<string, bigint>();
      let ordered = 0;
      for (const p of passes) {
        for (const t of p.tlvs) {
          if (t.name !== "Trade") continue;
          const k = keyOf(t);
          expect(t.execTimestamp).toBeGreaterThanOrEqual(lastTime.get(k) ?? 0n);
          lastTime.set(k, t.execTimestamp);
          ordered++;
        }
      }
      if (c.main === "Trade") expect(ordered).toBe(first.Trade! * PASSES);
      for (let i = 1; i < passes.length; i++) {
        const before = passes[i - 1]!.tlvs;
        const now = passes[i]!.tlvs;
        if (c.main === "Trade") {
          // Book sequences (Coinbase sequence, Binance update id; Kraken has none) are per instrument.
          const top = new Map<string, bigint>();
          for (const t of before) if (t.name === "OrderBook" && t.exchangeSequence > (top.get(keyOf(t)) ?? 0n)) top.set(keyOf(t), t.exchangeSequence);
          // (A pass's first book, from the snapshot, still carries the last sequence seen: Coinbase's snapshot has none.)
          const moved = new Set<string>();
          for (const t of now) {
            if (t.name !== "OrderBook" || !top.has(keyOf(t))) continue;
            expect(t.exchangeSequence).toBeGreaterThanOrEqual(top.get(keyOf(t))!);
            if (t.exchangeSequence > top.get(keyOf(t))!) moved.add(keyOf(t));
          }
          expect(moved.size).toBe(top.size);
        } else {
          const blocks = (tlvs: Tlv[]) => tlvs.flatMap((t) => (t.name === "GasPrice" ? [t.blockNumber] : []));
          const top = blocks(before).reduce((a, b) => (a > b ? a : b));
          expect(blocks(now).every((b) => b > top)).toBe(true);
        }
      }
    }, 60_000);
  }
});
