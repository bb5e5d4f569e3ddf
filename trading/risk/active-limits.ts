/**
 * The risk limits in force: the config's, changed at run time by validated patches (the API), with the
 * per-instrument position limits resolved to instrument ids.
 *
 * @module
 */

import * as v from "valibot";
import { parseInstrument, type InstrumentId } from "../../protocol/mod.ts";
import { describeIssues } from "../config.ts";
import { RiskLimitsPatchSchema, type RiskLimits } from "./limits.ts";

/** The outcome of a patch: the new limits, or every refused field as `path: reason` (nothing changed). */
export type LimitsPatchResult = { ok: true; limits: RiskLimits } | { ok: false; issues: string[] };

/** Limits in force (see module docs). */
export class ActiveLimits {
  private value: RiskLimits;
  private byInstrument: { id: InstrumentId; limit: bigint }[] = [];

  /** @param limits the config's limits */
  constructor(limits: RiskLimits) {
    this.value = limits;
    this.resolve();
  }

  /** The limits in force. */
  get current(): RiskLimits {
    return this.value;
  }

  /** Applies `patch`, validated like the config file; on any issue nothing changes. */
  patch(patch: unknown): LimitsPatchResult {
    const parsed = v.safeParse(RiskLimitsPatchSchema, patch);
    if (!parsed.success) return { ok: false, issues: describeIssues(parsed.issues) };
    const next = { ...this.value };
    for (const [k, val] of Object.entries(parsed.output)) if (val !== undefined) (next as Record<string, unknown>)[k] = val;
    this.value = next;
    this.resolve();
    return { ok: true, limits: next };
  }

  /** The position limit of an instrument: its own, else `maxPosition`. */
  positionLimit(id: InstrumentId): bigint {
    for (const p of this.byInstrument) if (p.id.assetId === id.assetId && p.id.venue === id.venue) return p.limit;
    return this.value.maxPosition;
  }

  private resolve(): void {
    this.byInstrument = Object.entries(this.value.positionLimits).map(([text, limit]) => ({ id: parseInstrument(text), limit }));
  }
}
