/**
 * A source that restarts (a new process, sequence from 1 again) while the subscriber is away — e.g. a
 * relay's own status reporter on its restarted relay, found by `kill -9` of the system relay in
 * tests/e2e/fault-injection.test.ts: the subscriber reconnects after the new run's first messages. The
 * client must follow the new run (asking for its start from 1), not drop it as duplicates of the old run
 * until its sequence passes the old one's.
 */

import { describe, expect, it } from "vitest";
import { AssetType, MessageBuilder, MessageView, pairAssetId, RelayDomain, Side, Venue, viewsOf } from "../../protocol/mod.ts";
import { SourceSequencer } from "../../relay/client/sequencer.ts";
import { encodeGap } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";

const T0 = 1_700_000_000_000_000_000n;

/** Source 7's message `sequence`, stamped `timestamp`. */
function trade(b: MessageBuilder, sequence: bigint, timestamp: bigint): Uint8Array {
  return b.begin(RelayDomain.MarketData, 7).setSequence(sequence).setTimestamp(timestamp)
    .addTrade(pairAssetId("BTC", "USD"), Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 1n, 1n, 0n).finish().slice();
}

function harness() {
  const delivered: bigint[] = [];
  const requests: [number, bigint, bigint][] = [];
  const view = new MessageView();
  const stats = { duplicates: 0, gapsDetected: 0, lost: 0 };
  const seq = new SourceSequencer({
    deliver: (bytes, offset) => void delivered.push(view.wrap(bytes, offset).sequence),
    requestRetransmit: (source, from, to) => void requests.push([source, from, to]), stats, log: silentLogger,
  });
  const accept = (m: Uint8Array): void => seq.accept(m, 0, m.length, viewsOf(m).dv, m.byteOffset);
  return { delivered, requests, stats, seq, accept };
}

describe("relay client: a source restarted while the subscriber was away", () => {
  it("asks for the new run from 1 and delivers it in order; old re-sends stay duplicates", () => {
    const h = harness();
    const b = new MessageBuilder(256);
    for (let s = 1n; s <= 5n; s++) h.accept(trade(b, s, T0 + s));
    // New run: sequences 1 and 2 passed while away; 3 is the first seen, stamped later than anything before.
    h.accept(trade(b, 3n, T0 + 103n));
    expect(h.requests).toEqual([[7, 1n, 2n]]);
    expect(h.delivered).toEqual([1n, 2n, 3n, 4n, 5n]);
    h.accept(trade(b, 1n, T0 + 101n)); // the retransmitted start
    h.accept(trade(b, 2n, T0 + 102n));
    h.accept(trade(b, 4n, T0 + 104n));
    h.accept(trade(b, 4n, T0 + 4n)); // a re-send of the OLD run's 4: a duplicate
    expect(h.delivered).toEqual([1n, 2n, 3n, 4n, 5n, 1n, 2n, 3n, 4n]);
    expect(h.stats).toEqual({ duplicates: 1, gapsDetected: 1, lost: 0 });
  });

  it("counts the new run's start as lost when the relay answers with a Gap", () => {
    const h = harness();
    const b = new MessageBuilder(256);
    for (let s = 1n; s <= 5n; s++) h.accept(trade(b, s, T0 + s));
    h.accept(trade(b, 3n, T0 + 103n));
    const gap = encodeGap(RelayDomain.MarketData, 0, 1n, 0n, 7, 1, 1n, 2n);
    h.seq.onGapNotice(viewsOf(gap).dv, gap.byteOffset + 34);
    h.accept(trade(b, 4n, T0 + 104n));
    expect(h.delivered).toEqual([1n, 2n, 3n, 4n, 5n, 3n, 4n]);
    expect(h.stats.lost).toBe(2);
  });

  it("still takes a lower sequence with an older stamp for a duplicate", () => {
    const h = harness();
    const b = new MessageBuilder(256);
    for (let s = 1n; s <= 5n; s++) h.accept(trade(b, s, T0 + s));
    h.accept(trade(b, 3n, T0 + 3n));
    h.accept(trade(b, 1n, T0)); // sequence 1 but not newer: a re-send
    expect(h.delivered).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(h.requests).toEqual([]);
    expect(h.stats.duplicates).toBe(2);
  });

  it("takes re-sent messages for duplicates also when the source's stamps do not grow with its sequence", () => {
    // Risk, paper venue and strategies stamp messages with the data's time, not the clock: out of order.
    const h = harness();
    const b = new MessageBuilder(256);
    const stamps = [T0 + 1n, T0 + 50n, T0 + 3n, T0 + 40n, T0 + 5n];
    stamps.forEach((t, i) => h.accept(trade(b, BigInt(i + 1), t)));
    for (let s = 1; s <= 5; s++) h.accept(trade(b, BigInt(s), stamps[s - 1]!)); // the publisher's re-sent batch
    expect(h.delivered).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(h.requests).toEqual([]);
    expect(h.stats.duplicates).toBe(5);
  });
});

describe("relay client: stragglers of a range a Gap notice skipped", () => {
  it("are duplicates, not a restart, though stamped later than the last delivered message", () => {
    const h = harness();
    const b = new MessageBuilder(256);
    for (let s = 1n; s <= 2n; s++) h.accept(trade(b, s, T0 + s));
    const gap = encodeGap(RelayDomain.MarketData, 0, 1n, 0n, 7, 1, 3n, 10n);
    h.seq.onGapNotice(viewsOf(gap).dv, gap.byteOffset + 34);
    h.accept(trade(b, 5n, T0 + 5n)); // inside the skipped range
    expect(h.delivered).toEqual([1n, 2n]);
    expect(h.requests).toEqual([]);
    h.accept(trade(b, 11n, T0 + 11n));
    h.accept(trade(b, 1n, T0 + 20n)); // after that, a newer sequence 1 is a restart again
    expect(h.delivered).toEqual([1n, 2n, 11n, 1n]);
    expect(h.stats.duplicates).toBe(1);
  });
});
