/**
 * An adapter service is Running while it publishes, and Degraded — not Running — for a second in which
 * every frame failed or every frame was refused (issue 15, item 1: `/stats` showed an adapter publishing
 * nothing, all errors, as up). Real adapter service, real market-data relay.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCaptureLine } from "../../adapters/common/capture.ts";
import { RelayDomain, ServiceState } from "../../protocol/mod.ts";
import { silentLogger } from "../../core/log.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { AdapterOptionsSchema, startAdapterService } from "../../runtime/service/adapter-service.ts";
import type { RunningService, ServiceContext } from "../../runtime/service/types.ts";
import * as v from "valibot";
import { startTestRelay, tempDir } from "../relay/helpers.ts";
import { until } from "./helpers.ts";

const tmp = tempDir();
let relay: RelayServer;
const ctx = (): ServiceContext => ({
  name: "adapter-test", serviceId: 3, runtimeDir: tmp.dir, relaySocket: () => relay.socketPath, log: silentLogger,
});

/** A Coinbase capture: a connect, then `frames` one every 20 ms. */
function capture(name: string, frames: string[]): string {
  const url = "wss://simulated.alphapulse.invalid/coinbase";
  const t0 = 1_767_225_600_000_000_000n;
  const lines = [formatCaptureLine({ t: t0, kind: "connect", url })];
  frames.forEach((data, i) => lines.push(formatCaptureLine({ t: t0 + BigInt(i + 1) * 20_000_000n, kind: "recv", url, data })));
  const file = join(tmp.dir, name);
  writeFileSync(file, lines.join(""));
  return file;
}

const match = (id: number) =>
  `{"type":"match","trade_id":${id},"maker_order_id":"a","taker_order_id":"b","side":"buy","size":"0.1","price":"100.00","product_id":"BTC-USD","sequence":${id},"time":"2026-01-01T00:00:00.000000Z"}`;

async function run(file: string, loop: boolean): Promise<RunningService> {
  const options = v.parse(AdapterOptionsSchema, { venue: "coinbase", replay: file, loop, breaker: { errorThreshold: 1_000_000 } }); // the breaker stays closed: the state is the status judgment
  return startAdapterService(ctx(), options);
}

beforeAll(async () => {
  relay = await startTestRelay(tmp.dir);
});

afterAll(async () => {
  await relay?.close();
  tmp.cleanup();
});

describe("adapter service status", () => {
  it("is Running while its frames become messages", async () => {
    const s = await run(capture("good.jsonl", Array.from({ length: 500 }, (_, i) => match(i + 1))), false);
    try {
      const st = await until("published", async () => (s.status().processed > 100n ? s.status() : undefined), 20_000, 50);
      expect(st.state).toBe(ServiceState.Running);
      await new Promise((r) => setTimeout(r, 1_200)); // a whole judged second of trades
      expect(s.status().state).toBe(ServiceState.Running);
    } finally {
      await s.stop();
    }
  }, 30_000);

  it("is Degraded for a second in which every frame failed to parse", async () => {
    const s = await run(capture("bad.jsonl", Array.from({ length: 200 }, () => "{not json")), true);
    try {
      const st = await until("degraded", async () => (s.status().state === ServiceState.Degraded ? s.status() : undefined), 20_000, 50);
      expect(st.errors).toBeGreaterThan(0n);
      expect(st.processed).toBe(0n);
      expect(await s.control!.breakers!({})).toMatchObject([{ state: "closed" }]);
    } finally {
      await s.stop();
    }
  }, 30_000);

  it("is Degraded for a second in which every frame was refused (the same trade over and over)", async () => {
    const s = await run(capture("repeat.jsonl", Array.from({ length: 200 }, () => match(7))), false);
    try {
      const st = await until("degraded", async () => (s.status().state === ServiceState.Degraded ? s.status() : undefined), 20_000, 50);
      expect(st.processed).toBe(1n); // the first copy; every later one is out of order
      expect(st.errors).toBe(0n);
    } finally {
      await s.stop();
    }
  }, 30_000);
});
