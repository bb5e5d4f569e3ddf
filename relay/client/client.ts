/**
 * Relay client: connects with Hello (and Subscribe), publishes with writes coalesced per tick, delivers
 * received messages zero-copy (a callback for hot paths, or an async iterator), recovers gaps, and
 * survives relay restarts.
 *
 * Importable on its own: it depends on `protocol/`, `relay/transport/` and leaf modules of this folder
 * (its own parts — outgoing batches, source sequencer, inbox — control messages, the message check, the
 * sink interface, the logger), never on the relay server.
 *
 * Publishing: {@link RelayClient.publish} copies the message into the current batch at once (the
 * caller may reuse its buffer) and one write per tick sends the batch. While the relay is away, or its
 * socket is backed up, batches wait in a bounded buffer (`outBufferBytes`); past it the oldest messages
 * are dropped and counted. Recently written batches (`resendBytes`) are written again after a reconnect,
 * because a relay that died may not have processed them; relays and subscribers drop the duplicates by
 * sequence.
 *
 * Receiving: per source the client expects the next sequence. A duplicate or older message is dropped
 * and counted. A jump sends a RetransmitRequest for the missing range by itself and holds the later
 * messages of that source back, so delivery stays in sequence order; the retransmitted messages (or a Gap
 * notice for what the relay no longer holds, or a timeout) release them. Gap notices are delivered
 * to the consumer too. Gap detection is on when there is no type filter (a filter makes sequences jump
 * legitimately).
 *
 * Refusals: the relay tells a publishing connection what it accepted and refused of its messages
 * (relay/refusal-notice.ts). Those notices are taken here, never delivered: {@link RelayClient.refused}
 * counts refusals per reason, {@link RelayClient.onRefusal} hears each notice that reports new ones, and
 * {@link RelayClient.judged} waits until the relay has accepted or refused a number of messages.
 *
 * Reconnects with exponential backoff and jitter, forever, until {@link RelayClient.close}.
 *
 * For people rather than services, `connect()` of mod.ts wraps this with names and typed views.
 *
 * @example
 * ```ts
 * import { MessageBuilder, MessageView, RelayDomain, TlvType } from "../../protocol/mod.ts";
 * import { Role } from "../wire/control.ts";
 *
 * const client = await RelayClient.connect({
 *   endpoint: { kind: "unix", path: "/run/user/1000/alphapulse/market-data.sock" },
 *   domain: RelayDomain.MarketData, serviceId: 90, role: Role.Both, types: [TlvType.Trade],
 * });
 * const builder = new MessageBuilder(4096);
 * client.publish(builder.begin(RelayDomain.MarketData, 90).addTrade(assetId, venue, assetType, side, flags, price, size, execNanos).finish());
 * const view = new MessageView();
 * for await (const msg of client.subscribe()) console.log(view.wrap(msg).source, view.sequence);
 * ```
 * @module
 */

import { ChunkViews, StreamFramer, validateMessage } from "../../protocol/mod.ts";
import { QuickCheck, quickCheck } from "../wire/check.ts";
import { ClientInbox } from "./inbox.ts";
import { ClientRefusals, type RefusalListener, type RefusedCounts } from "./refusals.ts";
import { OutgoingBatches } from "./outgoing.ts";
import { SourceSequencer } from "./sequencer.ts";
import { BusyPoll } from "./busy-poll.ts";
import { canSubscribe, encodeHello, encodeRetransmitRequest, encodeSubscribe, gapValueAt, Role } from "../wire/control.ts";
import { processTokenFor } from "../wire/identity.ts";
import { createLogger, type Logger } from "../../core/log.ts";
import { isRefusalNotice, readRefusalNotice } from "../wire/refusal-notice.ts";
import type { MessageSink } from "../../core/sink.ts";
import { platform } from "../../core/platform.ts";
import { formatEndpoint, TRANSPORT, type Connection, type Endpoint, type Transport } from "../transport/types.ts";

/**
 * Receives one message `bytes[offset, offset+length)`; the bytes may be kept (never reused) — unless the
 * client was made with {@link RelayClientOptions.lentMessages}: then they are valid during the call only.
 */
export type ClientMessageHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/** Settings of a {@link RelayClient}. */
export interface RelayClientOptions {
  /** Where the relay listens. */
  endpoint: Endpoint;
  /** The relay's domain (used on control messages). */
  domain: number;
  /** This service's id (Hello serviceId and the source of control messages). */
  serviceId: number;
  /** Hello role (default {@link Role.Publisher}). */
  role?: number;
  /**
   * Hello token: required on TCP listeners, and on every listener of a relay with identities
   * (relay/identity.ts). Absent: this process's identity token for `serviceId`, if it has one.
   */
  token?: string;
  /** TLV types to receive (empty or absent: every type of the domain). */
  types?: readonly number[];
  /** Bytes of unsent messages kept while the relay is away or backed up (default 8 MiB). */
  outBufferBytes?: number;
  /** Bytes of recently written messages re-sent after a reconnect (default 4 MiB). */
  resendBytes?: number;
  /** Socket bytes pending above which new batches wait in the client's buffer (default 1 MiB). */
  highWaterBytes?: number;
  /** Reconnect backoff (default 50 ms doubling up to 5 s, with jitter). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Keep retrying the first connection instead of failing (default false). */
  waitForRelay?: boolean;
  /** Detect per-source gaps and request retransmission (default: on without a type filter). */
  gapRecovery?: boolean;
  /** Milliseconds to wait for a requested range before giving it up (default 2000). */
  gapTimeoutMs?: number;
  /** Bytes of later messages held back per source while a gap is filled (default 4 MiB). */
  holdBytes?: number;
  /** Bytes queued for the async iterator before reading pauses (default 16 MiB). */
  inboxBytes?: number;
  /** Verify checksums of received messages (default false: the relay verified them). */
  verifyChecksum?: boolean;
  /**
   * Keep the event loop polling instead of sleeping between messages (default false): the lowest
   * latency, for a core's price — see relay/busy-poll.ts for when that is a good trade.
   */
  busyPoll?: boolean;
  /**
   * The {@link RelayClient.onMessage} handler reads each message during its call and keeps nothing of
   * it but copies (default false). The connection may then read into memory it reuses (the ring
   * transport does), which spares the collector a fresh array per read: threads relay 1 → 1 2.6 → 3.2 M
   * msgs/s with the relay lending too (docs/PERFORMANCE.md, "Lent reads"). What the client itself keeps —
   * messages held back for a gap, queued for {@link RelayClient.subscribe}'s iterator — it copies.
   */
  lentMessages?: boolean;
  /** Transport (default: this runtime's). */
  transport?: Transport;
  /** Logger (default: JSON lines on stderr). */
  logger?: Logger;
}

/** Counters of a {@link RelayClient}. */
export interface RelayClientStats {
  /** Messages given to {@link RelayClient.publish}. */
  published: number;
  /** Published messages dropped because the outgoing buffer was full. */
  droppedOutgoing: number;
  /** Messages delivered to the consumer. */
  delivered: number;
  /** Received messages dropped as duplicates (sequence not above the last delivered). */
  duplicates: number;
  /** Received messages dropped as invalid. */
  invalid: number;
  /** Gaps detected in a source's sequence. */
  gapsDetected: number;
  /** RetransmitRequests sent. */
  retransmitRequests: number;
  /** Sequences given up as lost (Gap notices, timeouts, hold overflow). */
  lost: number;
  /**
   * Gap notices received from the relay (with or without gap recovery). With a type filter, where gap
   * recovery is off, this is the count to watch: each notice says the relay dropped some of this
   * subscriber's messages (its own metrics count how many).
   */
  gapNotices: number;
  /** Successful reconnects after a loss of the connection. */
  reconnects: number;
  /** Exceptions thrown by the {@link RelayClient.onMessage} handler (the message counts as delivered). */
  handlerErrors: number;
}

/** A connection to one relay that reconnects by itself. Implements {@link MessageSink}. */
export class RelayClient implements MessageSink {
  /** Counters. */
  readonly stats: RelayClientStats = {
    published: 0, droppedOutgoing: 0, delivered: 0, duplicates: 0, invalid: 0, gapsDetected: 0, retransmitRequests: 0, lost: 0, gapNotices: 0, reconnects: 0, handlerErrors: 0,
  };
  /** What the relay accepted and refused of this client's messages (relay/client-refusals.ts). */
  readonly refusals = new ClientRefusals();
  private readonly opts: RelayClientOptions;
  private readonly log: Logger;
  private readonly role: number;
  private readonly gapRecovery: boolean;
  private readonly out: OutgoingBatches;
  private readonly sequencer: SourceSequencer;
  private readonly inbox: ClientInbox;
  private transport: Transport | undefined;
  private conn: Connection | undefined;
  private ready = false;
  private closing = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly framer = new StreamFramer();
  private readonly busyPoll: BusyPoll | undefined;
  private handler: ClientMessageHandler | undefined;
  // The chunk being read, with its whole-buffer views and byte offset.
  private readonly rx = new ChunkViews();
  private readonly onFrame = (bytes: Uint8Array, offset: number, length: number): void => this.receive(bytes, offset, length);
  private readonly deliverNow = (bytes: Uint8Array, offset: number, length: number): void => this.deliver(bytes, offset, length);

  private constructor(options: RelayClientOptions) {
    this.opts = options;
    this.log = options.logger ?? createLogger(`relay-client.${options.serviceId}`);
    this.role = options.role ?? Role.Publisher;
    this.gapRecovery = options.gapRecovery ?? (options.types === undefined || options.types.length === 0);
    this.out = new OutgoingBatches({
      connection: () => (this.ready ? this.conn : undefined), stats: this.stats, log: this.log,
      outBufferBytes: options.outBufferBytes, resendBytes: options.resendBytes, highWaterBytes: options.highWaterBytes,
    });
    this.sequencer = new SourceSequencer({
      deliver: this.deliverNow, requestRetransmit: (source, from, to) => this.requestRetransmit(source, from, to),
      stats: this.stats, log: this.log, gapTimeoutMs: options.gapTimeoutMs, holdBytes: options.holdBytes,
    });
    this.inbox = new ClientInbox(options.inboxBytes ?? 16 * 1024 * 1024, { pause: () => this.conn?.pause(), resume: () => this.conn?.resume() });
    this.busyPoll = options.busyPoll ? new BusyPoll() : undefined;
  }

  /**
   * Connects to the relay (Hello, then Subscribe when types are given). Rejects when the first attempt
   * fails unless `waitForRelay` is set; after that the client reconnects by itself.
   */
  static async connect(options: RelayClientOptions): Promise<RelayClient> {
    const c = new RelayClient(options);
    c.transport = options.transport ?? (await platform().load(TRANSPORT));
    c.busyPoll?.start();
    if (options.waitForRelay) {
      await new Promise<void>((resolve) => {
        c.onFirstReady = resolve;
        void c.dial();
      });
    } else {
      try {
        c.adopt(await c.transport.connect(options.endpoint));
      } catch (e) {
        c.busyPoll?.stop();
        throw e;
      }
    }
    return c;
  }

  private onFirstReady: (() => void) | undefined;

  /** True while connected and greeted. */
  get connected(): boolean {
    return this.ready;
  }

  /** Bytes waiting to be written (the current batch, the buffer, and the socket's own queue). */
  get queuedBytes(): number {
    return this.out.queuedBytes;
  }

  // ---------------------------------------------------------------- publishing

  /** Queues one whole message (copied now; the caller may reuse `bytes`). Never blocks. */
  publish(bytes: Uint8Array): void {
    this.out.publishFrom(bytes, 0, bytes.length);
  }

  /** Queues the message `bytes[offset, offset+length)` (copied now). */
  publishFrom(bytes: Uint8Array, offset: number, length: number): void {
    this.out.publishFrom(bytes, offset, length);
  }

  /** Hands the current batch to the socket now (normally done once per tick by itself). */
  flushBatch(): void {
    this.out.flushBatch();
  }

  /** Resolves once everything published so far has been handed to the kernel (waits for a reconnect if needed). */
  flush(): Promise<void> {
    return this.out.flush();
  }

  /** Sends a RetransmitRequest for `source`'s `from..to` (done by itself on gaps). */
  requestRetransmit(source: number, from: bigint, to: bigint): void {
    if (!this.ready) return;
    this.stats.retransmitRequests++;
    this.conn!.write([encodeRetransmitRequest(this.opts.domain, this.opts.serviceId, source, from, to)]);
  }

  /**
   * Asks the relay for `source`'s messages from sequence `next` on (e.g. after a restart, from a
   * persisted position) and delivers them in order before anything newer of that source. What the relay
   * no longer holds arrives as a Gap notice.
   */
  resumeFrom(source: number, next: bigint): void {
    this.sequencer.resumeFrom(source, next);
  }

  /** Messages the relay refused, per reason (`unreported`: refused while this client did not read). */
  get refused(): Readonly<RefusedCounts> {
    return this.refusals.refused;
  }

  /** Calls `listener` for every refusal notice that reports new refusals. */
  onRefusal(listener: RefusalListener): void {
    this.refusals.onRefusal(listener);
  }

  /**
   * Resolves true once the relay has accepted or refused `expected` of this client's messages in all
   * (e.g. {@link RelayClientStats.published} after {@link flush}), false after `timeoutMs`.
   */
  judged(expected: number, timeoutMs = 5000): Promise<boolean> {
    return this.refusals.judged(expected, timeoutMs);
  }

  // ---------------------------------------------------------------- receiving

  /**
   * Delivers every message to `handler` (zero-copy; bytes may be kept, but with
   * {@link RelayClientOptions.lentMessages} only during the call). Replaces the async iterator.
   */
  onMessage(handler: ClientMessageHandler): void {
    this.handler = handler;
  }

  /** Received messages as an async iterator of zero-copy byte arrays, one whole message each. */
  subscribe(): AsyncIterableIterator<Uint8Array> {
    return this.inbox.iterator();
  }

  private deliver(bytes: Uint8Array, offset: number, length: number): void {
    this.stats.delivered++;
    const h = this.handler;
    if (h === undefined) {
      this.inbox.push(this.sequencer.lent ? bytes.slice(offset, offset + length) : bytes.subarray(offset, offset + length));
      return;
    }
    // The application's failure is not the stream's: counted and logged, the connection stays (it used
    // to be taken for a bad stream, closed and reconnected, losing the backlog).
    try {
      h(bytes, offset, length);
    } catch (e) {
      if (this.stats.handlerErrors++ % 1000 === 0) {
        this.log.error("message handler threw (counted; the connection stays)", { handlerErrors: this.stats.handlerErrors, error: e });
      }
    }
  }

  private receive(bytes: Uint8Array, offset: number, length: number): void {
    // Many messages per received chunk: views and byte offset once per chunk.
    const chunk = this.rx.of(bytes);
    const u8 = chunk.u8;
    const dv = chunk.dv;
    const base = chunk.base + offset;
    const verify = this.opts.verifyChecksum ?? false;
    if (quickCheck(u8, dv, base, length, verify) !== QuickCheck.ok && validateMessage(bytes, offset, length, { verifyChecksum: verify }) !== undefined) {
      this.stats.invalid++;
      return;
    }
    if (isRefusalNotice(u8, dv, base)) {
      try {
        this.refusals.take(readRefusalNotice(bytes, offset));
      } catch (e) {
        this.log.warn("unreadable refusal notice from the relay", { error: e });
      }
      return;
    }
    const gap = gapValueAt(u8, dv, base);
    if (gap >= 0) this.stats.gapNotices++;
    if (!this.gapRecovery) {
      this.deliver(bytes, offset, length);
      return;
    }
    if (gap >= 0) {
      // The notice first: it stands in the stream before the messages it releases.
      this.deliver(bytes, offset, length);
      this.sequencer.onGapNotice(dv, gap);
      return;
    }
    this.sequencer.accept(bytes, offset, length, dv, base);
  }

  // ---------------------------------------------------------------- connection

  private async dial(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    let conn: Connection;
    try {
      conn = await this.transport!.connect(this.opts.endpoint);
    } catch (e) {
      this.scheduleReconnect(e instanceof Error ? e.message : String(e));
      return;
    }
    if (this.closing) {
      conn.close(true);
      return;
    }
    if (this.wasReady) this.stats.reconnects++;
    this.adopt(conn);
  }

  private wasReady = false;
  private readySince = 0;
  private gotData = false;
  private closeWaiter: (() => void) | undefined;

  private adopt(conn: Connection): void {
    this.conn = conn;
    this.framer.reset();
    this.refusals.newConnection();
    const lentOk = this.opts.lentMessages === true;
    conn.setHandlers({
      acceptsLent: lentOk,
      data: (chunk, lent) => {
        this.gotData = true;
        this.sequencer.lent = lent === true;
        try {
          this.framer.push(chunk, this.onFrame);
        } catch (e) {
          this.log.error("bad stream from relay, reconnecting", { error: e });
          conn.close(true);
        }
      },
      drain: () => this.out.pump(),
      close: (error) => this.onConnClosed(conn, error),
    });
    const token = this.opts.token ?? processTokenFor(this.opts.serviceId);
    const hello = [encodeHello(this.opts.domain, this.opts.serviceId, this.role, token)];
    const types = this.opts.types ?? [];
    if (canSubscribe(this.role) && types.length > 0) hello.push(encodeSubscribe(this.opts.domain, this.opts.serviceId, types));
    conn.write(hello);
    this.ready = true;
    this.readySince = performance.now();
    this.gotData = false;
    this.attempt = 0;
    const reconnected = this.wasReady;
    if (reconnected) this.log.info("reconnected to relay", { endpoint: formatEndpoint(this.opts.endpoint) });
    this.wasReady = true;
    if (this.inbox.paused) conn.pause();
    // What was written before the loss may not have been processed: write it again, then the backlog.
    this.out.reconnected(conn);
    // Messages may have passed while this subscriber was away: ask for each known source's rest.
    if (reconnected && this.gapRecovery && canSubscribe(this.role)) this.sequencer.resumeAll();
    const f = this.onFirstReady;
    this.onFirstReady = undefined;
    f?.();
  }

  private onConnClosed(conn: Connection, error?: Error): void {
    if (conn !== this.conn) return;
    this.ready = false;
    this.conn = undefined;
    if (this.closing) {
      this.inbox.finish();
      const w = this.closeWaiter;
      this.closeWaiter = undefined;
      w?.();
      return;
    }
    const refused = !this.gotData && performance.now() - this.readySince < 1000;
    this.log.warn(refused ? "relay closed the connection right after Hello (wrong token or role?)" : "relay connection lost", {
      endpoint: formatEndpoint(this.opts.endpoint), ...(error ? { error: error.message } : {}),
    });
    this.scheduleReconnect();
  }

  private scheduleReconnect(reason?: string): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    const initial = this.opts.reconnect?.initialMs ?? 50;
    const max = this.opts.reconnect?.maxMs ?? 5000;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt, 30));
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt++;
    if (this.attempt === 1 || this.attempt % 20 === 0) {
      this.log.info("relay unreachable, retrying", { endpoint: formatEndpoint(this.opts.endpoint), attempt: this.attempt, delayMs: Math.round(delay), ...(reason ? { reason } : {}) });
    }
    this.reconnectTimer = setTimeout(() => void this.dial(), delay);
  }

  /**
   * Flushes (waiting at most `timeoutMs`, default 2000) and closes. Messages still unsent after the
   * timeout are counted as dropped. The async iterator ends.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closing) return;
    if (this.ready) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closing = true;
    const unsent = this.out.discardUnsent();
    if (unsent > 0) this.log.warn("closing with unsent messages", { unsent });
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.sequencer.dropAll();
    const conn = this.conn;
    if (conn && !conn.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.closeWaiter = () => {
          clearTimeout(t);
          resolve();
        };
        conn.close();
      });
    }
    this.ready = false;
    this.busyPoll?.stop();
    this.inbox.finish();
    this.out.wakeDrainWaiters();
  }
}
