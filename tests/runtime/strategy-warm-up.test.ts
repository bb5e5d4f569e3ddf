/**
 * A strategy service warms its strategy up before it reads live data (trading/strategies/warm-up.ts): the
 * log says how many synthetic messages and signals it ran, the signal relay sees none of them, the
 * service's counters start at zero — and `warmUp: false` skips it. Real relays, a real subscriber.
 *
 * @module
 */

import { join } from "node:path";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogFields, Logger } from "../../core/log.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { StrategyOptionsSchema, startStrategyService } from "../../runtime/service/strategy-service.ts";
import type { ServiceContext } from "../../runtime/service/types.ts";
import { client, collector, Role, startTestRelay, tempDir } from "../relay/helpers.ts";

const tmp = tempDir();
const relays = new Map<number, RelayServer>();

/** A logger keeping every line. */
function recordingLogger(): Logger & { lines: { msg: string; fields?: LogFields }[] } {
  const lines: { msg: string; fields?: LogFields }[] = [];
  const keep = (msg: string, fields?: LogFields): void => void lines.push({ msg, ...(fields ? { fields } : {}) });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

const ctx = (name: string, serviceId: number, log: Logger): ServiceContext => ({
  name, serviceId, runtimeDir: tmp.dir, stateDir: join(tmp.dir, "state"), relaySocket: (d) => relays.get(d)!.socketPath, log,
});

beforeAll(async () => {
  for (const [domain, file] of [[RelayDomain.MarketData, "md.sock"], [RelayDomain.Signal, "signal.sock"]] as const) {
    relays.set(domain, await startTestRelay(tmp.dir, { domain, socketPath: join(tmp.dir, file) }));
  }
});

afterAll(async () => {
  for (const r of relays.values()) await r.close();
  tmp.cleanup();
});

describe("a strategy service's warm-up", () => {
  it("runs before live data, publishes nothing and counts nothing", async () => {
    const sub = await client(relays.get(RelayDomain.Signal)!.socketPath, 910, Role.Subscriber, { domain: RelayDomain.Signal });
    const got = collector(sub);
    const log = recordingLogger();
    const options = v.parse(StrategyOptionsSchema, { strategy: "momentum", config: { windows: [{ seconds: 1, thresholdBps: 5 }], minTrades: 10, cooldownMs: 50 } });
    expect(options.warmUp).toBe(true);
    const s = await startStrategyService(ctx("momentum-warm", 21, log), options);
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
    const s = await startStrategyService(ctx("momentum-cold", 23, log), v.parse(StrategyOptionsSchema, { strategy: "momentum", warmUp: false }));
    try {
      expect(log.lines.map((l) => l.msg)).not.toContain("strategy warmed up on synthetic input");
      expect(log.lines.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
