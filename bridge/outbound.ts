/**
 * Outgoing side of the bridge: batches local messages per source, keeps them in a bounded buffer until
 * JetStream acknowledges them, and sends again what was not acknowledged after a reconnect or a timeout.
 *
 * Why acknowledgements: the NATS client discards its unsent buffer when it reconnects, and a server that
 * dies loses what it had not processed, so "handed to the client" proves nothing. A batch leaves the
 * buffer only when JetStream's PubAck for it arrives (or JetStream answers that it will not store it,
 * which is counted). A batch sent twice carries the same `Nats-Msg-Id`, so the stream keeps one copy;
 * live receivers drop the second by sequence.
 *
 * Batching: messages of one source are appended to that source's open batch; a batch is sealed when it
 * reaches `batchBytes` or at {@link OutboundQueue.flush} (the bridge calls it once per tick). With
 * `batchBytes` ≤ one message every message is its own NATS message.
 *
 * The buffer holds at most `bufferBytes` of sealed batches (sent-but-unacknowledged included); past it
 * the oldest batches are dropped and their messages counted in `droppedBuffer`.
 *
 * Socket-free: sending goes through the {@link OutboundSender} given to the constructor, so this logic is
 * tested without a server.
 *
 * @module
 */

import { HeaderOffset, viewsOf } from "../protocol/mod.ts";

/** A sealed batch: whole messages of one source, in sequence order. */
export interface OutboundBatch {
  /** Local id, unique per queue (the bridge puts it in the reply subject). */
  readonly id: number;
  /** Source of every message in it. */
  readonly source: number;
  /** The messages back to back (owned by the batch). */
  readonly bytes: Uint8Array;
  /** Number of messages. */
  readonly count: number;
  /** Sequence of the first message. */
  readonly firstSeq: bigint;
  /** Sequence of the last message. */
  readonly lastSeq: bigint;
  /** JetStream de-duplication id: source, first sequence and first timestamp (unique across restarts). */
  readonly msgId: string;
  /** 0 waiting, 1 sent and awaiting its ack, 2 done (acknowledged, refused or dropped). */
  state: number;
  /** `performance.now()` when last sent. */
  sentAt: number;
}

/** Hands a batch to NATS. Returns false when it cannot now (not connected); the batch stays queued. */
export interface OutboundSender {
  send(batch: OutboundBatch): boolean;
}

/** Settings of an {@link OutboundQueue}. */
export interface OutboundOptions {
  /** Bytes at which a source's open batch is sealed (default 64 KiB; ≤ 1 = no batching). */
  batchBytes?: number;
  /** Bytes of sealed batches kept until acknowledged (default 64 MiB). */
  bufferBytes?: number;
  /** Bytes sent and not yet acknowledged before sending pauses (default 8 MiB). */
  maxInflightBytes?: number;
  /** Milliseconds without an ack after which unacknowledged batches are sent again (default 5000). */
  ackTimeoutMs?: number;
}

/** Counters of an {@link OutboundQueue}. */
export interface OutboundStats {
  /** Local messages taken in. */
  messagesIn: number;
  /** Batches sealed. */
  batches: number;
  /** Batch sends (first sends and resends). */
  sends: number;
  /** Batches sent again (after a reconnect or an ack timeout). */
  resends: number;
  /** Messages JetStream acknowledged. */
  ackedMessages: number;
  /** Batches JetStream reported as duplicates (a resend it already had). */
  duplicateAcks: number;
  /** Messages JetStream refused to store (error reply, or no stream for the subject). */
  notStored: number;
  /** Messages dropped because the buffer was full (oldest first). */
  droppedBuffer: number;
  /** Messages dropped because one message was larger than NATS accepts. */
  droppedTooLarge: number;
  /** Times unacknowledged batches were sent again because acks stopped coming. */
  ackTimeouts: number;
}

/** How JetStream answered a batch. */
export const AckResult = { Stored: 0, Duplicate: 1, Refused: 2 } as const;
/** One {@link AckResult}. */
export type AckResult = (typeof AckResult)[keyof typeof AckResult];

/** An open batch of one source. */
class OpenBatch {
  buf: Uint8Array;
  len = 0;
  count = 0;
  firstSeq = 0n;
  firstTs = 0n;
  /** Offset of the last message in `buf` (its sequence is read when the batch is sealed). */
  lastAt = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
}

/** See the module documentation. */
export class OutboundQueue {
  /** Counters. */
  readonly stats: OutboundStats = {
    messagesIn: 0, batches: 0, sends: 0, resends: 0, ackedMessages: 0, duplicateAcks: 0, notStored: 0, droppedBuffer: 0,
    droppedTooLarge: 0, ackTimeouts: 0,
  };
  private readonly sender: OutboundSender;
  private readonly batchBytes: number;
  private readonly bufferBytes: number;
  private readonly maxInflight: number;
  private readonly ackTimeoutMs: number;
  private readonly open: (OpenBatch | undefined)[] = new Array(65536);
  private readonly dirty: OpenBatch[] = [];
  private readonly dirtySources: number[] = [];
  /** Sealed batches not yet done, oldest first, from `head`. */
  private queue: OutboundBatch[] = [];
  private head = 0;
  /** Index of the first batch never sent (or to send again). */
  private sendIndex = 0;
  private readonly byId = new Map<number, OutboundBatch>();
  private nextId = 1;
  private queuedBytes = 0;
  private inflightBytes = 0;
  private connected = false;

  /** @param sender how batches reach NATS @param options limits */
  constructor(sender: OutboundSender, options: OutboundOptions = {}) {
    this.sender = sender;
    this.batchBytes = Math.max(1, options.batchBytes ?? 64 * 1024);
    this.bufferBytes = options.bufferBytes ?? 64 * 1024 * 1024;
    this.maxInflight = options.maxInflightBytes ?? 8 * 1024 * 1024;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  }

  /** Bytes of sealed batches waiting or awaiting acknowledgement. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Sealed batches waiting or awaiting acknowledgement. */
  get bufferedBatches(): number {
    return this.queue.length - this.head;
  }

  /** Copies one local message into its source's open batch (sealing the batch when full). */
  add(bytes: Uint8Array, offset: number, length: number): void {
    const { dv } = viewsOf(bytes);
    const base = bytes.byteOffset + offset;
    const source = dv.getUint16(base + HeaderOffset.source, true);
    this.stats.messagesIn++;
    let b = this.open[source];
    if (b === undefined) {
      b = this.open[source] = new OpenBatch(Math.max(this.batchBytes, 4096));
    }
    if (b.len > 0 && b.len + length > this.batchBytes) this.seal(source, b);
    if (b.buf.length < length) b.buf = new Uint8Array(length);
    if (b.len === 0) {
      b.firstSeq = dv.getBigUint64(base + HeaderOffset.sequence, true);
      b.firstTs = dv.getBigUint64(base + HeaderOffset.timestamp, true);
      this.dirty.push(b);
      this.dirtySources.push(source);
    }
    const buf = b.buf;
    const at = b.len;
    if (length <= 128) {
      for (let i = 0; i < length; i++) buf[at + i] = bytes[offset + i]!;
    } else {
      buf.set(bytes.subarray(offset, offset + length), at);
    }
    b.lastAt = at;
    b.len = at + length;
    b.count++;
    if (b.len >= this.batchBytes) this.seal(source, b);
  }

  /** Seals every open batch and sends what the window allows. */
  flush(): void {
    const d = this.dirty;
    const s = this.dirtySources;
    for (let i = 0; i < d.length; i++) if (d[i]!.len > 0) this.seal(s[i]!, d[i]!);
    d.length = 0;
    s.length = 0;
    this.pump();
  }

  /** Connection state: on loss every unacknowledged batch is queued to be sent again; on return sending resumes. */
  setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    if (!connected) this.requeueInflight();
    else this.pump();
  }

  /** JetStream's answer for batch `id`. Unknown ids (already dropped or answered) are ignored. */
  ack(id: number, result: AckResult): void {
    const b = this.byId.get(id);
    if (b === undefined) return;
    this.byId.delete(id);
    if (b.state === 1) this.inflightBytes -= b.bytes.length;
    b.state = 2;
    this.queuedBytes -= b.bytes.length;
    if (result === AckResult.Refused) this.stats.notStored += b.count;
    else {
      this.stats.ackedMessages += b.count;
      if (result === AckResult.Duplicate) this.stats.duplicateAcks++;
    }
    this.trimHead();
    this.pump();
  }

  /** Sends again what has waited longer than the ack timeout; call it periodically. */
  checkTimeouts(now = performance.now()): void {
    if (!this.connected) return;
    for (let i = this.head; i < this.sendIndex; i++) {
      const b = this.queue[i]!;
      if (b.state !== 1) continue;
      if (now - b.sentAt > this.ackTimeoutMs) {
        this.stats.ackTimeouts++;
        this.requeueInflight();
        this.pump();
      }
      return;
    }
  }

  /** Sends queued batches while connected and the in-flight window has room. */
  pump(): void {
    if (!this.connected) return;
    const q = this.queue;
    while (this.sendIndex < q.length && this.inflightBytes < this.maxInflight) {
      const b = q[this.sendIndex]!;
      if (b.state !== 0) {
        this.sendIndex++;
        continue;
      }
      if (!this.sender.send(b)) return;
      if ((b.state as number) === 2) {
        // the sender refused it for good (too large): nothing to wait for
        this.sendIndex++;
        continue;
      }
      if (b.sentAt !== 0) this.stats.resends++;
      b.state = 1;
      b.sentAt = performance.now();
      this.inflightBytes += b.bytes.length;
      this.stats.sends++;
      this.sendIndex++;
    }
  }

  /** Marks a batch as impossible to send (larger than NATS accepts): dropped and counted. */
  reject(batch: OutboundBatch): void {
    if (batch.state === 2) return;
    if (batch.state === 1) this.inflightBytes -= batch.bytes.length;
    batch.state = 2;
    this.byId.delete(batch.id);
    this.queuedBytes -= batch.bytes.length;
    this.stats.droppedTooLarge += batch.count;
    this.trimHead();
  }

  private seal(source: number, b: OpenBatch): void {
    const bytes = b.buf.slice(0, b.len);
    const lastSeq = viewsOf(bytes).dv.getBigUint64(bytes.byteOffset + b.lastAt + HeaderOffset.sequence, true);
    const batch: OutboundBatch = {
      id: this.nextId++, source, bytes, count: b.count, firstSeq: b.firstSeq, lastSeq,
      msgId: `${source}.${b.firstSeq}.${b.firstTs}`, state: 0, sentAt: 0,
    };
    b.len = 0;
    b.count = 0;
    this.stats.batches++;
    this.queue.push(batch);
    this.byId.set(batch.id, batch);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > this.bufferBytes) this.dropOldest();
  }

  private dropOldest(): void {
    const q = this.queue;
    let dropped = 0;
    while (this.queuedBytes > this.bufferBytes && this.head < q.length - 1) {
      const b = q[this.head]!;
      if (b.state !== 2) {
        if (b.state === 1) this.inflightBytes -= b.bytes.length;
        b.state = 2;
        this.byId.delete(b.id);
        this.queuedBytes -= b.bytes.length;
        dropped += b.count;
      }
      q[this.head] = undefined as unknown as OutboundBatch;
      this.head++;
    }
    if (this.sendIndex < this.head) this.sendIndex = this.head;
    this.stats.droppedBuffer += dropped;
    this.compact();
  }

  private requeueInflight(): void {
    const q = this.queue;
    for (let i = this.head; i < this.sendIndex; i++) {
      const b = q[i]!;
      if (b.state === 1) {
        b.state = 0;
        this.inflightBytes -= b.bytes.length;
      }
    }
    this.sendIndex = this.head;
  }

  private trimHead(): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.state === 2) {
      q[this.head] = undefined as unknown as OutboundBatch;
      this.head++;
    }
    if (this.sendIndex < this.head) this.sendIndex = this.head;
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.sendIndex -= this.head;
      this.head = 0;
    }
  }
}
