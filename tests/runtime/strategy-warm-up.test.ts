/**
 * A strategy service warms its strategy up before it reads live data (trading/strategies/warm-up.ts): the
 * log says how many synthetic messages and signals it ran, the signal relay sees none of them, the
 * service's counters start at zero — and `warmUp: false` skips it. Real relays, a real subscriber.
 *
 * @module
 */

import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { LogFields, Logger } from "../../core/log.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { StrategyOptionsSchema, startStrategyService } from "../../runtime/service/strategy-service.ts";
import { client, collector, Role } from "../relay/helpers.ts";
import { serviceRelays } from "./helpers.ts";

const { relays, context } = serviceRelays([RelayDomain.MarketData, RelayDomain.Signal]);

/** A logger keeping every line. */
function recordingLogger(): Logger & { lines: { msg: string; fields?: LogFields }[] } {
  const lines: { msg: string; fields?: LogFields }[] = [];
  const keep = (msg: string, fields?: LogFields): void => void lines.push({ msg, ...(fields ? { fields } : {}) });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe("a strategy service's warm-up", () => {
  it("runs before live data, publishes nothing and counts nothing", async () => {
    const sub = await client(relays.get(RelayDomain.Signal)!.socketPath, 910, Role.Subscriber, { domain: RelayDomain.Signal });
    const got = collector(sub);
    const log = recordingLogger();
    const options = v.parse(StrategyOptionsSchema, { strategy: "momentum", config: { windows: [{ seconds: 1, thresholdBps: 5 }], minTrades: 10, cooldownMs: 50 } });
    expect(options.warmUp).toBe(true);
    const s = await startStrategyService(context("momentum-warm", 21, log), options);
    try {
      const line = log.lines.find((l) => l.msg === "strategy warmed up on synthetic input");
      expect(line?.fields).toMatchObject({ messages: 16_000 });
      expect(Number(line?.fields?.["signals"])).toBeGreaterThan(100);
      expect(Number(line?.fields?.["millis"])).toBeGreaterThanOrEqual(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.messages).toHaveLength(0);
      expect(s.metricsText()).toMatch(/alphapulse_strategy_signals_total\{[^}]*\} 0/);
      expect(s.metricsText()).toMatch(/alphapulse_strategy_stat\{[^}]*name="trades"[^}]*\} 0/);
    } finally {
      await s.stop();
      await sub.close();
    }
  }, 60_000);

  it("is skipped with warmUp: false", async () => {
    const log = recordingLogger();
    const s = await startStrategyService(context("momentum-cold", 23, log), v.parse(StrategyOptionsSchema, { strategy: "momentum", warmUp: false }));
    try {
      expect(log.lines.map((l) => l.msg)).not.toContain("strategy warmed up on synthetic input");
      expect(log.lines.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
