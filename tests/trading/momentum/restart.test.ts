import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageView, Side, Venue, encodeMessage, pairInstrument, type InstrumentId } from "../../../protocol/mod.ts";
import { FlashArbitrageStrategy } from "../../../trading/strategies/arbitrage/strategy.ts";
import { ArbitrageConfigSchema } from "../../../trading/strategies/arbitrage/config.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MomentumConfigSchema } from "../../../trading/strategies/momentum/config.ts";
import { MomentumStrategy } from "../../../trading/strategies/momentum/strategy.ts";
import { SnapshotError } from "../../../trading/snapshot-codec.ts";
import { SignalIdSpace, deriveId } from "../../../trading/signal-id.ts";
import { CollectSink } from "../helpers.ts";

const T0 = 1_700_000_000_000_000_000n;
const INSTRUMENTS = [pairInstrument("BTC", "USD", Venue.Coinbase), pairInstrument("ETH", "USD", Venue.Kraken)];
const CONFIG = { windows: [{ seconds: 5, thresholdBps: 3 }, { seconds: 15, thresholdBps: 8 }], minTrades: 3, cooldownMs: 2000 };

/** One trade of a random walk: instrument, seconds since T0, price × 1e8, side. */
interface Trade {
  inst: number;
  at: number;
  price: bigint;
  side: number;
}

/** A deterministic random walk of trades (a tiny LCG: same seed, same trades). */
function walk(seed: number, n: number, startAt = 0): Trade[] {
  let x = seed >>> 0;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const prices = [30_000_00000000n, 2_000_00000000n];
  const out: Trade[] = [];
  let at = startAt;
  for (let i = 0; i < n; i++) {
    const inst = rnd() < 0.5 ? 0 : 1;
    at += rnd() * 0.8;
    const step = BigInt(Math.round((rnd() - 0.48) * 20)) * (prices[inst]! / 10_000n);
    prices[inst] = prices[inst]! + step;
    out.push({ inst, at, price: prices[inst]!, side: rnd() < 0.5 ? Side.Buy : Side.Sell });
  }
  return out;
}

/** Feeds trades as messages of `source` with sequences from `firstSequence`; returns the published signals. */
function feed(strategy: MomentumStrategy, trades: Trade[], firstSequence: bigint, source = 3): Uint8Array[] {
  const sink = new CollectSink();
  strategy.connect(sink);
  const view = new MessageView();
  let seq = firstSequence;
  for (const t of trades) {
    const ts = T0 + BigInt(Math.round(t.at * 1e9));
    const instrument: InstrumentId = INSTRUMENTS[t.inst]!;
    strategy.onMarketData(view.wrap(encodeMessage({ relayDomain: 1, source, sequence: seq++, timestamp: ts }, [
      { type: 1, name: "Trade", instrument, side: t.side, flags: 0, price: t.price, size: 100_000_000n, execTimestamp: ts },
    ])));
  }
  return sink.messages;
}

/** Timestamp and payload of a message (everything but the outbound sequence and the checksum). */
const payload = (m: Uint8Array): [bigint, number[]] => [new DataView(m.buffer, m.byteOffset).getBigUint64(16, true), [...m.subarray(32)]];
const signalIdOf = (m: Uint8Array): bigint => new DataView(m.buffer, m.byteOffset).getBigUint64(32 + 2 + 8, true);
const momentum = () => new MomentumStrategy(parseConfig(MomentumConfigSchema, CONFIG));
const viaJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe("momentum snapshots and signal ids across restarts", () => {
  it("a restored strategy continues exactly like the original: windows, sums and cooldowns", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 5, max: 300 }), (seed, cut) => {
      const trades = walk(seed, 400);
      const original = momentum();
      feed(original, trades.slice(0, cut), 1n);
      const restored = momentum();
      expect(restored.restore(viaJson(original.toSnapshot()))).toEqual([]);
      expect(restored.toSnapshot()).toEqual(original.toSnapshot());
      // Same epoch (no nextRun): the same input must give identical signals — payload bytes (ids
      // included) and timestamps; only the header's outbound sequence starts again with the process.
      const a = feed(original, trades.slice(cut), BigInt(cut + 1));
      const b = feed(restored, trades.slice(cut), BigInt(cut + 1));
      expect(b.map(payload)).toEqual(a.map(payload));
    }), { numRuns: 40 });
  });

  it("the windows matter: a strategy started empty signals differently on the same tail", () => {
    const trades = walk(7, 400);
    const original = momentum();
    feed(original, trades.slice(0, 200), 1n);
    const a = feed(original, trades.slice(200), 201n);
    const empty = feed(momentum(), trades.slice(200), 201n);
    expect(a.length).toBeGreaterThan(0);
    expect(empty).not.toEqual(a);
  });

  it("signal ids after a restart never collide with the ones before, though the source's sequences start again at 1", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), (seed, restarts) => {
      const seen = new Set<bigint>();
      let total = 0;
      let snapshot: unknown;
      for (let run = 0; run <= restarts; run++) {
        const s = momentum();
        if (snapshot !== undefined) s.restore(snapshot);
        s.ids.nextRun();
        snapshot = viaJson(s.toSnapshot()); // persisted at start, before any signal (as the service does)
        // The same market replayed again with sequences from 1: the inputs that derived ids are identical.
        const signals = feed(s, walk(seed, 300), 1n);
        for (const m of signals) seen.add(signalIdOf(m));
        total += signals.length;
      }
      expect(total).toBeGreaterThan(0);
      expect(seen.size).toBe(total);
    }), { numRuns: 25 });
  });

  it("within one run, a source that restarts (sequences back to 1) gets fresh ids", () => {
    const s = momentum();
    const first = feed(s, walk(11, 300), 1n);
    const second = feed(s, walk(11, 300, 10_000), 1n); // the adapter restarted: same sequences again
    const ids = [...first, ...second].map(signalIdOf);
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(s.ids.sourceRestarts).toBe(1);
  });

  it("a fresh run (epoch 0, no source restart) derives exactly deriveId's ids: replays stay byte-identical", () => {
    const ids = new SignalIdSpace();
    expect(ids.derive(21, 3, 17n, 0)).toBe(deriveId(21, 3, 17n, 0));
    expect(ids.derive(21, 3, 17n, 1)).toBe(deriveId(21, 3, 17n, 1));
    ids.nextRun();
    expect(ids.derive(21, 3, 18n, 0)).not.toBe(deriveId(21, 3, 18n, 0));
  });

  it("refuses a bad snapshot naming the field; other windows restore the id epoch only, with a warning", () => {
    const s = momentum();
    feed(s, walk(3, 100), 1n);
    s.ids.nextRun();
    const good = viaJson(s.toSnapshot()) as { instruments: { windows: { start: number }[] }[] };
    const bad = structuredClone(good);
    bad.instruments[0]!.windows[1]!.start = -1;
    expect(() => momentum().restore(bad)).toThrow(SnapshotError);
    try {
      momentum().restore(bad);
    } catch (e) {
      expect((e as SnapshotError).field).toBe("instruments[0].windows[1].start");
    }
    const other = new MomentumStrategy(parseConfig(MomentumConfigSchema, { ...CONFIG, windows: [{ seconds: 60, thresholdBps: 5 }] }));
    const warnings = other.restore(good);
    expect(warnings[0]).toMatch(/windows not restored/);
    expect(other.ids.epoch).toBe(1);
    expect(other.stats()["instruments"]).toBe(0);
  });

  it("flash-arbitrage keeps its id epoch and clock", () => {
    const config = parseConfig(ArbitrageConfigSchema, { strategyId: 20 });
    const a = new FlashArbitrageStrategy(config, []);
    a.ids.nextRun();
    a.ids.nextRun();
    const b = new FlashArbitrageStrategy(config, []);
    b.restore(viaJson(a.toSnapshot()));
    expect(b.ids.epoch).toBe(2);
    expect(b.ids.nextRun()).toBe(3);
    expect(() => b.restore({ kind: "flash-arbitrage", version: 1, ids: { epoch: -1 }, now: "0" })).toThrow(/ids\.epoch/);
  });
});
