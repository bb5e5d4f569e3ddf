/**
 * Test helpers of the whole-system fault tests: a relay subscriber that keeps per-source sequence
 * accounts (delivered, covered by a Gap notice, holes nothing explained, duplicates, source restarts),
 * and a paced synthetic publisher that is the "load".
 *
 * @module
 */

import { AssetType, HeaderOffset, MessageBuilder, pairAssetId, RelayDomain, Side, TlvType, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client.ts";
import { firstTlvType, readGap, Role } from "../../relay/control.ts";
import { silentLogger } from "../../relay/log.ts";

/** What one subscriber saw of one source. */
export interface SourceAccount {
  /** Next sequence expected. */
  expected: number;
  delivered: number;
  /** Sequences skipped with a Gap notice saying so. */
  gapCovered: number;
  /** Sequences skipped with no Gap notice (unaccounted). */
  holes: number;
  duplicates: number;
  /** Times the source started over at sequence 1 (a new process). */
  restarts: number;
}

/** A subscriber of one relay that accounts for every source's sequences. */
export class SequenceObserver {
  readonly accounts = new Map<number, SourceAccount>();
  readonly client: RelayClient;
  private constructor(client: RelayClient) {
    this.client = client;
  }

  /** Connects to the relay at `socket` (Unix) as a subscriber of every type, waiting for the relay if needed. */
  static async connect(socket: string, domain: number, serviceId: number): Promise<SequenceObserver> {
    const client = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain, serviceId, role: Role.Subscriber, logger: silentLogger, waitForRelay: true,
      reconnect: { initialMs: 20, maxMs: 500 },
    });
    const o = new SequenceObserver(client);
    client.onMessage((bytes, offset) => o.onMessage(bytes, offset));
    return o;
  }

  /** The account of `source` (zeros when never seen). */
  account(source: number): SourceAccount {
    let a = this.accounts.get(source);
    if (a === undefined) this.accounts.set(source, (a = { expected: 0, delivered: 0, gapCovered: 0, holes: 0, duplicates: 0, restarts: 0 }));
    return a;
  }

  private onMessage(bytes: Uint8Array, offset: number): void {
    if (firstTlvType(bytes, offset) === TlvType.Gap) {
      const g = readGap(bytes, offset);
      if (g === undefined) return;
      const a = this.account(g.source);
      const from = Number(g.from);
      const to = Number(g.to);
      if (a.expected === 0 || to < a.expected) return;
      a.gapCovered += to - Math.max(from, a.expected) + 1;
      a.expected = to + 1;
      return;
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const source = dv.getUint16(offset + HeaderOffset.source, true);
    const seq = Number(dv.getBigUint64(offset + HeaderOffset.sequence, true));
    const a = this.account(source);
    if (a.expected === 0 || seq === a.expected) {
      // The first message seen of a source is its start for this observer.
    } else if (seq === 1) {
      a.restarts++;
    } else if (seq > a.expected) {
      a.holes += seq - a.expected;
    } else {
      a.duplicates++;
      return;
    }
    a.delivered++;
    a.expected = seq + 1;
  }

  /** Closes the subscriber. */
  close(): Promise<void> {
    return this.client.close(200);
  }
}

/** A paced publisher of Trades of one source (a constant price: no strategy signals from it). */
export class LoadPublisher {
  sent = 0;
  readonly client: RelayClient;
  private readonly source: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private constructor(client: RelayClient, source: number) {
    this.client = client;
    this.source = source;
  }

  /** Connects to the market-data relay at `socket` and publishes `ratePerSec` Trades a second (10 ms ticks). */
  static async start(socket: string, source: number, ratePerSec: number): Promise<LoadPublisher> {
    const client = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain: RelayDomain.MarketData, serviceId: source, role: Role.Publisher, logger: silentLogger,
      waitForRelay: true, reconnect: { initialMs: 20, maxMs: 500 },
    });
    const p = new LoadPublisher(client, source);
    const b = new MessageBuilder(256);
    const asset = pairAssetId("DOGE", "USD");
    const start = performance.now();
    p.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * ratePerSec);
      while (p.sent < due) {
        b.begin(RelayDomain.MarketData, p.source).addTrade(asset, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 10_000_000n, 100_000_000n, 0n);
        client.publishFrom(b.bytes, 0, b.finishLength());
        p.sent++;
      }
    }, 10);
    return p;
  }

  /** Stops publishing and flushes what was published. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.flush();
  }

  /** Closes the client. */
  close(): Promise<void> {
    clearInterval(this.timer);
    return this.client.close(1000);
  }
}
