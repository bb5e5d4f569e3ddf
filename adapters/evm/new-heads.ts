/**
 * The `newHeads` side of an {@link EvmFeed} (adapters/evm/feed.ts): each new head becomes a GasPrice
 * message on the Execution domain (base fee from the head, the latest known priority fee), its block time
 * is remembered for logs that carry none, and the last live head is kept for the next backfill's start.
 * GasPrice messages have their own builder, so their sequence is contiguous on the execution relay and the
 * market-data sequence has no holes where a GasPrice went elsewhere.
 *
 * @module
 */

import { MessageBuilder, RelayDomain, U64_MAX } from "../../protocol/mod.ts";
import { previewJson } from "../common/preview.ts";
import type { EvmChain } from "./chains.ts";
import { parseQuantity, parseQuantityBig } from "./hex.ts";
import type { EvmMetrics } from "./metrics.ts";
import { writeGasPrice } from "./tlv-writer.ts";

const MAX_BLOCK_TIMES = 512;

/** Settings of a {@link NewHeadsHandler}. */
export interface NewHeadsOptions {
  /** The chain served. */
  readonly chain: EvmChain;
  /** Header `source` of the GasPrice messages. */
  readonly source: number;
  /** The feed's counters. */
  readonly metrics: EvmMetrics;
  /** Receives each GasPrice message; the bytes are valid until the next call. */
  readonly emit: (message: Uint8Array) => void;
  /** Told about each unusable head. */
  readonly onProblem: (what: string) => void;
  /** Told about each new head. */
  readonly onHead: ((blockNumber: number) => void) | undefined;
  /** Priority fee for GasPrice messages until {@link NewHeadsHandler.setPriorityFee} (undefined: none yet). */
  readonly priorityFeeWei: bigint | undefined;
}

/** See the module documentation. */
export class NewHeadsHandler {
  /** Timestamp (s) of recent blocks by number (the last {@link MAX_BLOCK_TIMES} heads). */
  readonly blockTimes = new Map<number, number>();
  private readonly builder = new MessageBuilder(256);
  private readonly opts: NewHeadsOptions;
  private priorityFee: bigint | undefined;
  private lastLive = -1;

  /** @param options see {@link NewHeadsOptions} */
  constructor(options: NewHeadsOptions) {
    this.opts = options;
    this.priorityFee = options.priorityFeeWei;
  }

  /** Highest head seen live (not while backfilling), or -1. */
  get lastLiveHead(): number {
    return this.lastLive;
  }

  /** The priority fee GasPrice messages carry now (`undefined` until known). */
  get priorityFeeWei(): bigint | undefined {
    return this.priorityFee;
  }

  /** Sets the priority fee carried by the following GasPrice messages (ignored outside 0..2^64−1). */
  setPriorityFee(wei: bigint): void {
    if (wei >= 0n && wei <= U64_MAX) this.priorityFee = wei;
  }

  /**
   * One `newHeads` result. `backfilling`: the feed is backfilling (the head does not move the live mark);
   * `nowMs`: receive time for block-to-receive latency (0 = unknown); `frameTimestamp`: replay stamp.
   */
  handle(head: unknown, backfilling: boolean, nowMs: number, frameTimestamp: bigint | undefined): void {
    const metrics = this.opts.metrics;
    const h = head as { number?: unknown; baseFeePerGas?: unknown; timestamp?: unknown } | null;
    const number = parseQuantity(h?.number);
    const baseFee = h?.baseFeePerGas === undefined || h?.baseFeePerGas === null ? 0n : parseQuantityBig(h.baseFeePerGas);
    if (number < 0 || baseFee === undefined || baseFee > U64_MAX) {
      metrics.badHeads++;
      this.opts.onProblem(`newHeads result without a usable number/baseFeePerGas: ${previewJson(head)}`);
      return;
    }
    const ts = parseQuantity(h!.timestamp);
    if (ts > 0) {
      this.blockTimes.set(number, ts);
      if (this.blockTimes.size > MAX_BLOCK_TIMES) this.blockTimes.delete(this.blockTimes.keys().next().value!);
    }
    if (!backfilling && number > this.lastLive) this.lastLive = number;
    if (ts > 0 && nowMs > 0) metrics.recordLatencyMs(nowMs - ts * 1000);
    if (this.priorityFee === undefined) {
      metrics.headsWithoutTip++;
    } else {
      const b = this.builder.begin(RelayDomain.Execution, this.opts.source);
      if (frameTimestamp !== undefined) b.setTimestamp(frameTimestamp);
      writeGasPrice(b, this.opts.chain.chainId, number, baseFee, this.priorityFee);
      metrics.gasPrices++;
      metrics.published++;
      this.opts.emit(b.finish());
    }
    this.opts.onHead?.(number);
  }
}
