/**
 * The execution service's journal and snapshots: opens the journal, restores risk and portfolio from the
 * last snapshot plus the journal tail (or the whole journal, outputs muted), and provides the journal
 * append and the snapshot task the service runs periodically and on stop.
 *
 * @module
 */

import { lstat } from "node:fs/promises";
import { serviceStateDirs } from "../paths.ts";
import { MessageView, RelayDomain } from "../../protocol/mod.ts";
import { DiscardSink } from "../../core/sink.ts";
import { Portfolio } from "../../trading/portfolio/portfolio.ts";
import { RiskManager } from "../../trading/risk/risk-manager.ts";
import { Journal } from "../journal.ts";
import { RecoveryManager, type RecoveryReport } from "../recovery.ts";
import type { ServiceContext } from "./types.ts";

/** What {@link recoverExecution} returns. */
export interface ExecutionRecovery {
  journal: Journal;
  recovery: RecoveryManager;
  /** The recovery outcome (with `problem` when the snapshot was expected but unusable). */
  recovered: RecoveryReport;
  /** Whether a snapshot file existed before recovery, usable or not (evidence of a previous run). */
  snapshotExisted: boolean;
  /** Appends a message to the journal, noting its source's sequence for the snapshot. */
  append(msg: Uint8Array): void;
  /** Checkpoints the journal with the risk + portfolio state it covers, then writes the snapshot. */
  snapshot(): Promise<void>;
}

/** Opens the journal of `ctx.name` under `ctx.runtimeDir` and restores `risk` and `portfolio` from it (their outputs muted meanwhile). */
export async function recoverExecution(
  ctx: ServiceContext, risk: RiskManager, portfolio: Portfolio, journalOptions: { maxFileBytes: number; maxFiles: number },
): Promise<ExecutionRecovery> {
  const journalDir = serviceStateDirs(ctx).journal;
  const journal = await Journal.open({ dir: journalDir, prefix: ctx.name, ...journalOptions });
  const recovery = new RecoveryManager({ dir: serviceStateDirs(ctx).snapshots, service: ctx.name, journal: { dir: journalDir, prefix: ctx.name }, log: ctx.log });
  const snapshotExisted = await lstat(recovery.path).then(() => true, () => false);

  // Risk replays recorded outcomes; the portfolio sees what it saw live.
  const view = new MessageView();
  const mute = new DiscardSink();
  risk.connect(mute);
  portfolio.connect(mute);
  /** Last journaled sequence per source (snapshot diagnostics). */
  const sequences = new Map<number, bigint>();
  const recovered = await recovery.recover({
    restore(state) {
      const s = state as { risk?: unknown; portfolio?: unknown } | null;
      if (typeof s !== "object" || s === null) throw new Error("state: not an object");
      const r = RiskManager.parseSnapshot(s.risk);
      const p = Portfolio.parseSnapshot(s.portfolio);
      risk.applySnapshot(r);
      portfolio.applySnapshot(p);
    },
    apply(msg) {
      view.wrap(msg);
      sequences.set(view.source, view.sequence);
      if (view.relayDomain === RelayDomain.Execution) risk.replay(view.wrap(msg));
      portfolio.onMessage(view.wrap(msg));
    },
  });
  if (recovered.mode === "full" && recovered.replayedMessages > 0) {
    ctx.log.info("recovered from the whole journal", { messages: recovered.replayedMessages, fills: portfolio.totals().fills });
  }

  const seqView = new MessageView();
  return {
    journal, recovery, recovered, snapshotExisted,
    append(msg) {
      journal.append(msg);
      seqView.wrap(msg);
      sequences.set(seqView.source, seqView.sequence);
    },
    async snapshot() {
      const { value, position } = await journal.checkpoint(() => ({
        state: { risk: risk.toSnapshot(), portfolio: portfolio.toSnapshot() },
        sequences: Object.fromEntries([...sequences].map(([k, n]) => [String(k), String(n)])),
      }));
      await recovery.save(value.state, position, value.sequences);
    },
  };
}
