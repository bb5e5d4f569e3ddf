import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AdapterIo, ChannelSpec, VenueAdapter } from "../../../adapters/common/adapter.ts";
import { AdapterMetrics } from "../../../adapters/common/metrics.ts";
import { AdapterTask } from "../../../adapters/common/task.ts";
import { waitFor } from "../helpers.ts";

/** The smallest venue adapter: records what the task does with it. */
class ProbeAdapter implements VenueAdapter {
  readonly name = "probe";
  readonly metrics = new AdapterMetrics();
  readonly channels: readonly ChannelSpec[] = [{ name: "data", staleAfterMs: 0 }];
  readonly calls: string[] = [];
  private readonly target: string;
  constructor(target: string) {
    this.target = target;
  }
  bootstrapUrls(): readonly string[] {
    return [];
  }
  url(): string {
    return this.target;
  }
  onOpen(): void {
    this.calls.push("open");
  }
  onFrame(text: string, io: AdapterIo): void {
    void text;
    io.touch(0);
  }
  onRest(): void {}
  onRestError(): void {}
  onClose(): void {
    this.calls.push("close");
  }
  setHeaderTime(): void {}
}

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe("AdapterTask", () => {
  it("abandons a connect whose handshake never completes, and keeps retrying with back-off", async () => {
    server = createServer((s) => void sockets.add(s)); // accepts TCP, never answers the upgrade
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    const adapter = new ProbeAdapter(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const logs: string[] = [];
    const task = new AdapterTask(adapter, { connectTimeoutMs: 100, backoff: { baseMs: 10, capMs: 40 }, log: (l) => logs.push(l) });
    task.start();
    await waitFor(() => adapter.metrics.reconnects >= 3, "three reconnect attempts");
    await task.stop();
    expect(task.state).toBe("stopped");
    expect(adapter.metrics.connects).toBe(0);
    expect(adapter.calls).toEqual([]); // never opened, so never closed
    expect(logs.some((l) => /no connection within 100 ms/.test(l))).toBe(true);
    expect(sockets.size).toBeGreaterThanOrEqual(3);
  });

  it("retries a refused connection and stops cleanly while waiting", async () => {
    const adapter = new ProbeAdapter("ws://127.0.0.1:1/");
    const task = new AdapterTask(adapter, { backoff: { baseMs: 10, capMs: 20 } });
    task.start();
    await waitFor(() => adapter.metrics.reconnects >= 2, "reconnect attempts");
    await task.stop();
    const n = adapter.metrics.reconnects;
    await new Promise((r) => setTimeout(r, 60));
    expect(adapter.metrics.reconnects).toBe(n); // nothing runs after stop
    expect(adapter.metrics.lastError).toMatch(/closed by peer|ECONNREFUSED|error/i);
  });
});
