import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMessage, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import type { RelayClient } from "../../relay/client/client.ts";
import type { RefusalNotice } from "../../relay/wire/refusal-notice.ts";
import { MAX_PENDING_RUNS, PublisherReport, RefusalReason, readRefusalNotice } from "../../relay/wire/refusal-notice.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, headerOf, Role, startTestRelay, tempDir, until } from "./helpers.ts";

function trade(source: number, sequence: number, ts = 1_700_000_000_000_000_000n): Uint8Array {
  return encodeMessage({ relayDomain: RelayDomain.MarketData, source, sequence: BigInt(sequence), timestamp: ts + BigInt(sequence) }, [{
    type: TlvType.Trade, name: "Trade", instrument: pairInstrument("BTC", "USD", Venue.Coinbase), side: 1, flags: 0,
    price: 6_000_000_000_000n, size: 1_000_000n, execTimestamp: 0n,
  }]);
}

let env: { dir: string; cleanup: () => void };
let server: RelayServer;
const clients: RelayClient[] = [];

beforeEach(async () => {
  env = tempDir();
  server = await startTestRelay(env.dir);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
  env.cleanup();
});

async function open(serviceId: number, role: number): Promise<RelayClient> {
  const c = await client(server.socketPath, serviceId, role);
  clients.push(c);
  return c;
}

describe("refusal notices", () => {
  it("a publisher hears its sourceOwned and duplicate refusals per reason, and when the relay has judged everything", async () => {
    const owner = await open(3, Role.Publisher);
    for (let i = 1; i <= 10; i++) owner.publish(trade(3, i));
    await owner.flush();
    expect(await owner.judged(10, 20_000)).toBe(true);
    expect(owner.refusals.accepted).toBe(10);
    expect(owner.refusals.refusedTotal).toBe(0);

    const stranger = await open(91, Role.Publisher);
    const heard: RefusalNotice[] = [];
    stranger.onRefusal((n) => heard.push(n));
    for (let i = 11; i <= 30; i++) stranger.publish(trade(3, i)); // owner's source: sourceOwned
    for (let i = 1; i <= 5; i++) stranger.publish(trade(7, i)); // a new source of its own: accepted
    for (let i = 1; i <= 5; i++) stranger.publish(trade(7, i)); // again: duplicates
    await stranger.flush();
    expect(await stranger.judged(30, 20_000)).toBe(true);
    expect(stranger.refusals.accepted).toBe(5);
    expect(stranger.refusals.refusedTotal).toBe(25);
    expect(stranger.refused.sourceOwned).toBe(20);
    expect(stranger.refused.duplicate).toBe(5);
    expect(stranger.refused.unreported).toBe(0);
    expect(heard.length).toBeGreaterThan(0);
    const runs = heard.flatMap((n) => n.runs);
    expect(runs).toContainEqual({ source: 3, reason: RefusalReason.sourceOwned, from: 11n, to: 30n });
    expect(runs).toContainEqual({ source: 7, reason: RefusalReason.duplicate, from: 1n, to: 5n });
  }, 60_000);

  it("a publisher that also subscribes is not misled: the notice is taken, never delivered, and the owner's messages of the same source still arrive", async () => {
    const owner = await open(3, Role.Publisher);
    owner.publish(trade(3, 1));
    await owner.flush();
    expect(await owner.judged(1, 20_000)).toBe(true);
    const both = await open(92, Role.Both);
    const got = collector(both);
    both.publish(trade(3, 2)); // refused: the owner publishes source 3
    await both.flush();
    expect(await both.judged(1, 20_000)).toBe(true);
    expect(both.refused.sourceOwned).toBe(1);
    for (let i = 2; i <= 4; i++) owner.publish(trade(3, i));
    await owner.flush();
    await got.waitFor(3, 20_000);
    expect(got.messages.map((m) => headerOf(m))).toEqual([2n, 3n, 4n].map((sequence) => ({ source: 3, sequence, domain: RelayDomain.MarketData })));
    expect(both.stats.lost).toBe(0);
  }, 60_000);

  it("subscribers get no notices; a relay counts an invalid message of a publisher under invalid", async () => {
    const sub = await open(93, Role.Subscriber);
    const got = collector(sub);
    const pub = await open(94, Role.Publisher);
    const bad = trade(8, 1);
    bad[bad.length - 1]! ^= 0xff; // breaks the checksum
    pub.publish(bad);
    pub.publish(trade(8, 2));
    await pub.flush();
    expect(await pub.judged(2, 20_000)).toBe(true);
    expect(pub.refused.invalid).toBe(1);
    expect(pub.refusals.accepted).toBe(1);
    await got.waitFor(1, 20_000);
    await until(() => server.relay.metrics.drops.invalid === 1, 5000, "the invalid drop to be counted");
    expect(got.messages.every((m) => headerOf(m).source === 8)).toBe(true);
  }, 60_000);
});

describe("PublisherReport", () => {
  it("coalesces contiguous refusals into runs and reports them once; a full set of runs asks for a notice at once", () => {
    const r = new PublisherReport();
    r.accepted = 4;
    for (let s = 1n; s <= 3n; s++) expect(r.refuse(RefusalReason.sourceOwned, 3, s)).toBe(false);
    expect(r.refuse(RefusalReason.duplicate, 3, 9n)).toBe(false);
    const notice = readRefusalNotice(r.takeNotice(RelayDomain.MarketData, 80, 2, true), 0);
    expect(notice).toEqual({
      relayId: 80, accepted: 4, refused: 4,
      runs: [{ source: 3, reason: RefusalReason.sourceOwned, from: 1n, to: 3n }, { source: 3, reason: RefusalReason.duplicate, from: 9n, to: 9n }],
    });
    expect(readRefusalNotice(r.takeNotice(RelayDomain.MarketData, 80, 2, true), 0).runs).toEqual([]);
    let full = false;
    for (let i = 0; i < MAX_PENDING_RUNS; i++) full = r.refuse(RefusalReason.duplicate, 5, BigInt(2 * i + 1));
    expect(full).toBe(true);
    const withoutRuns = readRefusalNotice(r.takeNotice(RelayDomain.MarketData, 80, 2, false), 0);
    expect(withoutRuns.runs).toEqual([]);
    expect(withoutRuns.refused).toBe(4 + MAX_PENDING_RUNS);
  });
});
