/**
 * A bridged relay answers RetransmitRequests beyond its ring from JetStream, by itself: a subscriber
 * of relay B asks B alone (plain RetransmitRequest) and gets the range in order; a range JetStream no
 * longer holds either is answered with a Gap for exactly that part. Origin Gap notices cross NATS: a
 * hole at the origin relay reaches relay B's subscribers as a Gap notice before the message after it,
 * with no JetStream lookup and no loop.
 */

import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectNatsOnce } from "../../bridge/connect.ts";
import { ensureStream } from "../../bridge/jetstream.ts";
import { JetStreamRetransmitSource } from "../../bridge/retransmit.ts";
import { sourceSubject, streamName } from "../../bridge/subjects.ts";
import { RelayDomain } from "../../protocol/mod.ts";
import { readGap } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";
import type { RelayServer } from "../../relay/server/server.ts";
import { client, collector, headerOf, Role, tempDir, TradeSource, until } from "../relay/helpers.ts";
import { bridgeOf, natsOrSkip, range, relayAt, sequencesOf, uniquePrefix } from "./helpers.ts";
import { concatMessages, seqOf, trade } from "./messages.ts";

const nats = await natsOrSkip("tests/bridge/retransmit.test.ts");
const MD = RelayDomain.MarketData;

describe.skipIf(nats === undefined)("relay answers RetransmitRequests from JetStream", () => {
  const tmp = tempDir();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let relayA: RelayServer;
  let relayB: RelayServer;

  beforeAll(async () => {
    relayA = await relayAt(tmp.dir, "a");
    // A ring of the minimum size: B keeps about one message per source, everything older is evicted.
    relayB = await relayAt(tmp.dir, "b", { ringBytesPerSource: 1 });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await relayA?.close();
    await relayB?.close();
    await nats?.close();
    tmp.cleanup();
  });

  async function track<T extends { close(): Promise<unknown> }>(x: Promise<T>): Promise<T> {
    const v = await x;
    closers.push(() => v.close());
    return v;
  }

  it("a late subscriber of relay B gets a range older than B's ring, in order, from B alone", async () => {
    const prefix = uniquePrefix();
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    bridgeB.serveRetransmits(relayB.relay);
    const adapter = await track(client(relayA.socketPath, 4, Role.Publisher));
    const trades = new TradeSource(4);
    const N = 3000;
    for (let i = 1; i <= N; i++) adapter.publish(trades.next(i));
    await until(() => bridgeB.snapshot().in.injected === N && bridgeA.snapshot().out.ackedMessages === N, 15_000, "bridged and stored");
    const gapsBefore = relayB.relay.metrics.gapsSent;

    // A plain RetransmitRequest for everything from 1: the relay client does it with resumeFrom.
    const late = await track(client(relayB.socketPath, 91, Role.Subscriber));
    const got = collector(late);
    late.resumeFrom(4, 1n);
    await got.waitFor(N, 10_000);
    expect(sequencesOf(got.messages, 4)).toEqual(range(1, N));
    expect(got.messages.some((m) => m[32] === 85)).toBe(false);
    expect(late.stats.lost).toBe(0);
    expect(relayB.relay.metrics.gapsSent).toBe(gapsBefore);
    const r = bridgeB.snapshot().retransmit!;
    expect(r.lookups).toBe(1);
    expect(r.messages).toBeGreaterThanOrEqual(N - 10); // all but what B's ring still held
    expect(r.unavailable).toBe(0);
    expect(bridgeB.metricsText()).toMatch(/alphapulse_nats_retransmit_messages_total\{domain="market-data"\} \d+/);

    // A range in the middle, asked raw (no gap logic in the client): exactly that range.
    const raw = await track(client(relayB.socketPath, 92, Role.Subscriber, { gapRecovery: false }));
    const rawGot = collector(raw);
    raw.requestRetransmit(4, 1000n, 1099n);
    await rawGot.waitFor(100, 10_000);
    expect(rawGot.messages.map((m) => headerOf(m).sequence)).toEqual(range(1000, 1099));
    expect(relayB.relay.metrics.gapsSent).toBe(gapsBefore);
  });

  it("answers a Gap for exactly the part JetStream no longer holds", async () => {
    const prefix = uniquePrefix();
    // One message per NATS message: the stream sequence of source 6's message i is i.
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix, { batchBytes: 1 }));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    bridgeB.serveRetransmits(relayB.relay);
    const adapter = await track(client(relayA.socketPath, 6, Role.Publisher));
    const trades = new TradeSource(6);
    const N = 400;
    for (let i = 1; i <= N; i++) adapter.publish(trades.next(i));
    await until(() => bridgeB.snapshot().in.injected === N && bridgeA.snapshot().out.ackedMessages === N, 15_000, "bridged and stored");
    // Retention took the oldest 150 (as max_age/max_bytes would).
    const nc = await connectNatsOnce({ url: nats!.url });
    closers.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const stream = streamName(MD, prefix);
    const last = await jsm.streams.getMessage(stream, { last_by_subj: sourceSubject(MD, 6, prefix) });
    expect(last?.seq).toBe(N);
    await jsm.streams.purge(stream, { seq: 151 });

    const gapsBefore = relayB.relay.metrics.gapsSent;
    const raw = await track(client(relayB.socketPath, 93, Role.Subscriber, { gapRecovery: false }));
    const got = collector(raw);
    raw.requestRetransmit(6, 1n, BigInt(N));
    await got.waitFor(1 + N - 150, 10_000);
    const first = got.messages[0]!;
    expect(readGap(first, 0)).toEqual({ source: 6, reason: 1, from: 1n, to: 150n });
    expect(got.messages.slice(1).map((m) => headerOf(m).sequence)).toEqual(range(151, N));
    expect(relayB.relay.metrics.gapsSent).toBe(gapsBefore + 1);
    expect(bridgeB.snapshot().retransmit!.unavailable).toBe(150);

    // JetStream unreachable for the relay: the ring's part as before, a Gap for the rest, nothing hangs.
    await bridgeB.close();
    const raw2 = await track(client(relayB.socketPath, 94, Role.Subscriber, { gapRecovery: false }));
    const got2 = collector(raw2);
    raw2.requestRetransmit(6, 390n, BigInt(N));
    await until(() => got2.messages.length > 0 && headerOf(got2.messages.at(-1)!).sequence === BigInt(N), 5000, "ring answer");
    expect(readGap(got2.messages[0]!, 0)?.from).toBe(390n);
    expect(relayB.relay.retransmitFallback).toBeUndefined();
  });

  it("a hole at the origin crosses NATS as a Gap notice before the message after it, once, without a loop", async () => {
    const prefix = uniquePrefix();
    const bridgeA = await track(bridgeOf(relayA.socketPath, nats!.url, prefix));
    const bridgeB = await track(bridgeOf(relayB.socketPath, nats!.url, prefix));
    bridgeB.serveRetransmits(relayB.relay);
    const subA = await track(client(relayA.socketPath, 95, Role.Subscriber));
    const subB = await track(client(relayB.socketPath, 96, Role.Subscriber));
    const gotA = collector(subA);
    const gotB = collector(subB);
    // The adapter's messages 101–150 never reach relay A (lost on the adapter's side).
    const adapter = await track(client(relayA.socketPath, 7, Role.Publisher));
    for (let i = 1; i <= 100; i++) adapter.publish(trade(7, BigInt(i)));
    await until(() => bridgeB.snapshot().in.injected === 100, 10_000, "first part bridged");
    for (let i = 151; i <= 200; i++) adapter.publish(trade(7, BigInt(i)));
    await gotB.waitFor(101, 10_000);
    await until(() => sequencesOf(gotB.messages, 7).length === 150, 10_000, "second part on B");

    // Relay B's subscriber: 1–100, the origin's Gap notice, 151–200, and it never had to ask.
    const notices = gotB.messages.filter((m) => m[32] === 85);
    expect(notices.length).toBe(1);
    expect(readGap(notices[0]!, 0)).toEqual({ source: 7, reason: 1, from: 101n, to: 150n });
    expect(headerOf(notices[0]!).source).toBe(84); // stamped by bridge B, not the origin relay
    const at = gotB.messages.indexOf(notices[0]!);
    expect(headerOf(gotB.messages[at - 1]!).sequence).toBe(100n);
    expect(headerOf(gotB.messages[at + 1]!).sequence).toBe(151n);
    expect(sequencesOf(gotB.messages, 7)).toEqual([...range(1, 100), ...range(151, 200)]);
    expect(subB.stats.retransmitRequests).toBe(0);
    expect(subB.stats.lost).toBe(50);
    const b = bridgeB.snapshot();
    expect(b.originGaps).toEqual({ forwarded: 0, received: 1, injected: 1 });
    expect(b.in.originLost).toBe(50);
    expect(b.in.lost).toBe(0);
    expect(b.in.recoveries).toBe(0);
    expect(b.retransmit!.lookups).toBe(0);
    // The origin side forwarded it once and got nothing back.
    const a = bridgeA.snapshot();
    expect(a.originGaps).toEqual({ forwarded: 1, received: 0, injected: 0 });
    expect(sequencesOf(gotA.messages, 7)).toEqual([...range(1, 100), ...range(151, 200)]);
    expect(relayA.relay.metrics.drops.duplicate + relayB.relay.metrics.drops.duplicate).toBe(0);
    expect(bridgeB.metricsText()).toMatch(/alphapulse_nats_origin_lost_messages_total\{domain="market-data"\} 50/);
  });

  it("finds a range by binary search and answers from the run the relay is in when the source restarted", async () => {
    const prefix = uniquePrefix();
    const nc = await connectNatsOnce({ url: nats!.url });
    closers.push(() => nc.close());
    await ensureStream(await jetstreamManager(nc), MD, {}, silentLogger, prefix);
    const js = jetstream(nc);
    const subject = sourceSubject(MD, 9, prefix);
    const T1 = 1_700_000_000_000_000_000n;
    const T2 = T1 + 10_000_000_000n; // the second run starts later
    // Run 1: sequences 1–600, run 2 (a restart): 1–300; 10 messages per stored batch, another source in between.
    const publishRun = async (n: number, t0: bigint): Promise<void> => {
      for (let i = 1; i <= n; i += 10) {
        await js.publish(subject, concatMessages(range(i, i + 9).map((s) => trade(9, s, t0 + s))));
        await js.publish(sourceSubject(MD, 10, prefix), trade(10, BigInt(i)));
      }
    };
    await publishRun(600, T1);
    await publishRun(300, T2);
    const store = new JetStreamRetransmitSource(() => nc, MD, prefix);
    const signal = new AbortController().signal;
    const run2 = await store.fetch(9, 50n, 120n, { sequence: 121n, timestamp: T2 + 121n }, signal);
    expect(run2.map((m) => seqOf(m))).toEqual(range(50, 120));
    expect(run2.every((m) => new DataView(m.buffer, m.byteOffset).getBigUint64(16, true) > T2)).toBe(true);
    // Anchored in run 1 (a relay that has not seen the restart): run 1's messages, read only up to the anchor.
    const run1 = await store.fetch(9, 450n, 460n, { sequence: 461n, timestamp: T1 + 461n }, signal);
    expect(run1.map((m) => seqOf(m))).toEqual(range(450, 460));
    expect(run1.every((m) => new DataView(m.buffer, m.byteOffset).getBigUint64(16, true) < T2)).toBe(true);
    // The search costs about log2(stream size) message gets, not a scan.
    expect(store.stats.probes).toBeLessThan(2 * 2 * Math.ceil(Math.log2(180)) + 4);
    // A byte budget cuts the answer (the relay answers Gap for the rest).
    const small = new JetStreamRetransmitSource(() => nc, MD, prefix, 10 * trade(9, 1n).length);
    expect((await small.fetch(9, 50n, 120n, { sequence: 121n, timestamp: T2 + 121n }, signal)).map((m) => seqOf(m))).toEqual(range(50, 59));
    // Nothing of the source at or after `from`: nothing returned.
    expect(await store.fetch(9, 700n, 800n, { sequence: 801n, timestamp: T2 + 801n }, signal)).toEqual([]);
  });
});
