import { describe, expect, it } from "vitest";
import { AckResult, type OutboundBatch, OutboundQueue } from "../../bridge/outbound.ts";
import { splitPayload } from "../../bridge/payload.ts";
import { seqOf, trade } from "./messages.ts";

/** A sender that records batches and can be switched off. */
function recorder(): { sent: OutboundBatch[]; up: boolean; send(b: OutboundBatch): boolean } {
  const r = {
    sent: [] as OutboundBatch[],
    up: true,
    send(b: OutboundBatch): boolean {
      if (!r.up) return false;
      r.sent.push(b);
      return true;
    },
  };
  return r;
}

function seqsOf(b: OutboundBatch): bigint[] {
  const out: bigint[] = [];
  splitPayload(b.bytes, (bytes, o) => out.push(seqOf(bytes.subarray(o))));
  return out;
}

describe("bridge outbound queue", () => {
  it("batches per source and seals at flush, keeping each source's order", () => {
    const r = recorder();
    const q = new OutboundQueue(r);
    q.setConnected(true);
    for (let i = 1; i <= 5; i++) {
      const a = trade(3, BigInt(i));
      q.add(a, 0, a.length);
      const b = trade(4, BigInt(100 + i));
      q.add(b, 0, b.length);
    }
    expect(r.sent).toHaveLength(0);
    q.flush();
    expect(r.sent.map((b) => b.source)).toEqual([3, 4]);
    expect(seqsOf(r.sent[0]!)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(seqsOf(r.sent[1]!)).toEqual([101n, 102n, 103n, 104n, 105n]);
    expect(r.sent[0]!.count).toBe(5);
    expect([r.sent[0]!.firstSeq, r.sent[0]!.lastSeq, r.sent[1]!.lastSeq]).toEqual([1n, 5n, 105n]);
    expect(r.sent[0]!.msgId).toBe(`3.1.${1_700_000_000_000_000_001n}`);
    expect(q.bufferedBatches).toBe(2);
    q.ack(r.sent[0]!.id, AckResult.Stored);
    q.ack(r.sent[1]!.id, AckResult.Stored);
    expect(q.bufferedBatches).toBe(0);
    expect(q.bufferedBytes).toBe(0);
    expect(q.stats.ackedMessages).toBe(10);
  });

  it("seals a batch when it reaches batchBytes (≤ 1: one message per batch)", () => {
    const r = recorder();
    const q = new OutboundQueue(r, { batchBytes: 1 });
    q.setConnected(true);
    for (let i = 1; i <= 3; i++) {
      const m = trade(3, BigInt(i));
      q.add(m, 0, m.length);
    }
    q.flush();
    expect(r.sent.map(seqsOf)).toEqual([[1n], [2n], [3n]]);
  });

  it("keeps batches while disconnected, drops the oldest past the bound (counted), sends the rest in order", () => {
    const r = recorder();
    const one = trade(3, 1n).length;
    const q = new OutboundQueue(r, { batchBytes: 1, bufferBytes: one * 10 });
    for (let i = 1; i <= 25; i++) {
      const m = trade(3, BigInt(i));
      q.add(m, 0, m.length);
      q.flush();
    }
    expect(r.sent).toHaveLength(0);
    expect(q.stats.droppedBuffer).toBe(15);
    expect(q.bufferedBatches).toBe(10);
    q.setConnected(true);
    expect(r.sent.flatMap(seqsOf)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(16 + i)));
  });

  it("sends unacknowledged batches again after a reconnect, with the same de-duplication id", () => {
    const r = recorder();
    const q = new OutboundQueue(r);
    q.setConnected(true);
    const m1 = trade(3, 1n);
    q.add(m1, 0, m1.length);
    q.flush();
    const m2 = trade(3, 2n);
    q.add(m2, 0, m2.length);
    q.flush();
    q.ack(r.sent[0]!.id, AckResult.Stored);
    q.setConnected(false);
    q.setConnected(true);
    expect(r.sent.map((b) => seqsOf(b)[0])).toEqual([1n, 2n, 2n]);
    expect(r.sent[2]!.msgId).toBe(r.sent[1]!.msgId);
    expect(q.stats.resends).toBe(1);
    q.ack(r.sent[2]!.id, AckResult.Duplicate);
    expect(q.stats.duplicateAcks).toBe(1);
    expect(q.bufferedBatches).toBe(0);
  });

  it("sends again when acks stop coming, and respects the in-flight window", () => {
    const r = recorder();
    const len = trade(3, 1n).length;
    const q = new OutboundQueue(r, { batchBytes: 1, maxInflightBytes: len * 2, ackTimeoutMs: 100 });
    q.setConnected(true);
    for (let i = 1; i <= 4; i++) {
      const m = trade(3, BigInt(i));
      q.add(m, 0, m.length);
    }
    q.flush();
    expect(r.sent).toHaveLength(2); // window full
    q.ack(r.sent[0]!.id, AckResult.Stored);
    expect(r.sent).toHaveLength(3);
    q.checkTimeouts(performance.now() + 1000);
    expect(q.stats.ackTimeouts).toBe(1);
    expect(r.sent.map((b) => seqsOf(b)[0])).toEqual([1n, 2n, 3n, 2n, 3n]);
  });

  it("counts what JetStream refuses to store and lets it go", () => {
    const r = recorder();
    const q = new OutboundQueue(r);
    q.setConnected(true);
    const m = trade(3, 1n);
    q.add(m, 0, m.length);
    q.flush();
    q.ack(r.sent[0]!.id, AckResult.Refused);
    expect(q.stats.notStored).toBe(1);
    expect(q.bufferedBatches).toBe(0);
    q.ack(r.sent[0]!.id, AckResult.Stored); // late or repeated answers are ignored
    expect(q.stats.ackedMessages).toBe(0);
  });
});
