/**
 * `GET|PUT /risk/limits` in one form: sizes and money as exact decimal text in whole units (`"5"` is
 * five BTC of a BTC/USD position, `"50000"` fifty thousand of the quote currency), counts and times as
 * numbers. A GET's answer PUT back changes nothing; the execution service's own scaled integers never
 * reach people.
 *
 * @module
 */

import { decimal8 } from "./amount.ts";

const SIZES = ["maxPosition", "maxOrderNotional", "dailyLossLimit"] as const;

/** The readable limits from the execution service's `riskLimits` control reply (sizes × 10^8). */
export function readableRiskLimits(rawAnswer: unknown): Record<string, unknown> {
  const raw = (rawAnswer ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...raw };
  for (const k of SIZES) if (raw[k] !== undefined) out[k] = decimal8(raw[k], k);
  if (raw.positionLimits !== undefined) {
    out.positionLimits = Object.fromEntries(Object.entries(raw.positionLimits as Record<string, unknown>)
      .map(([instrument, x]) => [instrument, decimal8(x, `positionLimits.${instrument}`)]));
  }
  return out;
}
