/**
 * A scripted live session of the real EVM adapter against the SIMULATED node, recorded as a capture
 * (PROTOCOL.md §8): blocks, a dropped connection with a backfill, a reorg the node reports, a malformed
 * frame, and a reorg missed while disconnected. Used to generate the project's own fixtures
 * (`fixtures/evm/`) and by the tests that check a replay reproduces the live session.
 *
 * @module
 */

import { AdapterTask } from "../../common/task.ts";
import { CaptureWriter, type TextOut } from "../../common/capture.ts";
import type { MessageSink } from "../../common/sink.ts";
import { EvmAdapter } from "../adapter.ts";
import type { PoolCache } from "../pool-cache.ts";
import { SIM_FACTORIES } from "./chain.ts";
import { SimNode } from "./node.ts";

/** Settings of {@link recordSimSession}. */
export interface SimSessionOptions {
  chain: "polygon" | "ethereum";
  seed: number;
  /** Where the capture text goes. */
  out: TextOut;
  /** Pool cache the adapter uses (empty: metadata is fetched and recorded). */
  poolCache: PoolCache;
  /** Receives the live session's messages. */
  sink: MessageSink;
  /** Blocks mined in each calm phase (default 4). */
  blocksPerPhase?: number;
  /** Mean pool logs per block (default 4). */
  logsPerBlock?: number;
}

/** What the session did. */
export interface SimSessionSummary {
  blocks: number;
  logs: number;
  removedByNode: number;
  abandonedWhileDisconnected: number;
  captureLines: number;
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`simulated session: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs the scripted session and returns what happened; the capture is complete when it resolves. */
export async function recordSimSession(options: SimSessionOptions): Promise<SimSessionSummary> {
  const node = await SimNode.start({ chain: { chain: options.chain, seed: options.seed, logsPerBlock: options.logsPerBlock ?? 4 } });
  const capture = new CaptureWriter(options.out);
  const adapter = new EvmAdapter({
    chain: options.chain, sink: options.sink, wsUrl: node.wsUrl, httpUrl: node.httpUrl, factories: SIM_FACTORIES,
    poolCache: options.poolCache,
  });
  // Only the task records, exactly as `ap capture` does: everything a replay needs travels on the socket.
  const task = new AdapterTask(adapter, { capture, backoff: { baseMs: 20, capMs: 100 } });
  const m = adapter.metrics;
  const phase = options.blocksPerPhase ?? 4;
  let blocks = 0;
  let logs = 0;
  let headsSent = 0; // heads the node notified (blocks mined while disconnected have none)
  const settle = async (what: string): Promise<void> => {
    await until(() => adapter.feed.pendingPools === 0 && m.gasPrices + m.headsWithoutTip + m.badHeads >= headsSent, what);
  };
  const mine = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      logs += node.mine(1)[0]!.logs.length;
      blocks++;
      headsSent++;
      await settle(`block ${blocks}`);
    }
  };
  try {
    task.start();
    await until(() => adapter.feed.activeSubscriptions.length === 2 && adapter.feed.priorityFeeWei !== undefined, "subscriptions");
    await mine(phase);
    // 1. the connection drops; blocks are mined meanwhile; the next session backfills them
    node.dropConnections();
    for (let i = 0; i < phase; i++) {
      logs += node.chain.mineBlock().logs.length;
      blocks++;
    }
    await until(() => m.backfills === 1, "first backfill");
    await mine(1);
    // 2. a reorg the node reports with removed logs
    const r1 = node.reorg(1);
    blocks += 1;
    headsSent += r1.added.length;
    logs += r1.added.reduce((n, b) => n + b.logs.length, 0);
    await settle("live reorg");
    // 3. a malformed frame
    node.sendRaw('{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x00","result":');
    await mine(1);
    // 4. a reorg while disconnected: only the backfill can show it
    node.dropConnections();
    const r2 = node.chain.reorg(2);
    blocks += 1;
    logs += r2.added.reduce((n, b) => n + b.logs.length, 0);
    await until(() => m.backfills === 2, "second backfill");
    await mine(phase);
    return {
      blocks, logs, removedByNode: r1.removed.length, abandonedWhileDisconnected: r2.removed.length, captureLines: capture.lines,
    };
  } finally {
    await task.stop();
    await adapter.close();
    await node.close();
    await capture.close();
  }
}
