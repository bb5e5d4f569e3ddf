import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InboundSequencer } from "../../bridge/inbound.ts";
import type { RecoverFn } from "../../bridge/inbound-options.ts";
import { silentLogger } from "../../core/log.ts";
import { seqOf, trade } from "./messages.ts";

function sequencer(store?: Map<bigint, Uint8Array>, extra: { holdBytes?: number } = {}): { seq: InboundSequencer; injected: bigint[]; asked: [bigint, bigint][] } {
  const injected: bigint[] = [];
  const asked: [bigint, bigint][] = [];
  const recover: RecoverFn | undefined = store === undefined ? undefined : async (_source, from, to) => {
    asked.push([from, to]);
    await Promise.resolve();
    const out: Uint8Array[] = [];
    for (let s = from; s <= to; s++) {
      const m = store.get(s);
      if (m) out.push(m);
    }
    return out;
  };
  const seq = new InboundSequencer({
    inject: (b, o, l) => injected.push(seqOf(b.subarray(o, o + l))),
    ...(recover ? { recover } : {}),
    log: silentLogger,
    ...extra,
  });
  return { seq, injected, asked };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Lets pending recoveries (microtasks only, in these tests) run. */
async function ticks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function feed(s: InboundSequencer, m: Uint8Array): void {
  s.receive(m, 0, m.length);
}

describe("bridge inbound sequencer", () => {
  it("injects in order and drops duplicates", () => {
    const { seq, injected } = sequencer();
    for (const n of [1n, 2n, 2n, 3n, 1n, 4n]) feed(seq, trade(7, n));
    expect(injected).toEqual([1n, 2n, 3n, 4n]);
    expect(seq.stats.duplicates).toBe(2);
  });

  it("drops a local source's messages coming back from NATS as echoes", () => {
    const { seq, injected } = sequencer();
    const local = trade(3, 10n);
    seq.markLocal(local, 0);
    feed(seq, trade(3, 9n));
    feed(seq, trade(3, 10n));
    expect(injected).toEqual([]);
    expect(seq.stats.echoes).toBe(2);
  });

  it("holds later messages behind a gap and fills it from the store first", async () => {
    const store = new Map([5n, 6n, 7n].map((n) => [n, trade(7, n)] as const));
    const { seq, injected, asked } = sequencer(store);
    for (const n of [1n, 2n, 3n, 4n, 8n, 9n]) feed(seq, trade(7, n));
    expect(injected).toEqual([1n, 2n, 3n, 4n]);
    expect(asked).toEqual([[5n, 7n]]);
    await settle();
    feed(seq, trade(7, 10n));
    expect(injected).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(seq.stats.recovered).toBe(3);
    expect(seq.stats.lost).toBe(0);
  });

  it("skips and counts what the store does not hold either", async () => {
    const store = new Map([6n].map((n) => [n, trade(7, n)] as const));
    const { seq, injected } = sequencer(store);
    for (const n of [1n, 2n, 9n]) feed(seq, trade(7, n));
    await settle();
    await settle();
    expect(injected).toEqual([1n, 2n, 6n, 9n]);
    expect(seq.stats.lost).toBe(5); // 3, 4, 5, 7, 8
  });

  it("follows a remote source that restarts (sequence 1 stamped later) and ignores an old re-send of 1", () => {
    const { seq, injected } = sequencer();
    feed(seq, trade(7, 1n, 1000n));
    feed(seq, trade(7, 2n, 2000n));
    feed(seq, trade(7, 1n, 1000n)); // re-send of the old first message
    feed(seq, trade(7, 1n, 5000n)); // a new process
    feed(seq, trade(7, 2n, 6000n));
    expect(injected).toEqual([1n, 2n, 1n, 2n]);
    expect(seq.stats.restarts).toBe(1);
    expect(seq.stats.duplicates).toBe(1);
  });

  it("recovers the first messages of a restart that passed unseen, so the relay sees sequence 1 first", async () => {
    const store = new Map([1n, 2n, 3n].map((n) => [n, trade(7, n, 9000n + n)] as const));
    const { seq, injected, asked } = sequencer(store);
    feed(seq, trade(7, 50n, 1000n));
    feed(seq, trade(7, 51n, 1001n));
    feed(seq, trade(7, 4n, 9004n)); // lower sequence, later stamp: a new process whose 1–3 were missed
    expect(asked).toEqual([[1n, 3n]]);
    await settle();
    expect(injected).toEqual([50n, 51n, 1n, 2n, 3n, 4n]);
    expect(seq.stats.restarts).toBe(1);
  });

  it("treats a jump in a catch-up read from the store as final", () => {
    const { seq, injected, asked } = sequencer(new Map());
    const fromStore = (m: Uint8Array): void => seq.receive(m, 0, m.length, true);
    fromStore(trade(7, 1n));
    fromStore(trade(7, 5n));
    expect(injected).toEqual([1n, 5n]);
    expect(asked).toEqual([]);
    expect(seq.stats.lost).toBe(3);
  });

  it("recovers the tail after a reconnect", async () => {
    const store = new Map([3n, 4n].map((n) => [n, trade(7, n)] as const));
    const { seq, injected } = sequencer(store);
    feed(seq, trade(7, 1n));
    feed(seq, trade(7, 2n));
    seq.checkTail(7, 4n);
    await settle();
    expect(injected).toEqual([1n, 2n, 3n, 4n]);
    seq.checkTail(7, 4n); // nothing newer: no recovery
    expect(seq.stats.recoveries).toBe(1);
  });

  it("any loss, duplication and reordering on the way ends as each sequence once, in order (store holds all)", async () => {
    const N = 60;
    const all = Array.from({ length: N }, (_, i) => trade(7, BigInt(i + 1)));
    const store = new Map(all.map((m) => [seqOf(m), m] as const));
    const arrivals = fc.array(fc.integer({ min: 2, max: N }), { maxLength: 150 });
    await fc.assert(fc.asyncProperty(arrivals, fc.array(fc.boolean(), { maxLength: 150 }), async (order, pauses) => {
      const { seq, injected } = sequencer(store);
      feed(seq, all[0]!);
      for (let i = 0; i < order.length; i++) {
        feed(seq, all[order[i]! - 1]!);
        if (pauses[i]) await ticks();
      }
      feed(seq, all[N - 1]!);
      for (let k = 0; k < 10; k++) await ticks();
      await settle();
      // Everything up to the highest sequence seen is injected exactly once, in order.
      expect(injected).toEqual(all.map((m) => seqOf(m)));
      expect(seq.stats.lost).toBe(0);
    }), { numRuns: 150 });
  });

  it("without a store, injection stays strictly increasing and every skipped sequence is counted", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 200 }), (order) => {
      const { seq, injected } = sequencer();
      for (const n of order) feed(seq, trade(7, BigInt(n)));
      for (let i = 1; i < injected.length; i++) expect(injected[i]! > injected[i - 1]!).toBe(true);
      const span = Number(injected.at(-1)! - injected[0]!) + 1;
      expect(span).toBe(injected.length + seq.stats.lost);
    }));
  });

  it("gives a gap up when the hold buffer overflows", async () => {
    const store = new Map<bigint, Uint8Array>();
    const len = trade(7, 1n).length;
    const { seq, injected } = sequencer(store, { holdBytes: len * 3 });
    feed(seq, trade(7, 1n));
    for (const n of [5n, 6n, 7n, 8n]) feed(seq, trade(7, n));
    expect(injected).toEqual([1n, 5n, 6n, 7n, 8n]);
    expect(seq.stats.lost).toBe(3);
    await settle();
    expect(injected).toEqual([1n, 5n, 6n, 7n, 8n]); // the late recovery answer changes nothing
  });
});

describe("origin Gap notices in the inbound sequencer", () => {
  it("moves past a range the origin declared lost, only when the next expected sequence lies in it", () => {
    const { seq, injected, asked } = sequencer(new Map());
    expect(seq.originGap(7, 1n, 5n)).toBe(false); // a source never seen: nothing to skip
    for (const n of [1n, 2n, 3n]) feed(seq, trade(7, n));
    expect(seq.originGap(7, 5n, 9n)).toBe(false); // not reached yet (4 is missing before it)
    expect(seq.originGap(7, 1n, 2n)).toBe(false); // already passed: a repeat changes nothing
    expect(seq.originGap(7, 4n, 9n)).toBe(true);
    expect(seq.expected(7)).toBe(10n);
    feed(seq, trade(7, 10n));
    expect(injected).toEqual([1n, 2n, 3n, 10n]);
    expect(asked).toEqual([]); // no JetStream lookup for a declared loss
    expect(seq.stats).toMatchObject({ originGaps: 1, originLost: 6, lost: 0, gapsDetected: 0 });
    expect(seq.originGap(7, 4n, 9n)).toBe(false); // the same notice again (catch-up re-read)
  });

  it("ignores notices about local sources and sources being recovered", async () => {
    const { seq } = sequencer(new Map());
    seq.markLocal(trade(3, 5n), 0);
    expect(seq.originGap(3, 6n, 8n)).toBe(false);
    feed(seq, trade(7, 1n));
    feed(seq, trade(7, 5n)); // a hole: held while 2–4 are recovered
    expect(seq.recovering).toBe(1);
    expect(seq.originGap(7, 2n, 4n)).toBe(false);
    await ticks();
    expect(seq.stats.originGaps).toBe(0);
  });
});
