/**
 * bench/e2e-messages.ts, the messages and clock of the end-to-end benchmark's stages: the tagging signal
 * carries its Trade's header timestamp and a SignalIdentity with the id given (the same bytes the product's
 * signal writer writes), and the consumer's {@link ChunkClock} reads the clock once for all the messages
 * delivered together and again after the next microtask.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { CollectingSink } from "../../adapters/common/sink.ts";
import { BenchTrades, ChunkClock, latencyNs, writeTagSignal } from "../../bench/e2e-messages.ts";
import { monotonicClock } from "../../bench/clock.ts";
import { HeaderOffset, MessageBuilder, MessageView, RelayDomain, decodeMessage, validateMessage } from "../../protocol/mod.ts";
import { beginSignal, writeSignalIdentity } from "../../trading/signal-writer.ts";

describe("writeTagSignal", () => {
  it("copies the Trade's header timestamp and writes SignalIdentity 99/100 with the id, as writeSignalIdentity does", () => {
    const sink = new CollectingSink();
    const trades = new BenchTrades(sink, 5, () => 2n ** 40n + 12_345n);
    trades.next();
    const trade = sink.messages[0]!;
    const view = new MessageView();
    view.wrap(trade, 0);
    for (const id of [1, 2 ** 32, 2 ** 53 - 1, 2 ** 60]) {
      const b = new MessageBuilder(256);
      const len = writeTagSignal(b, 39, view, id);
      const tag = b.bytes.slice(0, len);
      expect(validateMessage(tag)).toBeUndefined();
      const m = decodeMessage(tag);
      expect(m.header).toMatchObject({ relayDomain: RelayDomain.Signal, source: 39, timestamp: 2n ** 40n + 12_345n });
      expect(m.tlvs).toEqual([{ type: 20, name: "SignalIdentity", strategyId: 99, confidence: 100, signalId: BigInt(id) }]);
      const ref = new MessageBuilder(256);
      beginSignal(ref, 39, 2n ** 40n + 12_345n);
      writeSignalIdentity(ref, 99, 100, BigInt(id));
      // Past the header's sequence and checksum (builder state), the bytes are the signal writer's.
      expect(Buffer.from(tag.subarray(HeaderOffset.timestamp, len)).toString("hex")).toBe(Buffer.from(ref.finish().subarray(HeaderOffset.timestamp, len)).toString("hex"));
    }
  });
});

describe("ChunkClock", () => {
  it("reads the clock on the first message of a chunk only, and again after the next microtask", async () => {
    let reads = 0;
    const chunkClock = new ChunkClock(() => BigInt(++reads) * 5_000_000_000n);
    const first = chunkClock.receive();
    const words = { hi: first.hi, lo: first.lo };
    expect(chunkClock.receive()).toBe(first);
    chunkClock.receive();
    expect(reads).toBe(1);
    expect(chunkClock.ns).toBe(5_000_000_000n);
    expect(words).toEqual({ hi: 1, lo: 5_000_000_000 - 2 ** 32 });
    const ms = chunkClock.ms;
    expect(ms).toBeGreaterThan(0);
    await Promise.resolve();
    const next = chunkClock.receive();
    expect(reads).toBe(2);
    expect(chunkClock.ns).toBe(10_000_000_000n);
    expect(next.hi * 2 ** 32 + next.lo).toBe(10_000_000_000);
    expect(chunkClock.ms).toBeGreaterThanOrEqual(ms);
  });

  it("times a header stamped from the same monotonic clock: latencyNs is the clock's difference", () => {
    const clock = monotonicClock();
    const stampedAt = clock();
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, stampedAt, true);
    const chunkClock = new ChunkClock(clock);
    const latency = latencyNs(chunkClock.receive(), dv, 0);
    expect(latency).toBe(Number(chunkClock.ns - stampedAt));
    expect(latency).toBeGreaterThanOrEqual(0);
  });
});
