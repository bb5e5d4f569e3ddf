/**
 * The API's own alert evaluation, for a single box without Prometheus: every few seconds it reads the
 * system's merged metrics, evaluates {@link ALERT_RULES} (config/alerts.yml's conditions) with their `for`
 * durations, and on each change — and only then — logs it and tells the notifier: an alert fires once and
 * resolves once. {@link AlertEvaluator.firing} is what `GET /alerts` lists.
 *
 * @example
 * ```ts
 * const ev = new AlertEvaluator({ scrape: () => control.metricsText(), intervalMs: 5_000, log, notify: (e) => hooks.send(e) });
 * ev.start();
 * ev.firing(); // [{ name: "AlphaPulseKillSwitchEngaged", since: "…", labels: {…}, summary: "…" }]
 * ```
 * @module
 */

import type { Logger } from "../../core/log.ts";
import type { Labels } from "../../core/metrics/mod.ts";
import { ALERT_RULES, LONGEST_RANGE_MS, type AlertRule, type Severity } from "./rules.ts";
import { MetricsWindow } from "./window.ts";

/** An alert that is firing (or just resolved). */
export interface FiringAlert {
  /** Alert name (`alertname`). */
  name: string;
  severity: Severity;
  /** `alertname`, `severity` and the series' labels. */
  labels: Labels;
  summary: string;
  /** When it started firing (ISO 8601). */
  since: string;
  /** Stable id of the alert's labels (hex). */
  fingerprint: string;
}

/** A change the notifier hears about. */
export interface AlertEvent {
  status: "firing" | "resolved";
  alert: FiringAlert;
  /** When it resolved (ISO 8601), for `resolved`. */
  endsAt?: string;
}

/** What the evaluator needs. */
export interface AlertEvaluatorOptions {
  /** The system's metrics text (the API's merged `/metrics`). */
  scrape: () => Promise<string>;
  intervalMs: number;
  log: Logger;
  /** Told of every change (firing, resolved). */
  notify?: (event: AlertEvent) => void;
  rules?: readonly AlertRule[];
  now?: () => number;
}

/** FNV-1a of the sorted labels, 16 hex digits (two 32-bit halves). */
export function fingerprint(labels: Labels): string {
  const text = Object.keys(labels).sort().map((k) => `${k}\u0000${labels[k]}\u0000`).join("");
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (a >>> 7), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

/** Evaluates the rules on a timer and keeps what is firing. */
export class AlertEvaluator {
  private readonly options: AlertEvaluatorOptions;
  private readonly rules: readonly AlertRule[];
  private readonly now: () => number;
  private readonly window = new MetricsWindow(LONGEST_RANGE_MS + 60_000);
  private readonly pending = new Map<string, number>();
  private readonly active = new Map<string, FiringAlert>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private scrapeFailures = 0;

  /** @param options scrape, interval, log and notifier */
  constructor(options: AlertEvaluatorOptions) {
    this.options = options;
    this.rules = options.rules ?? ALERT_RULES;
    this.now = options.now ?? Date.now;
  }

  /** Evaluates now and then every `intervalMs` until {@link stop}. */
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.evaluateOnce().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    tick();
  }

  /** Stops the timer and waits for a running evaluation. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The alerts firing now, oldest first. */
  firing(): FiringAlert[] {
    return [...this.active.values()].sort((x, y) => x.since.localeCompare(y.since));
  }

  /** One scrape and evaluation (a failed scrape is logged and changes nothing). */
  async evaluateOnce(): Promise<void> {
    let text: string;
    try {
      text = await this.options.scrape();
    } catch (e) {
      this.scrapeFailures++;
      if (this.scrapeFailures <= 3 || this.scrapeFailures % 100 === 0) {
        this.options.log.warn("alerts: reading the system's metrics failed; alerts unchanged", { error: String(e), failures: this.scrapeFailures });
      }
      return;
    }
    const at = this.now();
    try {
      this.window.add(text, at);
    } catch (e) {
      this.options.log.warn("alerts: the system's metrics could not be parsed; alerts unchanged", { error: String(e) });
      return;
    }
    const holding = new Set<string>();
    for (const rule of this.rules) {
      for (const series of rule.evaluate(this.window)) {
        const labels: Labels = { alertname: rule.name, severity: rule.severity, ...series };
        const id = fingerprint(labels);
        holding.add(id);
        const since = this.pending.get(id) ?? at;
        this.pending.set(id, since);
        if (at - since >= rule.forMs && !this.active.has(id)) {
          const alert: FiringAlert = { name: rule.name, severity: rule.severity, labels, summary: rule.summary(series), since: new Date(at).toISOString(), fingerprint: id };
          this.active.set(id, alert);
          this.options.log.warn("alert firing", { alert: rule.name, severity: rule.severity, summary: alert.summary, labels: series });
          this.options.notify?.({ status: "firing", alert });
        }
      }
    }
    for (const id of [...this.pending.keys()]) {
      if (holding.has(id)) continue;
      this.pending.delete(id);
      const alert = this.active.get(id);
      if (alert === undefined) continue;
      this.active.delete(id);
      this.options.log.info("alert resolved", { alert: alert.name, summary: alert.summary, since: alert.since });
      this.options.notify?.({ status: "resolved", alert, endsAt: new Date(at).toISOString() });
    }
  }
}
