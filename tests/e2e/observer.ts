/**
 * Test helpers of the whole-system fault tests: a relay subscriber that keeps per-source sequence
 * accounts (delivered, covered by a Gap notice, holes nothing explained, duplicates, source restarts),
 * a paced synthetic publisher that is the "load" (on any relay), and a reader that checks a service's
 * audit journal holds a load window to the message.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AssetType, HeaderOffset, MessageBuilder, MessageView, pairAssetId, RelayDomain, ServiceState, Side, TlvType, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { firstTlvType, readGap, Role } from "../../relay/wire/control.ts";
import { TOOLS_RANGE, TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { silentLogger } from "../../core/log.ts";
import { readJournal } from "../../runtime/journal.ts";

/**
 * The identity a test client of a running system presents: the tools' token (`tools.token`, ids 90–99)
 * that `ap start` writes beside its sockets, with a Hello id of that range; none for a relay started
 * without identities (no such file).
 */
export function toolsIdentity(socket: string, serviceId: number): { serviceId: number; token?: string } {
  let token: string;
  try {
    token = readFileSync(join(dirname(socket), TOOLS_TOKEN_FILE), "utf8").trim();
  } catch {
    return { serviceId };
  }
  return { serviceId: serviceId >= TOOLS_RANGE.lo && serviceId <= TOOLS_RANGE.hi ? serviceId : TOOLS_RANGE.hi - 1, token };
}

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
      endpoint: { kind: "unix", path: socket }, domain, ...toolsIdentity(socket, serviceId), role: Role.Subscriber, logger: silentLogger, waitForRelay: true,
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
      if (a.expected !== 0 && from === 1 && to < a.expected) {
        // The start of a restarted run the relay no longer holds (the client asked from 1).
        a.restarts++;
        a.gapCovered += to;
        a.expected = to + 1;
        return;
      }
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

/**
 * A paced publisher of one source. On the market-data relay it sends Trades (a constant price: no
 * strategy signals from it); on the other relays Heartbeats (System TLVs ride on any domain, PROTOCOL §2),
 * which the strategies, the planner, risk, paper venue and portfolio all ignore — load that changes no
 * trading decision.
 */
export class LoadPublisher {
  sent = 0;
  readonly client: RelayClient;
  readonly domain: number;
  readonly source: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private constructor(client: RelayClient, domain: number, source: number) {
    this.client = client;
    this.domain = domain;
    this.source = source;
  }

  /** Connects to the relay of `domain` at `socket` and publishes `ratePerSec` messages a second (10 ms ticks). */
  static async start(socket: string, source: number, ratePerSec: number, domain: number = RelayDomain.MarketData): Promise<LoadPublisher> {
    const client = await RelayClient.connect({
      endpoint: { kind: "unix", path: socket }, domain, ...toolsIdentity(socket, source), role: Role.Publisher, logger: silentLogger,
      waitForRelay: true, reconnect: { initialMs: 20, maxMs: 500 },
    });
    const p = new LoadPublisher(client, domain, source);
    const b = new MessageBuilder(256);
    const asset = pairAssetId("DOGE", "USD");
    const start = performance.now();
    p.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * ratePerSec);
      while (p.sent < due) {
        b.begin(domain, source);
        if (domain === RelayDomain.MarketData) b.addTrade(asset, Venue.Coinbase, AssetType.Spot, Side.Buy, 0, 10_000_000n, 100_000_000n, 0n);
        else {
          const at = b.reserve(TlvType.Heartbeat, 16);
          b.dv.setUint16(at, source, true);
          b.dv.setUint8(at + 2, ServiceState.Running);
        }
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

/** How one source's sequences appear in a service's audit journal over a window. */
export interface JournalWindow {
  /** Distinct sequences of the window found. */
  found: number;
  /** Sequences of the window not found. */
  missing: number;
  /** Sequences of the window found more than once. */
  duplicates: number;
}

/**
 * Reads the audit journal `<dir>/<prefix>-*.bin` and tallies the messages of (`domain`, `source`) with a
 * sequence in `[from, to]` — what a subscribing service received (and journaled) of a load source.
 */
export async function journalWindow(dir: string, prefix: string, domain: number, source: number, from: number, to: number): Promise<JournalWindow> {
  const seen = new Uint8Array(Math.max(0, to - from + 1));
  const view = new MessageView();
  let duplicates = 0;
  for await (const msg of readJournal(dir, prefix)) {
    view.wrap(msg);
    if (view.relayDomain !== domain || view.source !== source) continue;
    const seq = Number(view.sequence);
    if (seq < from || seq > to) continue;
    if (seen[seq - from]! > 0) duplicates++;
    seen[seq - from] = Math.min(255, seen[seq - from]! + 1);
  }
  const found = seen.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);
  return { found, missing: seen.length - found, duplicates };
}
