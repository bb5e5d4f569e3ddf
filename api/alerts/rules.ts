/**
 * The alert conditions of config/alerts.yml, for the API to evaluate itself on a single box without
 * Prometheus: same alert names, severities, labels, summaries and `for` durations (a test checks the names
 * and severities match).
 *
 * @module
 */

import type { Labels } from "../../core/metrics/mod.ts";
import type { MetricsWindow, SeriesValue } from "./window.ts";

/** How urgent an alert is. */
export const Severity = { warning: "warning", critical: "critical" } as const;
/** One severity. */
export type Severity = (typeof Severity)[keyof typeof Severity];

/** One alert condition. */
export interface AlertRule {
  /** The `alert:` name in config/alerts.yml. */
  name: string;
  severity: Severity;
  /** How long the condition must hold before the alert fires (ms). */
  forMs: number;
  /** The labels of every series for which the condition holds now. */
  evaluate(m: MetricsWindow): Labels[];
  /** The summary annotation for a firing series. */
  summary(labels: Labels): string;
}

const MINUTE = 60_000;
/** The longest range a rule looks back over (crash loop: 10 min). */
export const LONGEST_RANGE_MS = 10 * MINUTE;

const where = (xs: SeriesValue[], test: (v: number) => boolean): Labels[] => xs.filter((x) => test(x.value)).map((x) => x.labels);
const key = (l: Labels): string => JSON.stringify(l);

/** The rules, in the order of config/alerts.yml. */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    name: "AlphaPulseServiceDown", severity: Severity.critical, forMs: 15_000,
    evaluate: (m) => where(m.values("alphapulse_service_up"), (v) => v === 0),
    summary: (l) => `service ${l.service} has not reported for over 3 s`,
  },
  {
    name: "AlphaPulseCrashLoop", severity: Severity.critical, forMs: 0,
    evaluate: (m) => {
      const out = new Map<string, Labels>();
      for (const l of where(m.values("alphapulse_service_failed"), (v) => v === 1)) out.set(key(l), l);
      for (const l of where(m.increase("alphapulse_service_restarts_total", 10 * MINUTE), (v) => v >= 3)) out.set(key(l), l);
      return [...out.values()];
    },
    summary: (l) => `service ${l.service} is crash-looping (restarted 3+ times in 10 min, or given up)`,
  },
  {
    name: "AlphaPulseBreakerOpen", severity: Severity.warning, forMs: 0,
    evaluate: (m) => [...where(m.values("alphapulse_adapter_breaker_open"), (v) => v === 1), ...where(m.values("alphapulse_strategy_breaker_open"), (v) => v === 1)],
    summary: (l) => `circuit breaker of ${l.adapter ?? ""}${l.strategy ?? ""} is open`,
  },
  {
    name: "AlphaPulseKillSwitchEngaged", severity: Severity.critical, forMs: 0,
    evaluate: (m) => where(m.values("alphapulse_execution_trading_halted"), (v) => v === 1),
    summary: () => "trading is HALTED: the kill switch is engaged",
  },
  dailyLoss("AlphaPulseDailyLossWarning", Severity.warning, 0.8, "the day's loss has reached 80% of the daily loss limit"),
  dailyLoss("AlphaPulseDailyLossLimit", Severity.critical, 1, "the day's loss has reached the daily loss limit: only position-reducing orders"),
  {
    name: "AlphaPulseRelayDropsRising", severity: Severity.warning, forMs: MINUTE,
    evaluate: (m) => {
      const sums = new Map<string, { labels: Labels; value: number }>();
      for (const s of m.increase("alphapulse_relay_dropped_total", 5 * MINUTE, (l) => l.reason !== "disconnected")) {
        const labels = { domain: s.labels.domain ?? "", reason: s.labels.reason ?? "" };
        const e = sums.get(key(labels)) ?? { labels, value: 0 };
        e.value += s.value;
        sums.set(key(labels), e);
      }
      return where([...sums.values()], (v) => v > 0);
    },
    summary: (l) => `relay ${l.domain} keeps dropping messages (${l.reason})`,
  },
  {
    name: "AlphaPulseDataStale", severity: Severity.warning, forMs: MINUTE,
    evaluate: (m) => where(m.increase("alphapulse_adapter_published_total", 2 * MINUTE), (v) => v === 0),
    summary: (l) => `no market data from ${l.venue} (${l.adapter}) for over 2 min`,
  },
  {
    name: "AlphaPulseExecutionAlert", severity: Severity.critical, forMs: 0,
    evaluate: (m) => where(m.values("alphapulse_alert"), (v) => v === 1),
    summary: (l) => `execution service ${l.service} failed closed: ${l.name} (${l.file}, ${l.kind})`,
  },
];

function dailyLoss(name: string, severity: Severity, share: number, text: string): AlertRule {
  return {
    name, severity, forMs: 0,
    evaluate: (m) => {
      const limits = new Map(m.values("alphapulse_execution_daily_loss_limit_quote").map((s) => [key(s.labels), s.value]));
      return m.values("alphapulse_execution_daily_pnl_quote")
        .filter((s) => {
          const limit = limits.get(key(s.labels)) ?? 0;
          return limit > 0 && -s.value >= share * limit;
        })
        .map((s) => s.labels);
    },
    summary: () => text,
  };
}
