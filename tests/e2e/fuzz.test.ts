import { describe, expect, it } from "vitest";
import { runAdapterFuzz } from "../../bench/fuzz-adapters.ts";
import { runRelayFuzz } from "../../bench/fuzz-relay.ts";

/**
 * The short CI version of the fuzzers (issue 8): the same code as `bench/fuzz-relay.ts` and
 * `bench/fuzz-adapters.ts` at 10 M inputs, here at 20 k each. A relay with small limits, so a stalled
 * subscriber overflows and is disconnected within the run.
 */
describe("fuzzing (short CI run)", () => {
  it("the relay connection handler survives 20 000 mutated inputs from many connections; honest clients lose nothing", async () => {
    const r = await runRelayFuzz({ count: 20_000, seed: 7, connections: 6, subscriberQueueBytes: 64 * 1024, overflowDisconnectMs: 200, ringBytesPerSource: 256 * 1024, writeWindowBytes: 64 * 1024 });
    expect(r.failures).toEqual([]);
    expect(r.thrown).toBe(0);
    expect(r.invalidOutput).toBe(0);
    expect(r.honest).toMatchObject({ outOfOrder: 0, publisherReconnects: 0, subscriberReconnects: 0, ok: true });
    expect(r.honest.delivered).toBe(r.honest.sent);
    expect(r.honest.sent).toBeGreaterThan(600);
    // The inputs reached every layer: forwarded, rejected by validation, closed on framing, control handled.
    expect(r.relay.messagesOut).toBeGreaterThan(1000);
    expect(r.outputMessages).toBeGreaterThan(1000);
    expect(r.relay.drops.invalid).toBeGreaterThan(100);
    expect(r.relay.disconnects.framing).toBeGreaterThan(10);
    expect(r.relay.retransmitRequests).toBeGreaterThan(10);
    expect(r.relay.drops.slowConsumer).toBeGreaterThan(0);
    // One fuzzed connection in ten is a stranger to the sources the others publish.
    expect(r.relay.drops.sourceOwned).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  }, 60_000);

  it("no adapter frame parser throws or publishes an invalid message on 20 000 mutated frames", async () => {
    const r = await runAdapterFuzz({ count: 20_000, seed: 7 });
    expect(r.venues.map((v) => v.venue)).toEqual(["coinbase", "binance", "kraken", "evm"]);
    for (const v of r.venues) {
      expect(v.failures, v.venue).toEqual([]);
      expect(v.thrown, v.venue).toBe(0);
      expect(v.invalidPublished, v.venue).toBe(0);
      // The warm-up made the adapter live and the mutations were seen as bad frames.
      expect(v.warmUpPublished, v.venue).toBeGreaterThan(0);
      expect(v.parseErrors + v.unknownFrames + v.unknownInstruments, v.venue).toBeGreaterThan(v.inputs / 4);
    }
    expect(r.ok).toBe(true);
  }, 60_000);
});
