import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MessageBuilder, RelayDomain, Side, TlvType, Venue, decodeMessage, pairAssetId, type MomentumSignalTlv } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client.ts";
import { Role } from "../../relay/control.ts";
import { silentLogger } from "../../relay/log.ts";
import { startRelayServer, type RelayServer } from "../../relay/server.ts";
import { parseConfig } from "../../strategies/config.ts";
import { MomentumConfigSchema } from "../../strategies/momentum/config.ts";
import { MomentumStrategy } from "../../strategies/momentum/strategy.ts";
import { runStrategyOverRelays } from "../../strategies/relay-service.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error("timed out"));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe("strategy as a service over real relays", () => {
  it("reads trades from the market-data relay and publishes momentum signals on the signal relay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ap-strat-relay-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const relays: RelayServer[] = [];
    for (const [domain, name] of [[RelayDomain.MarketData, "md"], [RelayDomain.Signal, "sig"]] as const) {
      const r = await startRelayServer({ domain, socketPath: join(dir, `${name}.sock`), logger: silentLogger });
      relays.push(r);
      cleanups.push(() => r.close());
    }
    const strategy = new MomentumStrategy(parseConfig(MomentumConfigSchema, { windows: [{ seconds: 10, thresholdBps: 10 }], minTrades: 3, cooldownMs: 60_000 }));
    const controller = new AbortController();
    const run = runStrategyOverRelays(strategy, {
      serviceId: 21, signal: controller.signal, logger: silentLogger,
      inputs: [{ endpoint: { kind: "unix", path: relays[0]!.socketPath }, domain: RelayDomain.MarketData, types: [TlvType.Trade] }],
      output: { endpoint: { kind: "unix", path: relays[1]!.socketPath }, domain: RelayDomain.Signal },
    });
    cleanups.push(async () => {
      controller.abort();
      await run;
    });
    const connect = (path: string, domain: number, serviceId: number, role: number) =>
      RelayClient.connect({ endpoint: { kind: "unix", path }, domain, serviceId, role, logger: silentLogger, waitForRelay: true });
    const listener = await connect(relays[1]!.socketPath, RelayDomain.Signal, 60, Role.Subscriber);
    cleanups.push(() => listener.close());
    const signals: Uint8Array[] = [];
    listener.onMessage((bytes, offset, length) => signals.push(bytes.slice(offset, offset + length)));
    const publisher = await connect(relays[0]!.socketPath, RelayDomain.MarketData, 3, Role.Publisher);
    cleanups.push(() => publisher.close());
    await waitFor(() => relays[0]!.relay.connectionCount >= 2 && relays[1]!.relay.connectionCount >= 2);

    const b = new MessageBuilder();
    const btc = pairAssetId("BTC", "USD");
    const t0 = 1_700_000_000_000_000_000n;
    for (let i = 0; i < 5; i++) {
      publisher.publish(b.begin(RelayDomain.MarketData, 3).setTimestamp(t0 + BigInt(i) * 1_000_000_000n)
        .addTrade(btc, Venue.Coinbase, 1, Side.Buy, 0, 30_000n * 100_000_000n + BigInt(i) * 3_000_000_000n, 100_000_000n, t0 + BigInt(i) * 1_000_000_000n).finish());
    }
    await publisher.flush();
    await waitFor(() => signals.length >= 1);
    const m = decodeMessage(signals[0]!);
    expect(m.header).toMatchObject({ relayDomain: RelayDomain.Signal, source: 21, sequence: 1n, timestamp: t0 + 2_000_000_000n });
    expect(m.tlvs[1] as MomentumSignalTlv).toMatchObject({ direction: 1, windowSeconds: 10, momentumBps: 20 });
    controller.abort();
    const stats = await run;
    expect(stats.messages).toBe(5);
    expect(stats.produced).toBe(1);
  });
});
