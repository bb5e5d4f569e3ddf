/**
 * The JIT warm-up (trading/strategies/warm-up.ts): the scratch instance really runs the signal path for
 * any usable config, and the live instance comes out of it byte-for-byte as it went in.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageView, Side, Venue, encodeMessage, pairInstrument } from "../../../protocol/mod.ts";
import { parseConfig } from "../../../trading/config.ts";
import { MomentumConfigSchema, type MomentumConfig } from "../../../trading/strategies/momentum/config.ts";
import { MomentumStrategy } from "../../../trading/strategies/momentum/strategy.ts";
import { momentumWarmUpPlan } from "../../../trading/strategies/momentum/warm-up.ts";
import { feedSyntheticTrades } from "../../../trading/strategies/warm-up.ts";
import { CollectSink } from "../helpers.ts";

const momentum = (raw: Record<string, unknown>): MomentumConfig => parseConfig(MomentumConfigSchema, raw);

/** A random walk of trades on two instruments, the same every call. */
function trades(n: number): Uint8Array[] {
  const pairs = [pairInstrument("BTC", "USD", Venue.Coinbase), pairInstrument("ETH", "USD", Venue.Kraken)];
  const out: Uint8Array[] = [];
  let seed = 7;
  const price = [30_000_00000000n, 2_000_00000000n];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const k = i & 1;
    price[k] = price[k]! + (price[k]! * BigInt((seed % 7) - 3)) / 10_000n;
    const at = 1_700_000_000_000_000_000n + BigInt(i) * 50_000_000n;
    out.push(encodeMessage({ relayDomain: 1, source: 3, sequence: BigInt(i + 1), timestamp: at }, [
      { type: 1, name: "Trade", instrument: pairs[k]!, side: seed & 1 ? Side.Buy : Side.Sell, flags: 0, price: price[k]!, size: 100_000_000n, execTimestamp: at },
    ]));
  }
  return out;
}

describe("strategy warm-up", () => {
  it("runs the momentum signal path: the default config and the bench's publish signals into the scratch sink", async () => {
    for (const raw of [{}, { windows: [{ seconds: 1, thresholdBps: 5 }], minTrades: 10, cooldownMs: 50, capacity: 1 << 16 }]) {
      const report = await new MomentumStrategy(momentum(raw)).warmUp();
      expect(report.messages).toBe(16_000);
      expect(report.signals).toBeGreaterThan(100);
    }
  });

  it("signals for any config whose ring can hold minTrades (property)", async () => {
    const window = fc.record({ seconds: fc.integer({ min: 1, max: 3_600 }), thresholdBps: fc.integer({ min: 1, max: 1_000_000 }) });
    await fc.assert(fc.asyncProperty(
      fc.array(window, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 600_000 }),
      fc.integer({ min: 1, max: 64 }), fc.integer({ min: 16, max: 4096 }),
      async (windows, minTrades, cooldownMs, maxInstruments, capacity) => {
        fc.pre(capacity > minTrades);
        const config = momentum({ windows, minTrades, cooldownMs, maxInstruments, capacity });
        const report = await new MomentumStrategy(config).warmUp(4_000);
        expect(report.signals).toBeGreaterThan(0);
      },
    ), { numRuns: 60 });
  });

  it("uses the configured instruments when the config lists them (others would be filtered before the signal path)", async () => {
    const config = momentum({ instruments: ["ETH/USD@kraken"], windows: [{ seconds: 10, thresholdBps: 10 }], minTrades: 3, cooldownMs: 1000 });
    expect(momentumWarmUpPlan(config).instruments).toEqual([pairInstrument("ETH", "USD", Venue.Kraken)]);
    expect((await new MomentumStrategy(config).warmUp(2_000)).signals).toBeGreaterThan(0);
  });

  it("leaves the live instance untouched: same signals, bytes, counters and snapshot as one never warmed", async () => {
    const config = momentum({ windows: [{ seconds: 5, thresholdBps: 8 }], minTrades: 4, cooldownMs: 500 });
    const warmSink = new CollectSink();
    const coldSink = new CollectSink();
    const warm = new MomentumStrategy(config, warmSink);
    const cold = new MomentumStrategy(config, coldSink);
    expect((await warm.warmUp()).signals).toBeGreaterThan(0);
    expect(warm.stats()).toEqual(cold.stats());
    expect(warmSink.messages).toHaveLength(0);
    const view = new MessageView();
    for (const m of trades(3_000)) {
      warm.onMarketData(view.wrap(m, 0));
      cold.onMarketData(view.wrap(m, 0));
    }
    expect(coldSink.messages.length).toBeGreaterThan(10);
    expect(warmSink.messages).toEqual(coldSink.messages);
    expect(warm.stats()).toEqual(cold.stats());
    expect(warm.toSnapshot()).toEqual(cold.toSnapshot());
  });

  it("feeds exactly the planned messages, whatever strategy it is given", async () => {
    let seen = 0;
    const report = await feedSyntheticTrades(() => ({
      name: "count", strategyId: 1, source: 20, connect() {}, stats: () => ({}),
      onMarketData(v: MessageView) {
        seen++;
        expect(v.firstTlv() && v.tlvType === 1).toBe(true);
        return 0;
      },
    }), { instruments: [pairInstrument("BTC", "USD", Venue.Coinbase)], messages: 123, stepNs: 1_000_000, movePerTrade: 0.001, legTrades: 5 });
    expect(report).toEqual({ messages: 123, signals: 0 });
    expect(seen).toBe(123);
  });

  it("gives the event loop a turn between slices, so services sharing it keep running", async () => {
    let turns = 0;
    let during = 0;
    const timer = setInterval(() => turns++, 0);
    const report = await feedSyntheticTrades(() => ({
      name: "count", strategyId: 1, source: 20, connect() {}, stats: () => ({}),
      onMarketData() {
        during = Math.max(during, turns);
        return 0;
      },
    }), { instruments: [pairInstrument("BTC", "USD", Venue.Coinbase)], messages: 1_000, stepNs: 1_000_000, movePerTrade: 0.001, legTrades: 5 }, 100);
    clearInterval(timer);
    expect(report.messages).toBe(1_000);
    // Ten slices: timers ran between them (a feed without turns would see none before it returned).
    expect(during).toBeGreaterThanOrEqual(3);
  });
});
