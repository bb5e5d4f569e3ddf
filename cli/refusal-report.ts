/**
 * What `ap publish` and `ap replay` say after sending: how many messages the relay accepted and refused
 * (per reason, from its refusal notices — relay/refusal-notice.ts), with what to do about the refusals,
 * and the exit status: 1 when messages were sent and none got through.
 *
 * @module
 */

import type { RelayClient } from "../relay/client/client.ts";
import type { RefusedCounts } from "../relay/client/refusals.ts";

/** Milliseconds the relay has, after the last write, to account for every message. */
const JUDGE_TIMEOUT_MS = 10_000;

/** What each refusal reason means, for the summary line. */
const MEANING: Record<keyof RefusedCounts, string> = {
  invalid: "failed the relay's message check",
  wrongDomain: "belong to another relay domain",
  badControl: "control messages this connection may not send",
  foreignSource: "of a source outside this client's proven service id",
  sourceOwned: "of a source another connection publishes",
  duplicate: "sequence not above the source's last (already seen)",
  sequenceJump: "sequence too far past the source's last",
  unreported: "reason not reported",
};

/** The outcome of {@link reportRefusals}. */
export interface RefusalOutcome {
  /** Lines for stderr. */
  lines: string[];
  /** 1 when `sent` > 0 and the relay accepted none of them, else 0. */
  exitCode: number;
}

/**
 * Waits (up to 10 s) until the relay has accepted or refused all `sent` messages of `client`, and says
 * what became of them. `restampHint` is how this command could send them as a new source (undefined
 * when it already does).
 */
export async function reportRefusals(client: RelayClient, sent: number, restampHint: string | undefined): Promise<RefusalOutcome> {
  const judged = await client.judged(sent, JUDGE_TIMEOUT_MS);
  const r = client.refusals;
  const lines: string[] = [];
  if (!judged && r.accepted + r.refusedTotal === 0) {
    // A relay that sends no notices (an older version): nothing is known either way.
    return { lines: ["the relay sent no account of what it accepted (an older relay?)"], exitCode: 0 };
  }
  const head = `the relay accepted ${r.accepted} of ${sent}`;
  if (r.refusedTotal === 0) {
    lines.push(judged ? `${head}` : `${head}; ${sent - r.accepted} not accounted for within ${JUDGE_TIMEOUT_MS / 1000} s`);
  } else {
    lines.push(`${head} and refused ${r.refusedTotal}:`);
    for (const [reason, n] of Object.entries(r.refused) as [keyof RefusedCounts, number][]) {
      if (n > 0) lines.push(`  ${reason} ${n} (${MEANING[reason]})`);
    }
    if (!judged) lines.push(`  ${sent - r.accepted - r.refusedTotal} not accounted for within ${JUDGE_TIMEOUT_MS / 1000} s`);
    const restampable = r.refused.sourceOwned + r.refused.duplicate + r.refused.sequenceJump + r.refused.foreignSource;
    if (restampable > 0 && restampHint !== undefined) lines.push(`hint: ${restampHint}`);
  }
  return { lines, exitCode: sent > 0 && r.accepted === 0 ? 1 : 0 };
}
