import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RelayDomain } from "../../protocol/mod.ts";
import type { RelayServer } from "../../relay/server.ts";
import { client, collector, headerOf, Role, startTestRelay, tempDir, TradeSource, until } from "./helpers.ts";

let env: { dir: string; cleanup: () => void };
let server: RelayServer;

beforeEach(async () => {
  env = tempDir();
  server = await startTestRelay(env.dir);
});

afterEach(async () => {
  await server.close();
  env.cleanup();
});

describe("relay fan-out", () => {
  it("delivers every message to every subscriber, in per-source order", async () => {
    const subs = await Promise.all([1, 2, 3].map((i) => client(server.socketPath, 60 + i, Role.Subscriber)));
    const cols = subs.map(collector);
    await until(() => server.relay.metrics.subscribers === 3, 2000, "subscribers");
    const pubs = await Promise.all([1, 2].map((i) => client(server.socketPath, i, Role.Publisher)));
    const srcs = [new TradeSource(1), new TradeSource(2)];
    const N = 2000;
    for (let i = 0; i < N; i++) {
      pubs[0]!.publish(srcs[0]!.next(i));
      pubs[1]!.publish(srcs[1]!.next(i));
    }
    await Promise.all(cols.map((c) => c.waitFor(2 * N)));
    for (const c of cols) {
      expect(c.messages.length).toBe(2 * N);
      const last = new Map<number, bigint>();
      for (const m of c.messages) {
        const h = headerOf(m);
        expect(h.sequence).toBe((last.get(h.source) ?? 0n) + 1n);
        last.set(h.source, h.sequence);
      }
      expect(last.get(1)).toBe(BigInt(N));
      expect(last.get(2)).toBe(BigInt(N));
    }
    expect(server.relay.metrics.messagesIn).toBeGreaterThanOrEqual(2 * N);
    await Promise.all([...subs, ...pubs].map((c) => c.close()));
  });
});

void RelayDomain;
