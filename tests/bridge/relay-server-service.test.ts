/**
 * The relay service with `relays.nats`: it bridges its domain, answers RetransmitRequests beyond its
 * ring from JetStream, reports itself degraded while NATS is down (so `/health` shows the outage) and
 * up again once NATS is back, and exposes `alphapulse_nats_*` metrics; the config schema checks the
 * NATS section.
 */

import path from "node:path";
import * as v from "valibot";
import { afterAll, describe, expect, it } from "vitest";
import { SystemControlPlane } from "../../api/system-control-plane.ts";
import { silentLogger } from "../../core/log.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { runtimePaths } from "../../runtime/paths.ts";
import { serviceRegistry } from "../../app/service-registry.ts";
import { hostService, type HostedService } from "../../runtime/service/host-service.ts";
import { tempDir, until } from "../relay/helpers.ts";
import { natsOrSkip } from "./helpers.ts";

describe("relays.nats config", () => {
  const base = { url: "nats://127.0.0.1:4222" };
  it("is off by default and accepts bridged domains with retention", () => {
    expect(v.parse(AppConfigSchema, {}).relays.nats).toBeUndefined();
    const c = v.parse(AppConfigSchema, { relays: { nats: { ...base, streams: { "market-data": { maxAgeSeconds: 3600, maxBytes: 1e9 } } } } });
    expect(c.relays.nats?.streams["market-data"]?.maxAgeSeconds).toBe(3600);
    expect(c.relays.nats?.bufferBytes).toBe(64 * 1024 * 1024);
  });
  it("rejects an empty stream list, an unknown domain and a missing url, naming the place", () => {
    const bad = [
      { nats: { ...base, streams: {} } },
      { nats: { ...base, streams: { "market-dat": {} } } },
      { nats: { streams: { signal: {} } } },
      { nats: { ...base, streams: { signal: { maxAgeSeconds: -1 } } } },
    ];
    for (const relays of bad) {
      const r = v.safeParse(AppConfigSchema, { relays });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.issues?.[0]?.path?.map((p) => (p as { key: unknown }).key))).toMatch(/"relays","nats"/);
    }
  });
});

const nats = await natsOrSkip("tests/bridge/relay-service.test.ts");

describe.skipIf(nats === undefined)("relay service with a NATS bridge", () => {
  const tmp = tempDir();
  const hosted: HostedService[] = [];
  let plane: SystemControlPlane | undefined;
  afterAll(async () => {
    await plane?.close();
    for (const h of hosted.reverse()) await h.stop();
    await nats?.close();
    tmp.cleanup();
  });

  it("reports degraded in /health and alphapulse_nats_connected 0 while NATS is down, up again after", async () => {
    const config = v.parse(AppConfigSchema, {
      runtimeDir: path.join(tmp.dir, "run"),
      relays: { nats: { url: nats!.url, streams: { "market-data": { maxAgeSeconds: 60, maxBytes: 64 * 1024 * 1024 } } } },
    });
    hosted.push(await hostService("relay-system", config, serviceRegistry, silentLogger));
    const md = await hostService("relay-market-data", config, serviceRegistry, silentLogger);
    hosted.push(md);
    plane = new SystemControlPlane(config, runtimePaths(config.runtimeDir), silentLogger);
    await plane.start(61);
    const status = async (): Promise<string | undefined> => (await plane!.health()).dependencies.find((d) => d.name === "relay-market-data")?.status;
    const waitStatus = async (want: string): Promise<void> => {
      const end = Date.now() + 10_000;
      while ((await status()) !== want) {
        if (Date.now() > end) throw new Error(`relay-market-data never became ${want} (is ${await status()})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitStatus("up");
    expect((await plane.health()).dependencies.find((d) => d.name === "relay-system")?.status).toBe("up");
    expect(md.service.metricsText()).toMatch(/alphapulse_nats_connected\{domain="market-data"\} 1/);
    // The service's relay answers RetransmitRequests beyond its ring from JetStream.
    expect(md.service.metricsText()).toMatch(/alphapulse_nats_retransmit_lookups_total\{domain="market-data"\} 0/);
    expect(md.service.status().state).toBe(2);

    await nats!.kill();
    await until(() => md.service.status().state === 3, 10_000, "degraded state");
    await waitStatus("degraded");
    expect(md.service.metricsText()).toMatch(/alphapulse_nats_connected\{domain="market-data"\} 0/);
    expect(await plane.metricsText()).toMatch(/alphapulse_nats_outages_total\{domain="market-data"\} 1/);

    await nats!.start();
    await waitStatus("up");
    expect(md.service.metricsText()).toMatch(/alphapulse_nats_reconnects_total\{domain="market-data"\} 1/);
    const snap = await md.service.control.nats!({});
    expect((snap as { connected: boolean }).connected).toBe(true);
  });
});
