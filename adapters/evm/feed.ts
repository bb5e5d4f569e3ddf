/**
 * The EVM adapter's core, free of sockets and clocks: JSON-RPC frames and backfill results in,
 * Protocol V2 messages out. The live task (`adapter.ts`) and `ap normalize` (`normalize.ts`) drive the
 * same object, so a capture replays through exactly the parsing, dedupe and reorg code a live session
 * runs.
 *
 * - `eth_subscription` notifications of the `logs` subscription → PoolSwap/PoolSync/PoolMint/PoolBurn
 *   on the MarketData domain; of `newHeads` → GasPrice (Execution domain) with the latest known
 *   priority fee. One builder per relay domain, so each relay sees one contiguous sequence for the
 *   adapter's `source` (market data on one, GasPrice on the execution relay).
 * - After a reconnect the feed is "backfilling": live logs are held back until the backfill
 *   (`eth_getLogs` from the last block seen, minus a small overlap) has been applied, then released;
 *   the {@link LogWindow} drops what both delivered and retracts what a missed reorg abandoned.
 * - A pool without metadata is either queued while its metadata is fetched (`requestPool` given,
 *   live) or counted as `unknownPools` and skipped (normalize without it in the cache).
 *
 * Its settings are in `feed-options.ts`, the head → GasPrice side in `new-heads.ts`, the logs waiting for
 * pool metadata in `pool-waitlist.ts`, the JSON-RPC subscription ids in `subscriptions.ts`.
 *
 * @module
 */

import { HEADER_SIZE, MessageBuilder, POOL_FLAG_REMOVED, RelayDomain } from "../../protocol/mod.ts";
import { previewJson } from "../common/preview.ts";
import type { EvmChain } from "./chains.ts";
import { EVENT_LAYOUTS, EventKind, eventKindOf } from "./events.ts";
import { type EvmFeedOptions, FrameOutcome, type SubscriptionKind } from "./feed-options.ts";
import { parseQuantity } from "./hex.ts";
import { Admit, confirmKey, LogWindow, type WindowEntry } from "./log-window.ts";
import { EvmMetrics } from "./metrics.ts";
import { NewHeadsHandler } from "./new-heads.ts";
import type { PoolCache } from "./pool-cache.ts";
import { PoolWaitlist } from "./pool-waitlist.ts";
import { EvmSubscriptions } from "./subscriptions.ts";
import { PoolTlvWriter, WriteStatus } from "./tlv-writer.ts";

interface LogObject {
  address?: unknown;
  topics?: unknown;
  data?: unknown;
  blockNumber?: unknown;
  logIndex?: unknown;
  blockHash?: unknown;
  blockTimestamp?: unknown;
  removed?: unknown;
}

/** The socket- and clock-free EVM feed. */
export class EvmFeed {
  /** Counters. */
  readonly metrics: EvmMetrics;
  /** When set, messages are stamped with this time (ns) instead of now: replay of a capture. */
  frameTimestamp: bigint | undefined;
  /** Receive time (ms since the epoch) of the frame being handled, for block-to-receive latency; 0 = unknown. */
  nowMs = 0;
  /** The parsed answer of the last frame for which {@link onWsText} returned `Answer`. */
  lastAnswer: { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  /** The chain served. */
  readonly chain: EvmChain;
  private readonly cache: PoolCache;
  private readonly emitFn: (message: Uint8Array) => void;
  private readonly source: number;
  private readonly overlap: number;
  private readonly maxBuffered: number;
  private readonly onProblem: (what: string) => void;
  /** Market-data messages; GasPrice messages have their own builder (new-heads.ts). */
  private readonly builder = new MessageBuilder(4096);
  private readonly writer = new PoolTlvWriter();
  private readonly window: LogWindow;
  private readonly heads: NewHeadsHandler;
  /** The heads' block times (the same map), for logs that carry no timestamp. */
  private readonly blockTimes: Map<number, number>;
  private readonly waitlist: PoolWaitlist;
  private readonly subs: EvmSubscriptions;
  /** The confirmed subscriptions (the same map as `subs.confirmed`), read for every notification. */
  private readonly subscriptions: Map<string, SubscriptionKind>;
  private lastLogBlock = -1;
  private backfilling = false;
  private backfillFromBlock = -1;
  private backfillToBlock = -1;
  private backfillConfirmed = new Set<string>();
  private heldBack: unknown[] = [];
  /** True when logs had to be dropped during a backfill: the transport should reconnect to re-read them. */
  resyncRequested = false;

  /** @param options see {@link EvmFeedOptions} */
  constructor(options: EvmFeedOptions) {
    this.chain = options.chain;
    this.cache = options.cache;
    this.emitFn = options.emit;
    this.source = options.source ?? options.chain.source;
    this.subs = new EvmSubscriptions((options.pools ?? []).map((p) => p.toLowerCase()));
    this.subscriptions = this.subs.confirmed;
    this.overlap = options.overlapBlocks ?? 2;
    this.maxBuffered = options.maxBufferedDuringBackfill ?? 100_000;
    this.metrics = options.metrics ?? new EvmMetrics();
    this.onProblem = options.onProblem ?? (() => {});
    this.window = new LogWindow(options.windowBlocks, options.windowEntries);
    this.heads = new NewHeadsHandler({
      chain: options.chain, source: this.source, metrics: this.metrics, emit: options.emit, onProblem: this.onProblem,
      onHead: options.onHead, priorityFeeWei: options.priorityFeeWei,
    });
    this.blockTimes = this.heads.blockTimes;
    this.waitlist = new PoolWaitlist(this.metrics, options.requestPool, options.maxPendingPerPool ?? 10_000, this.onProblem);
  }

  /** The `eth_subscribe`/`eth_getLogs` filter: our event topics, and the configured pools if any. */
  logFilter(): { topics: string[][]; address?: string[] } {
    return this.subs.logFilter();
  }

  /** JSON text of an `eth_subscribe` request for `kind` (the feed remembers its id). */
  subscribeRequest(kind: SubscriptionKind): string {
    return this.subs.subscribeRequest(kind);
  }

  /** Learns the id of an `eth_subscribe` request sent on the socket (live, or a capture's `sent` line). */
  noteSent(text: string): void {
    this.subs.noteSent(text);
  }

  /**
   * A new WebSocket session begins: subscription ids of the old one are void and, if anything was seen
   * before, the feed starts backfilling from {@link backfillFrom} and holds live logs back meanwhile.
   */
  onConnect(): void {
    this.subs.clear();
    this.heldBack = [];
    this.backfillConfirmed = new Set();
    this.backfillToBlock = -1;
    const seen = Math.max(this.lastLogBlock, this.heads.lastLiveHead);
    this.backfilling = seen >= 0;
    this.backfillFromBlock = this.backfilling ? Math.max(0, seen - this.overlap) : -1;
    this.resyncRequested = false;
  }

  /** True between {@link onConnect} after earlier data and {@link endBackfill}. */
  get needsBackfill(): boolean {
    return this.backfilling;
  }

  /** First block the pending backfill reads, or -1. */
  get backfillFrom(): number {
    return this.backfillFromBlock;
  }

  /** Last block of the pending backfill once {@link beginBackfill} fixed it, else -1. */
  get backfillTo(): number {
    return this.backfillToBlock;
  }

  /** Fixes the backfill's last block (the node's `eth_blockNumber`). */
  beginBackfill(toBlock: number): void {
    if (this.backfilling) this.backfillToBlock = toBlock;
  }

  /** Applies one `eth_getLogs` result of the backfill (logs in ascending order). */
  backfillChunk(logs: unknown): void {
    if (!Array.isArray(logs)) {
      this.metrics.parseErrors++;
      this.onProblem("eth_getLogs result is not an array");
      return;
    }
    this.metrics.backfillLogs += logs.length;
    for (const log of logs) this.processLog(log, true);
  }

  /**
   * Completes the backfill: logs emitted earlier in its range that it did not return are retracted,
   * then the held-back live logs are released.
   */
  endBackfill(): void {
    if (!this.backfilling) return;
    if (this.backfillToBlock >= this.backfillFromBlock) {
      for (const e of this.window.sweepUnconfirmed(this.backfillFromBlock, this.backfillToBlock, this.backfillConfirmed)) this.retract(e);
    }
    this.backfilling = false;
    this.metrics.backfills++;
    const held = this.heldBack;
    this.heldBack = [];
    this.backfillConfirmed = new Set();
    for (const log of held) this.processLog(log, false);
  }

  /** Sets the priority fee carried by the following GasPrice messages. */
  setPriorityFee(wei: bigint): void {
    this.heads.setPriorityFee(wei);
  }

  /** The priority fee GasPrice messages carry now (`undefined` until known). */
  get priorityFeeWei(): bigint | undefined {
    return this.heads.priorityFeeWei;
  }

  /** Handles one WebSocket text frame from the node. */
  onWsText(text: string): FrameOutcome {
    let msg: { id?: unknown; method?: unknown; params?: { subscription?: unknown; result?: unknown }; result?: unknown; error?: { message?: unknown } };
    try {
      msg = JSON.parse(text);
    } catch {
      this.metrics.parseErrors++;
      this.onProblem(`frame is not JSON: ${text.slice(0, 80)}`);
      return FrameOutcome.Ok;
    }
    if (msg === null || typeof msg !== "object") {
      this.metrics.parseErrors++;
      this.onProblem("frame is not a JSON-RPC object");
      return FrameOutcome.Ok;
    }
    if (msg.method === "eth_subscription") {
      const params = msg.params;
      const sub = params?.subscription;
      const kind = typeof sub === "string" ? this.subscriptions.get(sub) : undefined;
      if (kind === undefined) {
        if (typeof sub === "string") {
          this.metrics.unknownSubscriptions++;
          this.metrics.unknownFrames++;
        }
        else this.metrics.parseErrors++;
        return FrameOutcome.Ok;
      }
      if (kind === "logs") this.onLiveLog(params!.result);
      else this.heads.handle(params!.result, this.backfilling, this.nowMs, this.frameTimestamp);
      return FrameOutcome.Ok;
    }
    if (msg.id !== undefined && msg.id !== null) {
      const kind = this.subs.takeRequest(msg.id);
      if (kind === undefined) {
        if (typeof msg.id === "string") {
          this.lastAnswer = msg;
          return FrameOutcome.Answer;
        }
        this.metrics.unknownFrames++;
        return FrameOutcome.Ok;
      }
      if (typeof msg.result === "string") {
        this.subscriptions.set(msg.result, kind);
        return FrameOutcome.Ok;
      }
      this.metrics.subscribeErrors++;
      this.metrics.venueErrors++;
      this.onProblem(`eth_subscribe ${kind} refused: ${previewJson(msg.error ?? msg.result, 400)}`);
      return FrameOutcome.SubscribeFailed;
    }
    this.metrics.unknownFrames++;
    return FrameOutcome.Ok;
  }

  /** Subscription kinds currently confirmed by the node. */
  get activeSubscriptions(): SubscriptionKind[] {
    return [...this.subscriptions.values()];
  }

  /** Metadata for `address` is now in the cache: emit the logs that waited for it, in order. */
  poolResolved(address: string): void {
    const queued = this.waitlist.take(address);
    if (queued !== undefined) for (const log of queued) this.processLog(log, false);
  }

  /** Metadata for `address` could not be had: its waiting logs are dropped (counted). */
  poolFailed(address: string): void {
    this.waitlist.fail(address);
  }

  /** Pools whose metadata is awaited. */
  get pendingPools(): number {
    return this.waitlist.size;
  }

  private onLiveLog(log: unknown): void {
    if (this.backfilling) {
      if (this.heldBack.length >= this.maxBuffered) {
        this.resyncRequested = true;
        this.metrics.heldBackDropped++;
        return; // the next session's backfill re-reads it: nothing processed moved the resume point
      }
      this.heldBack.push(log);
      return;
    }
    this.processLog(log, false);
  }

  private publish(bytes: Uint8Array): void {
    this.metrics.published++;
    this.emitFn(bytes);
  }

  private begin(): MessageBuilder {
    const b = this.builder.begin(RelayDomain.MarketData, this.source);
    if (this.frameTimestamp !== undefined) b.setTimestamp(this.frameTimestamp);
    return b;
  }

  private processLog(raw: unknown, viaBackfill: boolean): void {
    if (raw === null || typeof raw !== "object") {
      this.metrics.parseErrors++;
      this.onProblem("log is not an object");
      return;
    }
    const log = raw as LogObject;
    const blockNumber = parseQuantity(log.blockNumber);
    const logIndex = parseQuantity(log.logIndex);
    if (blockNumber < 0 || logIndex < 0 || logIndex > 0xffffffff || typeof log.address !== "string" || !Array.isArray(log.topics)) {
      this.metrics.parseErrors++;
      this.onProblem(`log without usable blockNumber/logIndex/address/topics: ${previewJson(raw, 160)}`);
      return;
    }
    const kind = eventKindOf(log.topics[0]);
    if (kind === 0) {
      this.metrics.unknownEvents++;
      this.metrics.unknownFrames++;
      return;
    }
    const removed = log.removed === true;
    const blockHash = typeof log.blockHash === "string" ? log.blockHash : "";
    if (viaBackfill && !removed) this.backfillConfirmed.add(confirmKey(blockNumber, logIndex, blockHash));
    const pool = this.cache.get(log.address);
    if (pool === undefined) {
      this.waitlist.wait(raw, log.address, EVENT_LAYOUTS[kind]!.v3 ? "v3" : "v2");
      return;
    }
    const admit = this.window.admit(blockNumber, logIndex, blockHash, removed);
    if (admit !== Admit.New) {
      if (admit === Admit.Duplicate) this.metrics.duplicates++;
      else this.metrics.belowWindow++;
      return;
    }
    const orphans = this.window.orphans;
    if (orphans.length > 0) for (const e of orphans.splice(0)) this.retract(e);
    if (blockNumber > this.lastLogBlock) this.lastLogBlock = blockNumber;
    const tsText = log.blockTimestamp;
    const ts = tsText !== undefined ? Math.max(0, parseQuantity(tsText)) : this.blockTimes.get(blockNumber) ?? 0;
    const b = this.begin();
    const status = this.writer.write(b, log, kind, pool, blockNumber, logIndex, ts, removed);
    if (status !== WriteStatus.Ok) {
      b.setSequence(b.sequence - 1n); // the unfinished message must not leave a hole in the sequence
      this.window.forget(blockNumber, logIndex);
      this.metrics.malformedLogs++;
      this.metrics.parseErrors++;
      this.onProblem(`${EVENT_LAYOUTS[kind]!.name} at block ${blockNumber} log ${logIndex} of ${log.address}: ${this.writer.failedField} ${WRITE_STATUS_TEXT[status]}`);
      return;
    }
    const bytes = b.finish();
    this.window.attach(blockNumber, logIndex, bytes[HEADER_SIZE]!, bytes.subarray(HEADER_SIZE + 2));
    this.count(kind, removed);
    this.publish(bytes);
  }

  private count(kind: EventKind, removed: boolean): void {
    if (removed) this.metrics.removed++;
    if (kind === EventKind.V2Swap || kind === EventKind.V3Swap) this.metrics.swaps++;
    else if (kind === EventKind.V2Sync) this.metrics.syncs++;
    else if (kind === EventKind.V2Mint || kind === EventKind.V3Mint) this.metrics.mints++;
    else this.metrics.burns++;
  }

  private retract(e: WindowEntry): void {
    if (e.tlv === undefined) return; // never emitted
    const b = this.begin();
    const at = b.reserve(e.tlvType, e.tlv.length);
    b.bytes.set(e.tlv, at);
    b.bytes[at + 2] = b.bytes[at + 2]! | POOL_FLAG_REMOVED; // flags sit at offset 2 in every pool TLV
    this.metrics.removed++;
    this.metrics.retracted++;
    this.publish(b.finish());
  }
}

const WRITE_STATUS_TEXT: Record<number, string> = {
  [WriteStatus.BadShape]: "has the wrong shape for the event",
  [WriteStatus.BadHex]: "is not valid hex",
  [WriteStatus.Overflow]: "does not fit its protocol field",
  [WriteStatus.BadSwap]: "are both into or both out of the pool",
};
