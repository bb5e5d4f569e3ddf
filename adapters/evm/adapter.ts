/**
 * The EVM DEX adapter for Polygon (chain 137) and Ethereum (chain 1) as a common {@link VenueAdapter}:
 * the live {@link AdapterTask} drives it over a node's WebSocket JSON-RPC (connect, staleness,
 * reconnect with back-off), and `ap normalize` / `--replay` drive the very same object from a capture.
 *
 Session flow (all on the node's WebSocket, so the common task's capture records every byte a replay
 * needs):
 * 1. on open: `eth_subscribe` `logs` (the seven pool event topics, optionally the configured pools) and
 *    `newHeads`; `eth_maxPriorityFeePerGas` (again after each head once the previous answer is in);
 * 2. after a reconnect: `eth_blockNumber`, then `eth_getLogs` in chunks from the last block seen (minus
 *    an overlap) — live logs are held back until the backfill is applied, duplicates are dropped by
 *    (block, log index, block hash), and logs emitted from blocks the backfill no longer returns are
 *    retracted with the removed flag (a reorg missed while disconnected);
 * 3. logs → PoolSwap/PoolSync/PoolMint/PoolBurn; heads → GasPrice (and the head channel is watched for
 *    staleness: an open socket without new heads is a failure);
 * 4. a pool seen for the first time: its logs wait while `eth_call` over HTTP JSON-RPC fetches its
 *    metadata, which is then written to the pool cache file so the next start needs no call (a replay
 *    takes metadata from that file).
 *
 * The adapter's own requests carry self-describing string ids (`"3:logs:100:199"`: session 3,
 * eth_getLogs of blocks 100–199), so their answers — live, or from a capture's `recv` lines — drive the
 * very same backfill steps; answers of an earlier session are ignored. A backfill that does not finish
 * within `backfillTimeoutMs` abandons the connection (the next session starts it again).
 *
 * @module
 */

import type { AdapterIo, ChannelSpec, VenueAdapter } from "../common/adapter.ts";
import type { CaptureWriter } from "../common/capture.ts";
import { HttpClient } from "../common/http.ts";
import type { MessageSink } from "../common/sink.ts";
import { evmChain, type EvmChain, type EvmChainName, type FactoryInfo } from "./chains.ts";
import { EvmFeed } from "./feed.ts";
import { FrameOutcome } from "./feed-options.ts";
import { parseQuantity, parseQuantityBig } from "./hex.ts";
import { PoolMetadataFetcher } from "./metadata.ts";
import { EvmMetrics } from "./metrics.ts";
import { PoolCache } from "./pool-cache.ts";
import { EvmRpcClient } from "./rpc-client.ts";
import { previewJson } from "../common/preview.ts";

/** Settings of an {@link EvmAdapter}. */
export interface EvmAdapterOptions {
  /** `polygon` or `ethereum` (or a chain description). */
  chain: EvmChainName | EvmChain;
  /** Where messages go. */
  sink: MessageSink;
  /** WebSocket JSON-RPC endpoint (live). */
  wsUrl?: string;
  /** HTTP JSON-RPC endpoint (live: metadata, backfill, priority fee). */
  httpUrl?: string;
  /** Pools to follow (addresses); empty/absent = every pool emitting the events (heavy on mainnet). */
  pools?: readonly string[];
  /** Pool metadata cache (default: in memory only). */
  poolCache?: PoolCache;
  /** Extra factories → venue (e.g. the simulator's). */
  factories?: Readonly<Record<string, FactoryInfo>>;
  /** Venue per pool, overriding the factory lookup. */
  poolVenues?: Readonly<Record<string, number>>;
  /** Header `source` (default: Polygon 4, Ethereum 5). */
  source?: number;
  /** Priority fee for GasPrice: `"rpc"` (default: `eth_maxPriorityFeePerGas` per head) or a fixed value in wei. */
  priorityFee?: "rpc" | bigint;
  /** No new head for this long on an open socket = stale, reconnect (default Polygon 30 s, Ethereum 90 s). */
  headStaleMs?: number;
  /** Blocks re-read before the last block seen on backfill (default 2). */
  overlapBlocks?: number;
  /** Dedupe window in blocks (default 256). */
  windowBlocks?: number;
  /** Blocks per `eth_getLogs` request (default 1000; halved on a node error). */
  logsChunkBlocks?: number;
  /** A backfill not finished after this long abandons the connection (default 60 000 ms). */
  backfillTimeoutMs?: number;
  /** Wait before retrying a pool whose metadata fetch failed (default 60 000 ms). */
  metadataRetryMs?: number;
  /** HTTP client for metadata `eth_call`s (rate-limit back-off). */
  http?: HttpClient;
  /** Records the metadata HTTP exchanges too (`sent`/`rest` lines; replays ignore them and use the cache file). */
  capture?: CaptureWriter;
  /** Problem reports (malformed logs, refused subscriptions); rate-limited here. */
  log?: (line: string) => void;
}

const MAX_PROBLEM_LOGS_PER_MINUTE = 20;

/** The EVM DEX venue adapter. */
export class EvmAdapter implements VenueAdapter {
  /** `polygon` or `ethereum`. */
  readonly name: string;
  /** Counters (common + EVM). */
  readonly metrics = new EvmMetrics();
  /** The head channel is watched for staleness. */
  readonly channels: readonly ChannelSpec[];
  /** The socket-free core (exposed for tests and status). */
  readonly feed: EvmFeed;
  /** Pool metadata. */
  readonly cache: PoolCache;
  /** The chain served. */
  readonly chain: EvmChain;
  private readonly options: EvmAdapterOptions;
  private readonly rpc: EvmRpcClient | undefined;
  private readonly fetcher: PoolMetadataFetcher | undefined;
  private readonly shutdown = new AbortController();
  private session = 0;
  private io: AdapterIo | undefined;
  private tipSentAtMs = -1;
  private tipSeq = 0;
  private backfillTimer: ReturnType<typeof setTimeout> | undefined;
  private chunk: number;
  private readonly metadataFailedAt = new Map<string, number>();
  private problemWindowStart = 0;
  private problemsLogged = 0;
  private closed = false;

  /** @param options chain, endpoints, sink, cache */
  constructor(options: EvmAdapterOptions) {
    const chain = typeof options.chain === "string" ? evmChain(options.chain) : options.chain;
    if (chain === undefined) throw new Error(`unknown EVM chain ${JSON.stringify(options.chain)} (polygon or ethereum)`);
    this.chain = chain;
    this.name = chain.name;
    this.options = options;
    this.chunk = Math.max(1, options.logsChunkBlocks ?? 1000);
    this.channels = [{ name: "newHeads", staleAfterMs: options.headStaleMs ?? (chain.name === "polygon" ? 30_000 : 90_000) }];
    this.cache = options.poolCache ?? new PoolCache();
    if (options.httpUrl !== undefined) {
      const http = options.http ?? new HttpClient({ onWait: () => this.metrics.rateLimitWaits++ });
      this.rpc = new EvmRpcClient(options.httpUrl, {
        http, ...(options.capture ? { capture: options.capture } : {}), signal: this.shutdown.signal,
      });
      this.fetcher = new PoolMetadataFetcher(this.rpc, chain, {
        ...(options.factories ? { factories: options.factories } : {}), ...(options.poolVenues ? { poolVenues: options.poolVenues } : {}),
      });
    }
    const sink = options.sink;
    this.feed = new EvmFeed({
      chain, cache: this.cache, emit: (bytes) => sink.publish(bytes), metrics: this.metrics,
      ...(options.source !== undefined ? { source: options.source } : {}),
      ...(typeof options.priorityFee === "bigint" ? { priorityFeeWei: options.priorityFee } : {}),
      ...(options.pools ? { pools: options.pools } : {}),
      ...(options.overlapBlocks !== undefined ? { overlapBlocks: options.overlapBlocks } : {}),
      ...(options.windowBlocks !== undefined ? { windowBlocks: options.windowBlocks } : {}),
      requestPool: (address, kind) => this.requestPool(address, kind),
      onProblem: (what) => this.problem(what),
      onHead: () => this.onHead(),
    });
  }

  /** No REST bootstrap: pool metadata is fetched per pool, on first sight. */
  bootstrapUrls(): readonly string[] {
    return [];
  }

  /** The node's WebSocket URL. */
  url(): string {
    if (this.options.wsUrl === undefined) throw new Error(`${this.name}: no WebSocket URL configured`);
    return this.options.wsUrl;
  }

  /** Subscribes, asks for the priority fee, and starts the backfill after a reconnect. */
  onOpen(io: AdapterIo): void {
    this.io = io;
    this.session++;
    this.tipSentAtMs = -1;
    this.chunk = Math.max(1, this.options.logsChunkBlocks ?? 1000);
    this.feed.onConnect();
    io.send(this.feed.subscribeRequest("logs"));
    io.send(this.feed.subscribeRequest("newHeads"));
    if (this.tipFromNode) this.requestTip(io);
    if (this.feed.needsBackfill) {
      this.rpcRequest(io, "bn", "eth_blockNumber", []);
      if (!io.replaying) {
        const session = this.session;
        const limit = this.options.backfillTimeoutMs ?? 60_000;
        this.clearBackfillTimer();
        this.backfillTimer = setTimeout(() => {
          this.backfillTimer = undefined;
          if (session === this.session && this.feed.needsBackfill) this.backfillFailed(io, `backfill not finished within ${limit} ms`);
        }, limit);
      }
    }
  }

  private get tipFromNode(): boolean {
    return this.options.priorityFee === undefined || this.options.priorityFee === "rpc";
  }

  private clearBackfillTimer(): void {
    if (this.backfillTimer !== undefined) clearTimeout(this.backfillTimer);
    this.backfillTimer = undefined;
  }

  /** One WebSocket frame from the node. */
  onFrame(text: string, io: AdapterIo): void {
    this.io = io;
    this.feed.nowMs = io.nowMs;
    const outcome = this.feed.onWsText(text);
    if (outcome === FrameOutcome.Answer) this.onAnswer(this.feed.lastAnswer!, io);
    else if (outcome === FrameOutcome.SubscribeFailed) io.reconnect("the node refused eth_subscribe");
    if (this.feed.resyncRequested) io.reconnect("too many live logs held back during the backfill; resyncing");
  }

  /** REST bodies: the adapter makes no REST GETs through the task; a JSON-RPC answer given here is handled like one on the socket. */
  onRest(_url: string, body: string, io: AdapterIo): void {
    let msg: { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      msg = JSON.parse(body);
    } catch {
      this.metrics.parseErrors++;
      this.problem(`JSON-RPC answer is not JSON: ${body.slice(0, 80)}`);
      return;
    }
    if (msg !== null && typeof msg === "object") this.onAnswer(msg, io);
  }

  /** One answer to the adapter's own JSON-RPC requests (ids `session:tag…`). */
  private onAnswer(msg: { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } }, io: AdapterIo): void {
    const id = typeof msg?.id === "string" ? msg.id : "";
    const parts = id.split(":");
    if (parts[0] === "meta") return; // metadata answers are consumed by the fetcher (live); replays use the cache file
    const session = Number(parts[0]);
    if (!Number.isInteger(session) || parts.length < 2) {
      this.metrics.unknownFrames++;
      return;
    }
    if (session !== this.session) return; // an answer for a connection that is gone
    const failed = msg.error !== undefined || !("result" in msg);
    const why = failed ? `node error ${String(msg.error?.code)}: ${String(msg.error?.message)}` : "";
    switch (parts[1]) {
      case "tip": {
        this.tipSentAtMs = -1;
        const fee = failed ? undefined : parseQuantityBig(msg.result);
        if (fee === undefined) {
          this.metrics.priorityFeeErrors++;
          this.problem(`eth_maxPriorityFeePerGas failed: ${why || previewJson(msg.result)}`);
        } else {
          this.feed.setPriorityFee(fee);
        }
        return;
      }
      case "bn": {
        const to = failed ? -1 : parseQuantity(msg.result);
        if (to < 0) return this.backfillFailed(io, `eth_blockNumber failed: ${why || previewJson(msg.result)}`);
        this.feed.beginBackfill(to);
        if (to < this.feed.backfillFrom) {
          this.feed.endBackfill(); // the node is not past what was seen: nothing to read
          this.clearBackfillTimer();
        } else this.requestLogs(io, this.feed.backfillFrom, Math.min(to, this.feed.backfillFrom + this.chunk - 1));
        return;
      }
      case "logs": {
        const from = Number(parts[2]);
        const to = Number(parts[3]);
        if (failed) {
          if (to > from) {
            // Hosted nodes cap the range or the result size: retry the same start with half the span.
            this.chunk = Math.max(1, Math.floor((to - from + 1) / 2));
            this.metrics.backfillErrors++;
            this.requestLogs(io, from, from + this.chunk - 1);
            return;
          }
          return this.backfillFailed(io, `eth_getLogs ${from}–${to} failed: ${why}`);
        }
        this.feed.backfillChunk(msg.result);
        const end = this.feed.backfillTo;
        if (to >= end) {
          this.feed.endBackfill();
          this.clearBackfillTimer();
        } else this.requestLogs(io, to + 1, Math.min(end, to + this.chunk));
        return;
      }
      default:
        this.metrics.unknownFrames++;
    }
  }

  /** REST GET failures: this adapter makes none through the task. */
  onRestError(_url: string, error: Error, _io: AdapterIo): void {
    this.metrics.noteError(error.message);
  }

  /** The connection is gone: this session's answers will never come (the next session backfills). */
  onClose(_io: AdapterIo): void {
    this.clearBackfillTimer();
  }

  /** Header timestamp of the following messages (replay: capture time). */
  setHeaderTime(nanos: bigint | undefined): void {
    this.feed.frameTimestamp = nanos;
  }

  /** Stops outstanding requests and writes the pool cache. Call after the task stopped. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearBackfillTimer();
    this.shutdown.abort();
    await this.cache.close();
  }

  private onHead(): void {
    const io = this.io;
    if (io === undefined) return;
    io.touch(0);
    // One refresh in flight at a time; an answer that never came is given up after 15 s.
    if (this.tipFromNode && (this.tipSentAtMs < 0 || io.nowMs - this.tipSentAtMs > 15_000)) this.requestTip(io);
  }

  private requestTip(io: AdapterIo): void {
    this.tipSentAtMs = io.nowMs;
    this.rpcRequest(io, `tip:${++this.tipSeq}`, "eth_maxPriorityFeePerGas", []);
  }

  private requestLogs(io: AdapterIo, from: number, to: number): void {
    this.rpcRequest(io, `logs:${from}:${to}`, "eth_getLogs", [{ ...this.feed.logFilter(), fromBlock: "0x" + from.toString(16), toBlock: "0x" + to.toString(16) }]);
  }

  private backfillFailed(io: AdapterIo, why: string): void {
    this.metrics.backfillErrors++;
    this.clearBackfillTimer();
    this.problem(why);
    io.reconnect(`backfill failed (${why}); reconnecting to retry it`);
  }

  /** Sends one of the adapter's JSON-RPC requests on the socket; its answer comes back through {@link onFrame}. */
  private rpcRequest(io: AdapterIo, tag: string, method: string, params: readonly unknown[]): void {
    if (this.closed) return;
    io.send(JSON.stringify({ jsonrpc: "2.0", id: `${this.session}:${tag}`, method, params }));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.metrics.parseErrors++;
      this.problem(`unexpected error: ${(e as Error).message}`);
    }
  }

  private requestPool(address: string, kind: "v2" | "v3"): boolean {
    const fetcher = this.fetcher;
    if (fetcher === undefined || this.io === undefined || this.io.replaying || this.closed) return false;
    const failedAt = this.metadataFailedAt.get(address);
    if (failedAt !== undefined && Date.now() - failedAt < (this.options.metadataRetryMs ?? 60_000)) return false;
    fetcher.fetch(address, kind).then(
      (meta) => {
        this.metadataFailedAt.delete(address);
        this.cache.set(address, meta);
        if (!this.closed) this.guard(() => this.feed.poolResolved(address));
      },
      (e: Error) => {
        this.metrics.metadataErrors++;
        this.metadataFailedAt.set(address, Date.now());
        this.problem(e.message);
        this.feed.poolFailed(address);
      },
    );
    return true;
  }

  private problem(what: string): void {
    this.metrics.noteError(what);
    const log = this.options.log;
    if (log === undefined) return;
    const now = Date.now();
    if (now - this.problemWindowStart > 60_000) {
      this.problemWindowStart = now;
      this.problemsLogged = 0;
    }
    if (++this.problemsLogged <= MAX_PROBLEM_LOGS_PER_MINUTE) log(`${this.name}: ${what}`);
    else if (this.problemsLogged === MAX_PROBLEM_LOGS_PER_MINUTE + 1) log(`${this.name}: more problems this minute are counted, not logged`);
  }
}
