import { describe, expect, it } from "vitest";
import { measureStress } from "../../bench/stress.ts";

/**
 * The short CI version of `ap bench stress` (issue 8): real relay, publisher and subscriber processes
 * of this runtime over a Unix socket, unpaced for 1.5 s. A small subscriber queue makes the slow
 * subscriber overflow (oldest dropped, Gap notices); the overflow limit is long enough that no
 * subscriber is disconnected (see docs/RELIABILITY.md for what a disconnect loses today). Every
 * sequence of every source must be delivered or covered by a Gap at every subscriber.
 */
describe("stress (short CI run)", () => {
  it("accounts for every message of every source at a fast and a slow subscriber; RSS sampled", async () => {
    const r = await measureStress({
      seconds: 1.5, publishers: 2, fast: 1, slow: 1, slowMicros: 200, queueBytes: 256 * 1024, ringBytes: 1024 * 1024, overflowMs: 60_000,
    });
    const total = Object.values(r.sent).reduce((a, b) => a + b, 0);
    expect(Object.keys(r.sent)).toEqual(["1", "2"]);
    expect(total).toBeGreaterThan(1000);
    expect(r.publisherDroppedOutgoing).toBe(0);
    expect(r.subscribers.map((s) => s.name)).toEqual(["fast0", "slow1"]);
    for (const s of r.subscribers) {
      // On a failure, what the subscriber's client and the relay counted say where the messages went.
      const context = JSON.stringify({ subscriber: s.name, client: s.client, warnings: s.warnings, gapNotices: s.gapNotices, relay: r.relay, settleSeconds: r.settleSeconds });
      for (const x of s.sources) {
        expect({ name: s.name, source: x.source, unaccounted: x.unaccounted, duplicates: x.duplicatesDelivered, ranges: x.unaccountedRanges }, context)
          .toEqual({ name: s.name, source: x.source, unaccounted: 0, duplicates: 0, ranges: [] });
        expect(x.delivered + x.gapCovered).toBe(x.sent);
      }
      expect(s.client.reconnects).toBe(0);
    }
    // The slow subscriber (200 µs a message) cannot keep up: the relay dropped its oldest and said so.
    const slow = r.subscribers[1]!;
    expect(slow.sources.reduce((a, x) => a + x.gapCovered, 0)).toBeGreaterThan(0);
    expect(slow.gapNotices).toBeGreaterThan(0);
    const relay = r.relay as { messagesIn: number; drops: Record<string, number>; disconnects: Record<string, number> };
    expect(relay.drops.slowConsumer).toBeGreaterThan(0);
    expect(relay.disconnects.slowConsumer).toBe(0);
    // Every message in was a publisher's (plus one Hello per connection).
    expect(relay.messagesIn).toBe(total + 4);
    expect(r.allAccounted).toBe(true);
    // RSS of the relay, both subscribers and both publishers was sampled.
    expect(r.rss.length).toBe(5);
    for (const x of r.rss) expect(x.peak).toBeGreaterThan(0);
    expect(r.relayMemory.length).toBeGreaterThan(0);
  }, 90_000);
});
