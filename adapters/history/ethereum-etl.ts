/**
 * ethereum-etl / JSON-RPC log exports → PoolSwap/PoolSync/PoolMint/PoolBurn, through the EVM adapter's
 * own feed (`adapters/evm/feed.ts`: the same log decoding, pool metadata, dedupe window and TLV writer
 * as a live session). Each line is one log, in JSON-RPC shape (`blockNumber`, `logIndex`, hex) or
 * ethereum-etl's snake_case export (`block_number`, `log_index`, numbers; `topics` a list or a
 * comma-joined string), handed to the feed as a `logs` subscription notification.
 *
 * Pool metadata (tokens, decimals, fee, venue) comes from a pool cache file (PROTOCOL §8); a log of a
 * pool not in it is a bad row naming the pool. Block times come from the log (`blockTimestamp`) or a
 * blocks file (`--blocks`: JSON lines with `number`/`blockNumber` and `timestamp`, e.g. ethereum-etl's
 * `export_blocks` output); the header timestamp is the block time (0 and a note when unknown). Logs of
 * other events (ERC-20 Transfer, …) are counted as ignored, not bad.
 *
 * @example
 * ```ts
 * const imp = new EvmLogImporter(recording, { chain: ETHEREUM, cache: await PoolCache.load("pools.json") });
 * await imp.importFile("logs.jsonl", report.file("logs.jsonl"));
 * ```
 * @module
 */

import type { MessageSink } from "../common/sink.ts";
import type { EvmChain } from "../evm/chains.ts";
import { EvmFeed } from "../evm/feed.ts";
import type { PoolCache } from "../evm/pool-cache.ts";
import { readFileLines } from "./lines.ts";
import type { FileReport } from "./report.ts";

/** Options of {@link EvmLogImporter}. */
export interface EvmLogImportOptions {
  /** Chain of the logs. */
  readonly chain: EvmChain;
  /** Pool metadata. */
  readonly cache: PoolCache;
  /** Block number → block time (seconds). */
  readonly blockTimes?: ReadonlyMap<number, number>;
  /** Header `source` (default: the chain adapter's, as `ap normalize` writes). */
  readonly source?: number;
}

const SUBSCRIPTION = "0x696d706f7274"; // any id: the importer's own logs subscription

/** Imports log files through one {@link EvmFeed}. */
export class EvmLogImporter {
  /** Logs of events the feed does not publish (not Uniswap-style pool events). */
  ignored = 0;
  /** Logs published with header timestamp 0 (no block time known). */
  withoutTime = 0;
  /** Logs dropped as duplicates of one already published (same block, index, hash). */
  duplicates = 0;
  private readonly feed: EvmFeed;
  private readonly blockTimes: ReadonlyMap<number, number>;
  private problem = "";
  private messages = 0;

  /** @param sink where messages go @param options see {@link EvmLogImportOptions} */
  constructor(sink: MessageSink, options: EvmLogImportOptions) {
    this.blockTimes = options.blockTimes ?? new Map();
    this.feed = new EvmFeed({
      chain: options.chain, cache: options.cache, priorityFeeWei: 0n,
      ...(options.source !== undefined ? { source: options.source } : {}),
      emit: (m) => {
        this.messages++;
        sink.publish(m);
      },
      onProblem: (what) => (this.problem = what),
    });
    this.feed.noteSent(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["logs", this.feed.logFilter()] }));
    this.feed.onWsText(JSON.stringify({ jsonrpc: "2.0", id: 1, result: SUBSCRIPTION }));
  }

  /** The feed's counters (swaps, syncs, unknownPools, …). */
  get metrics(): EvmFeed["metrics"] {
    return this.feed.metrics;
  }

  /** Imports one JSON-lines file of logs. */
  async importFile(path: string, report: FileReport): Promise<void> {
    report.format = "ethereum-etl";
    const m = this.feed.metrics;
    for await (const { line, text } of readFileLines(path)) {
      if (text.trim().length === 0) continue;
      report.rows++;
      let log: Record<string, unknown>;
      try {
        log = JSON.parse(text);
      } catch (e) {
        report.bad(line, `not JSON: ${(e as Error).message}`);
        continue;
      }
      if (log === null || typeof log !== "object" || Array.isArray(log)) {
        report.bad(line, "not a JSON object (one log per line expected)");
        continue;
      }
      log = rpcShape(log);
      const block = typeof log.blockNumber === "string" && /^0x[0-9a-fA-F]{1,13}$/.test(log.blockNumber) ? parseInt(log.blockNumber, 16) : -1;
      let seconds = typeof log.blockTimestamp === "string" && /^0x[0-9a-fA-F]{1,13}$/.test(log.blockTimestamp) ? parseInt(log.blockTimestamp, 16) : -1;
      if (seconds < 0 && block >= 0) {
        const known = this.blockTimes.get(block);
        if (known !== undefined) {
          seconds = known;
          log.blockTimestamp = `0x${known.toString(16)}`;
        }
      }
      this.feed.frameTimestamp = seconds >= 0 ? BigInt(seconds) * 1_000_000_000n : 0n;
      const before = { errors: m.parseErrors + m.unknownPools, ignored: m.unknownEvents, dup: m.duplicates + m.belowWindow, msgs: this.messages };
      this.problem = "";
      this.feed.onWsText(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${SUBSCRIPTION}","result":${JSON.stringify(log)}}}`);
      report.messages += this.messages - before.msgs;
      if (m.parseErrors + m.unknownPools > before.errors) {
        const unknown = /^pool (\S+) has no metadata/.exec(this.problem);
        report.bad(line, unknown ? `pool ${unknown[1]} has no metadata: add it to the pool cache file (--pool-cache, PROTOCOL §8)` : this.problem || "the log could not be decoded");
      } else if (m.unknownEvents > before.ignored) this.ignored++;
      else if (m.duplicates + m.belowWindow > before.dup) this.duplicates++;
      else if (seconds < 0 && this.messages > before.msgs) this.withoutTime++;
    }
  }
}

const hexOf = (v: unknown): unknown => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? `0x${v.toString(16)}` : v);

/** ethereum-etl's snake_case log → JSON-RPC shape; a JSON-RPC log is returned as is. */
export function rpcShape(log: Record<string, unknown>): Record<string, unknown> {
  if (log.block_number === undefined && log.log_index === undefined) {
    if (typeof log.blockNumber === "number") log.blockNumber = hexOf(log.blockNumber);
    if (typeof log.logIndex === "number") log.logIndex = hexOf(log.logIndex);
    if (typeof log.blockTimestamp === "number") log.blockTimestamp = hexOf(log.blockTimestamp);
    return log;
  }
  const topics = typeof log.topics === "string" ? (log.topics === "" ? [] : log.topics.split(",")) : log.topics;
  return {
    address: log.address, topics, data: log.data,
    blockNumber: hexOf(log.block_number), logIndex: hexOf(log.log_index),
    blockHash: log.block_hash, transactionHash: log.transaction_hash,
    ...(log.block_timestamp !== undefined ? { blockTimestamp: hexOf(log.block_timestamp) } : {}),
    removed: log.removed === true,
  };
}

/** Reads a blocks file (JSON lines: `number`/`blockNumber`/`block_number` and `timestamp`/`blockTimestamp`/`block_timestamp`, decimal or hex). */
export async function readBlockTimes(path: string, report: FileReport): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  report.format = "blocks";
  const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? (v.startsWith("0x") ? parseInt(v, 16) : Number(v)) : NaN);
  for await (const { line, text } of readFileLines(path)) {
    if (text.trim().length === 0) continue;
    report.rows++;
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const n = num(o.number ?? o.blockNumber ?? o.block_number);
      const t = num(o.timestamp ?? o.blockTimestamp ?? o.block_timestamp);
      if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(t) || t < 0) throw new Error("no block number and timestamp");
      out.set(n, t);
    } catch (e) {
      report.bad(line, `not a block line: ${(e as Error).message}`);
    }
  }
  return out;
}
