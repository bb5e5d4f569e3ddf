/**
 * An open circuit breaker actually stops its service: an adapter whose breaker opened (message rate
 * above its limit) publishes nothing more to the market-data relay, though its venue feed keeps coming,
 * and a strategy whose breaker opened publishes no more signals, though it keeps signalling; the control
 * operations list the breaker open, refuse a name that is not theirs, and a reset closes it so traffic
 * flows again. Real adapter and strategy services, real relays, a real subscriber counting what arrives.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { formatCaptureLine } from "../../adapters/common/capture.ts";
import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import type { CircuitBreakerStatus } from "../../runtime/circuit-breaker.ts";
import { AdapterOptionsSchema, startAdapterService } from "../../runtime/service/adapter-service.ts";
import { StrategyOptionsSchema, startStrategyService } from "../../runtime/service/strategy-service.ts";
import type { RunningService } from "../../runtime/service/types.ts";
import { client, collector, Role, TradeSource } from "../relay/helpers.ts";
import { serviceRelays, until } from "./helpers.ts";

const { dir, relays, context: ctx } = serviceRelays([RelayDomain.MarketData, RelayDomain.Signal]);
/** Open on the first burst, stay open for the test (10 min), close at once on reset (no ramp). */
const BREAKER = { maxMessagesPerSecond: 5, windowMs: 1_000, openMs: 600_000, halfOpenProbes: 1, recoveryMs: 0 };

/** A looping Coinbase capture of `n` distinct trades 20 ms apart (50 a second). */
function coinbaseCapture(n: number): string {
  const url = "wss://simulated.alphapulse.invalid/coinbase";
  const t0 = 1_767_225_600_000_000_000n;
  const lines = [formatCaptureLine({ t: t0, kind: "connect", url })];
  for (let i = 1; i <= n; i++) {
    const data = `{"type":"match","trade_id":${i},"maker_order_id":"a","taker_order_id":"b","side":"buy","size":"0.1","price":"100.00","product_id":"BTC-USD","sequence":${i},"time":"2026-01-01T00:00:00.000000Z"}`;
    lines.push(formatCaptureLine({ t: t0 + BigInt(i) * 20_000_000n, kind: "recv", url, data }));
  }
  const file = join(dir, "coinbase.jsonl");
  writeFileSync(file, lines.join(""));
  return file;
}

/** Waits until `count()` has not changed for `quietMs`, returns it. */
async function settled(count: () => number, quietMs: number): Promise<number> {
  let last = count();
  let since = Date.now();
  return until("the count settles", async () => {
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since >= quietMs ? now : undefined;
  }, 30_000, 50);
}

async function breakerOf(s: RunningService): Promise<CircuitBreakerStatus> {
  return ((await s.control.breakers!({})) as CircuitBreakerStatus[])[0]!;
}

describe("an open circuit breaker", () => {
  it("stops its adapter publishing to the market-data relay; a reset lets trades through again", async () => {
    const sub: RelayClient = await client(relays.get(RelayDomain.MarketData)!.socketPath, 900, Role.Subscriber);
    const got = collector(sub);
    const options = v.parse(AdapterOptionsSchema, { venue: "coinbase", replay: coinbaseCapture(2_000), loop: true, breaker: BREAKER });
    const s = await startAdapterService(ctx("adapter-breaker", 3), options);
    try {
      const open = await until("the adapter's breaker opens", async () => {
        const b = await breakerOf(s);
        return b.state === "open" ? b : undefined;
      }, 30_000, 50);
      expect(open).toMatchObject({ name: "adapter-breaker", reason: "rate", trips: 1 });
      // The feed goes on (the adapter parses and counts it), but nothing more reaches the relay.
      const delivered = await settled(() => got.messages.length, 1_000);
      const dropped = s.status().dropped;
      await until("more frames dropped by the breaker", async () => (s.status().dropped > dropped + 25n ? true : undefined), 30_000, 50);
      expect(got.messages.length).toBe(delivered);
      expect(delivered).toBeLessThanOrEqual(BREAKER.maxMessagesPerSecond);
      expect(s.status().state).toBe(ServiceState.Degraded);
      expect(s.metricsText()).toMatch(/alphapulse_adapter_breaker_open\{[^}]*\} 1/);
      // A reset of another name is refused; of its own, closes it and trades flow again.
      expect(await s.control.resetBreaker!({ name: "not-this-one" })).toBe(false);
      expect(await s.control.resetBreaker!({ name: "adapter-breaker" })).toBe(true);
      await got.waitFor(delivered + 1, 30_000);
      expect(got.messages.length).toBeGreaterThan(delivered);
    } finally {
      await s.stop();
      await sub.close();
    }
  }, 90_000);

  it("stops its strategy publishing signals; a reset lets signals through again", async () => {
    const module = fileURLToPath(new URL("../../examples/my-strategy.ts", import.meta.url));
    const options = v.parse(StrategyOptionsSchema, {
      module, config: { strategyId: 22, emaTrades: 2, thresholdBps: 0.1, minTrades: 1, cooldownMs: 0 }, breaker: BREAKER,
    });
    const sub = await client(relays.get(RelayDomain.Signal)!.socketPath, 901, Role.Subscriber, { domain: RelayDomain.Signal });
    const signals = collector(sub);
    const pub = await client(relays.get(RelayDomain.MarketData)!.socketPath, 7, Role.Publisher);
    const s = await startStrategyService(ctx("strategy-breaker", 22), options);
    const trades = new TradeSource(7);
    let i = 0;
    // Alternating prices 1.00 / 1.10: every trade after the first deviates from the average, so every one signals.
    const feed = setInterval(() => {
      for (let k = 0; k < 5; k++) pub.publish(trades.next(i++ % 2 === 0 ? 100_000_000 : 110_000_000));
    }, 20);
    try {
      const open = await until("the strategy's breaker opens", async () => {
        const b = await breakerOf(s);
        return b.state === "open" ? b : undefined;
      }, 30_000, 50);
      expect(open).toMatchObject({ name: "strategy-breaker", reason: "rate" });
      const delivered = await settled(() => signals.messages.length, 1_000);
      const dropped = s.status().dropped;
      await until("more signals dropped by the breaker", async () => (s.status().dropped > dropped + 25n ? true : undefined), 30_000, 50);
      expect(signals.messages.length).toBe(delivered);
      expect(delivered).toBeGreaterThan(0);
      expect(delivered).toBeLessThanOrEqual(BREAKER.maxMessagesPerSecond);
      expect(s.metricsText()).toMatch(/alphapulse_strategy_breaker_open\{[^}]*\} 1/);
      expect(await s.control.resetBreaker!({ name: "adapter-breaker" })).toBe(false);
      expect(await s.control.resetBreaker!({ name: "strategy-breaker" })).toBe(true);
      await signals.waitFor(delivered + 1, 30_000);
    } finally {
      clearInterval(feed);
      await s.stop();
      await pub.close();
      await sub.close();
    }
  }, 90_000);
});
