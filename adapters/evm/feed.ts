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
 * @module
 */

import { HEADER_SIZE, MessageBuilder, POOL_FLAG_REMOVED, RelayDomain, U64_MAX } from "../../protocol/mod.ts";
import { previewJson } from "../common/preview.ts";
import type { EvmChain } from "./chains.ts";
import { ALL_EVENT_TOPICS, EVENT_LAYOUTS, EventKind, eventKindOf } from "./events.ts";
import { parseQuantity, parseQuantityBig } from "./hex.ts";
import { Admit, confirmKey, LogWindow, type WindowEntry } from "./log-window.ts";
import { EvmMetrics } from "./metrics.ts";
import type { PoolCache } from "./pool-cache.ts";
import { PoolTlvWriter, WriteStatus, writeGasPrice } from "./tlv-writer.ts";

/** The two subscriptions the adapter opens. */
export type SubscriptionKind = "logs" | "newHeads";

/** Outcome of {@link EvmFeed.onWsText} that the transport must act on. */
export const FrameOutcome = {
  Ok: 0,
  /** The node refused a subscription: the session is useless, reconnect with backoff. */
  SubscribeFailed: 1,
  /** A JSON-RPC answer with a string id (the transport's own requests): see {@link EvmFeed.lastAnswer}. */
  Answer: 2,
} as const;
/** A {@link FrameOutcome} value. */
export type FrameOutcome = (typeof FrameOutcome)[keyof typeof FrameOutcome];

/** Options of {@link EvmFeed}. */
export interface EvmFeedOptions {
  readonly chain: EvmChain;
  readonly cache: PoolCache;
  /** Receives each message; the bytes are valid until the next call (copy to keep them). */
  readonly emit: (message: Uint8Array) => void;
  /** Header `source` (default: the chain's adapter id). */
  readonly source?: number;
  /**
   * Asks for a pool's metadata; returns false when it cannot be fetched now (replay, cooling down), and
   * the log is then counted as `unknownPools` and skipped. When absent, every unknown pool is skipped.
   */
  readonly requestPool?: (address: string, kind: "v2" | "v3") => boolean;
  /**
   * Priority fee for GasPrice messages: a fixed value, or `undefined` to wait for
   * {@link EvmFeed.setPriorityFee} (heads before the first value emit no GasPrice: `headsWithoutTip`).
   */
  readonly priorityFeeWei?: bigint;
  /** Pools to filter on (lower-case addresses); empty = every pool emitting the events. */
  readonly pools?: readonly string[];
  /** Blocks re-read before the last block seen when backfilling (default 2). */
  readonly overlapBlocks?: number;
  /** Dedupe/reorg window in blocks (default 256) and logs (default 200 000). */
  readonly windowBlocks?: number;
  readonly windowEntries?: number;
  /** Logs held per pool while its metadata is fetched (default 10 000); more are dropped and counted. */
  readonly maxPendingPerPool?: number;
  /** Logs held back during a backfill (default 100 000); past that the feed asks for a resync. */
  readonly maxBufferedDuringBackfill?: number;
  /** Shared counters (default: a new set). */
  readonly metrics?: EvmMetrics;
  /** Told about each malformed input, with what and where (callers rate-limit their logging). */
  readonly onProblem?: (what: string) => void;
  /** Told about each new head (live: refresh the priority fee). */
  readonly onHead?: (blockNumber: number) => void;
}

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

const MAX_BLOCK_TIMES = 512;

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
  private readonly requestPool: ((address: string, kind: "v2" | "v3") => boolean) | undefined;
  private readonly pools: readonly string[];
  private readonly overlap: number;
  private readonly maxPendingPerPool: number;
  private readonly maxBuffered: number;
  private readonly onProblem: (what: string) => void;
  private readonly onHead: ((blockNumber: number) => void) | undefined;
  private readonly builder = new MessageBuilder(4096);
  /**
   * Execution-domain messages (GasPrice) get their own builder, so their sequence is contiguous on the
   * execution relay and the market-data sequence has no holes where a GasPrice went elsewhere.
   */
  private readonly executionBuilder = new MessageBuilder(256);
  private readonly writer = new PoolTlvWriter();
  private readonly window: LogWindow;
  private readonly blockTimes = new Map<number, number>();
  private readonly pending = new Map<string, unknown[]>();
  private readonly requests = new Map<string, SubscriptionKind>();
  private readonly subscriptions = new Map<string, SubscriptionKind>();
  private nextRequestId = 1;
  private priorityFee: bigint | undefined;
  private lastLogBlock = -1;
  private lastLiveHead = -1;
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
    this.requestPool = options.requestPool;
    this.pools = (options.pools ?? []).map((p) => p.toLowerCase());
    this.overlap = options.overlapBlocks ?? 2;
    this.maxPendingPerPool = options.maxPendingPerPool ?? 10_000;
    this.maxBuffered = options.maxBufferedDuringBackfill ?? 100_000;
    this.metrics = options.metrics ?? new EvmMetrics();
    this.onProblem = options.onProblem ?? (() => {});
    this.onHead = options.onHead;
    this.priorityFee = options.priorityFeeWei;
    this.window = new LogWindow(options.windowBlocks, options.windowEntries);
  }

  /** The `eth_subscribe`/`eth_getLogs` filter: our event topics, and the configured pools if any. */
  logFilter(): { topics: string[][]; address?: string[] } {
    const filter: { topics: string[][]; address?: string[] } = { topics: [[...ALL_EVENT_TOPICS]] };
    if (this.pools.length > 0) filter.address = [...this.pools];
    return filter;
  }

  /** JSON text of an `eth_subscribe` request for `kind` (the feed remembers its id). */
  subscribeRequest(kind: SubscriptionKind): string {
    const params = kind === "logs" ? ["logs", this.logFilter()] : ["newHeads"];
    const text = JSON.stringify({ jsonrpc: "2.0", id: this.nextRequestId++, method: "eth_subscribe", params });
    this.noteSent(text);
    return text;
  }

  /** Learns the id of an `eth_subscribe` request sent on the socket (live, or a capture's `sent` line). */
  noteSent(text: string): void {
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(text);
    } catch {
      return;
    }
    if (req?.method !== "eth_subscribe" || !Array.isArray(req.params)) return;
    const kind = req.params[0];
    if ((kind === "logs" || kind === "newHeads") && (typeof req.id === "number" || typeof req.id === "string")) {
      this.requests.set(String(req.id), kind);
    }
  }

  /**
   * A new WebSocket session begins: subscription ids of the old one are void and, if anything was seen
   * before, the feed starts backfilling from {@link backfillFrom} and holds live logs back meanwhile.
   */
  onConnect(): void {
    this.subscriptions.clear();
    this.requests.clear();
    this.heldBack = [];
    this.backfillConfirmed = new Set();
    this.backfillToBlock = -1;
    const seen = Math.max(this.lastLogBlock, this.lastLiveHead);
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
    if (wei >= 0n && wei <= U64_MAX) this.priorityFee = wei;
  }

  /** The priority fee GasPrice messages carry now (`undefined` until known). */
  get priorityFeeWei(): bigint | undefined {
    return this.priorityFee;
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
      else this.handleHead(params!.result);
      return FrameOutcome.Ok;
    }
    if (msg.id !== undefined && msg.id !== null) {
      // JSON-RPC ids are strings or numbers; String() of anything else (a deeply nested array) can overflow the stack.
      const key = typeof msg.id === "string" || typeof msg.id === "number" ? String(msg.id) : "";
      const kind = this.requests.get(key);
      if (kind === undefined) {
        if (typeof msg.id === "string") {
          this.lastAnswer = msg;
          return FrameOutcome.Answer;
        }
        this.metrics.unknownFrames++;
        return FrameOutcome.Ok;
      }
      this.requests.delete(key);
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
    const key = address.toLowerCase();
    const queued = this.pending.get(key);
    this.pending.delete(key);
    if (queued !== undefined) for (const log of queued) this.processLog(log, false);
  }

  /** Metadata for `address` could not be had: its waiting logs are dropped (counted). */
  poolFailed(address: string): void {
    const key = address.toLowerCase();
    const queued = this.pending.get(key);
    this.pending.delete(key);
    if (queued !== undefined) this.metrics.metadataDropped += queued.length;
  }

  /** Pools whose metadata is awaited. */
  get pendingPools(): number {
    return this.pending.size;
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

  private handleHead(head: unknown): void {
    const h = head as { number?: unknown; baseFeePerGas?: unknown; timestamp?: unknown } | null;
    const number = parseQuantity(h?.number);
    const baseFee = h?.baseFeePerGas === undefined || h?.baseFeePerGas === null ? 0n : parseQuantityBig(h.baseFeePerGas);
    if (number < 0 || baseFee === undefined || baseFee > U64_MAX) {
      this.metrics.badHeads++;
      this.onProblem(`newHeads result without a usable number/baseFeePerGas: ${previewJson(head)}`);
      return;
    }
    const ts = parseQuantity(h!.timestamp);
    if (ts > 0) {
      this.blockTimes.set(number, ts);
      if (this.blockTimes.size > MAX_BLOCK_TIMES) this.blockTimes.delete(this.blockTimes.keys().next().value!);
    }
    if (!this.backfilling && number > this.lastLiveHead) this.lastLiveHead = number;
    if (ts > 0 && this.nowMs > 0) this.metrics.recordLatencyMs(this.nowMs - ts * 1000);
    if (this.priorityFee === undefined) {
      this.metrics.headsWithoutTip++;
    } else {
      const b = this.begin(RelayDomain.Execution);
      writeGasPrice(b, this.chain.chainId, number, baseFee, this.priorityFee);
      this.metrics.gasPrices++;
      this.publish(b.finish());
    }
    this.onHead?.(number);
  }

  private publish(bytes: Uint8Array): void {
    this.metrics.published++;
    this.emitFn(bytes);
  }

  private begin(domain: number): MessageBuilder {
    const b = (domain === RelayDomain.MarketData ? this.builder : this.executionBuilder).begin(domain, this.source);
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
      this.waitForPool(raw, log.address, EVENT_LAYOUTS[kind]!.v3 ? "v3" : "v2");
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
    const b = this.begin(RelayDomain.MarketData);
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

  private waitForPool(log: unknown, address: string, kind: "v2" | "v3"): void {
    const key = address.toLowerCase();
    const queue = this.pending.get(key);
    if (queue === undefined) {
      if (this.requestPool === undefined || !this.requestPool(key, kind)) {
        this.metrics.unknownPools++;
        this.metrics.unknownInstruments++;
        this.onProblem(`pool ${address} has no metadata (not in the pool cache)`);
        return;
      }
      this.pending.set(key, [log]);
      this.metrics.metadataFetches++;
    } else if (queue.length < this.maxPendingPerPool) {
      queue.push(log);
    } else {
      this.metrics.metadataDropped++;
    }
  }

  private retract(e: WindowEntry): void {
    if (e.tlv === undefined) return; // never emitted
    const b = this.begin(RelayDomain.MarketData);
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
