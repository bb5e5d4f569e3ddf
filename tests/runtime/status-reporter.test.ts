/**
 * A service that is alive but fails at everything it handles reports Degraded, never Running (issue 15,
 * item 1): the status reporter judges each interval's errors against the messages handled, through a
 * real system relay.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, RelayDomain, ServiceState } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import { Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { errorsPerMillion, judgeState, StatusReporter } from "../../runtime/service/status-reporter.ts";
import type { ServiceStatusFields } from "../../runtime/service/types.ts";
import { client, collector, startTestRelay, tempDir } from "../relay/helpers.ts";

describe("judgeState", () => {
  it("a running service is degraded when its errors reach the messages it handled", () => {
    expect(errorsPerMillion(0, 0)).toBe(0);
    expect(errorsPerMillion(3, 0)).toBe(1e6);
    expect(errorsPerMillion(1, 4)).toBe(250_000);
    expect(judgeState(ServiceState.Running, 0, 0)).toBe(ServiceState.Running);
    expect(judgeState(ServiceState.Running, 1, 100)).toBe(ServiceState.Running);
    expect(judgeState(ServiceState.Running, 5, 5)).toBe(ServiceState.Degraded);
    expect(judgeState(ServiceState.Running, 7, 0)).toBe(ServiceState.Degraded);
    expect(judgeState(ServiceState.Running, 1, 4, 200_000)).toBe(ServiceState.Degraded);
    expect(judgeState(ServiceState.Starting, 7, 0)).toBe(ServiceState.Starting);
  });
});

describe("StatusReporter", () => {
  const tmp = tempDir();
  let relay: RelayServer;
  let sub: RelayClient;
  let seen: ReturnType<typeof collector>;
  let reporter: StatusReporter;
  const fields: ServiceStatusFields = {
    state: ServiceState.Running, connections: 1, processed: 0n, dropped: 0n, errors: 0n, p50Micros: 0, p99Micros: 0, lastSequence: 0n,
  };

  beforeAll(async () => {
    relay = await startTestRelay(tmp.dir, { domain: RelayDomain.System });
    sub = await client(relay.socketPath, 900, Role.Subscriber, { domain: RelayDomain.System });
    seen = collector(sub);
    reporter = await StatusReporter.start({
      socketPath: relay.socketPath, serviceId: 77, status: () => ({ ...fields }), intervalMs: 3_600_000, logger: silentLogger,
    });
    await seen.waitFor(1, 20_000);
  }, 30_000);

  afterAll(async () => {
    await reporter?.stop();
    await sub?.close();
    await relay?.close();
    tmp.cleanup();
  });

  /** Reports once after `change` and returns the StatusReport that arrived. */
  async function reportAfter(change: () => void): Promise<{ state: number; errorsPerMillion: number; heartbeatState: number }> {
    change();
    const n = seen.messages.length;
    reporter.report();
    await seen.waitFor(n + 1, 20_000);
    const tlvs = decodeMessage(seen.messages[n]!).tlvs as unknown as { name: string; state: number; errorsPerMillion?: number }[];
    const report = tlvs.find((t) => t.name === "StatusReport")!;
    const heartbeat = tlvs.find((t) => t.name === "Heartbeat")!;
    return { state: report.state, errorsPerMillion: report.errorsPerMillion!, heartbeatState: heartbeat.state };
  }

  it("reports Running while it handles messages with few errors", async () => {
    const r = await reportAfter(() => {
      fields.processed += 1000n;
      fields.errors += 1n;
    });
    expect(r).toEqual({ state: ServiceState.Running, errorsPerMillion: 1000, heartbeatState: ServiceState.Running });
  }, 30_000);

  it("reports Degraded for an interval in which every frame failed and nothing was handled", async () => {
    const r = await reportAfter(() => {
      fields.errors += 12n;
    });
    expect(r).toEqual({ state: ServiceState.Degraded, errorsPerMillion: 1_000_000, heartbeatState: ServiceState.Degraded });
  }, 30_000);

  it("goes back to Running once it handles messages again", async () => {
    const r = await reportAfter(() => {
      fields.processed += 50n;
    });
    expect(r.state).toBe(ServiceState.Running);
  }, 30_000);
});
