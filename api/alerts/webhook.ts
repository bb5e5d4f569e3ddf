/**
 * Alert notifications to webhooks: Alertmanager's webhook body (version 4, what Alertmanager receivers
 * read) or a Slack incoming-webhook body (`text`). Each webhook gets events in order through its own queue;
 * a failed delivery (network error, timeout, 429 or 5xx) is retried with exponential backoff up to
 * `maxAttempts`, then logged and given up. The evaluator sends each firing and each resolution once.
 *
 * @example
 * ```ts
 * const hooks = new WebhookNotifier({ targets: [{ url: "http://127.0.0.1:9093/hook", format: "slack" }], log });
 * hooks.send({ status: "firing", alert });
 * ```
 * @module
 */

import type { Logger } from "../../core/log.ts";
import type { AlertEvent } from "./evaluator.ts";

/** Body formats. */
export const WebhookFormat = { alertmanager: "alertmanager", slack: "slack" } as const;
/** One body format. */
export type WebhookFormat = (typeof WebhookFormat)[keyof typeof WebhookFormat];

/** One webhook. */
export interface WebhookTarget {
  url: string;
  format: WebhookFormat;
}

/** Notifier settings. */
export interface WebhookNotifierOptions {
  targets: readonly WebhookTarget[];
  log: Logger;
  /** Deliveries tried per event and webhook (default 5). */
  maxAttempts?: number;
  /** First retry delay, doubled each time up to {@link maxDelayMs} (default 500 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** The API's address, for links (`externalURL`, `generatorURL`). */
  externalUrl?: string;
}

/** Delivery counters. */
export interface WebhookStats {
  delivered: number;
  retries: number;
  failed: number;
}

/** Alertmanager's webhook body (version 4) for one event. */
export function alertmanagerBody(e: AlertEvent, externalUrl = ""): unknown {
  const a = e.alert;
  return {
    version: "4", groupKey: `{}:{alertname="${a.name}"}`, truncatedAlerts: 0, status: e.status, receiver: "alphapulse",
    groupLabels: { alertname: a.name }, commonLabels: a.labels, commonAnnotations: { summary: a.summary }, externalURL: externalUrl,
    alerts: [{
      status: e.status, labels: a.labels, annotations: { summary: a.summary }, startsAt: a.since,
      endsAt: e.endsAt ?? "0001-01-01T00:00:00Z", generatorURL: externalUrl ? `${externalUrl}/alerts` : "", fingerprint: a.fingerprint,
    }],
  };
}

/** A Slack incoming-webhook body for one event. */
export function slackBody(e: AlertEvent): unknown {
  const a = e.alert;
  const head = e.status === "firing" ? `:rotating_light: [FIRING] ${a.name}` : `:white_check_mark: [RESOLVED] ${a.name}`;
  const labels = Object.entries(a.labels).filter(([k]) => k !== "alertname").map(([k, v]) => `${k}=${v}`).join(", ");
  const when = e.status === "firing" ? `since ${a.since}` : `from ${a.since} to ${e.endsAt}`;
  return { text: `${head} (${a.severity}): ${a.summary} — ${when} — ${labels}` };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends events to every webhook, in order per webhook, with retries. */
export class WebhookNotifier {
  /** Delivery counters. */
  readonly stats: WebhookStats = { delivered: 0, retries: 0, failed: 0 };
  private readonly options: WebhookNotifierOptions;
  private readonly queues: Promise<void>[];
  private closed = false;

  /** @param options targets, log and retry settings */
  constructor(options: WebhookNotifierOptions) {
    this.options = options;
    this.queues = options.targets.map(() => Promise.resolve());
  }

  /** Queues `event` for every webhook. */
  send(event: AlertEvent): void {
    this.options.targets.forEach((t, i) => {
      this.queues[i] = this.queues[i]!.then(() => this.deliver(t, event));
    });
  }

  /** Waits for queued deliveries (up to `waitMs`), then drops the rest. */
  async close(waitMs = 2_000): Promise<void> {
    await Promise.race([Promise.all(this.queues), sleep(waitMs)]);
    this.closed = true;
  }

  private async deliver(t: WebhookTarget, event: AlertEvent): Promise<void> {
    const o = this.options;
    const attempts = o.maxAttempts ?? 5;
    const body = JSON.stringify(t.format === WebhookFormat.slack ? slackBody(event) : alertmanagerBody(event, o.externalUrl));
    let delay = o.baseDelayMs ?? 500;
    for (let attempt = 1; !this.closed; attempt++) {
      let why: string;
      try {
        const r = await fetch(t.url, {
          method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
        });
        await r.body?.cancel();
        if (r.ok) {
          this.stats.delivered++;
          return;
        }
        why = `HTTP ${r.status}`;
        if (r.status < 500 && r.status !== 429) {
          this.stats.failed++;
          o.log.error("alerts: a webhook refused the notification (not retried)", { url: t.url, alert: event.alert.name, status: event.status, why });
          return;
        }
      } catch (e) {
        why = String(e);
      }
      if (attempt >= attempts) {
        this.stats.failed++;
        o.log.error("alerts: a webhook notification failed; giving up", { url: t.url, alert: event.alert.name, status: event.status, attempts, why });
        return;
      }
      this.stats.retries++;
      o.log.warn("alerts: a webhook notification failed; retrying", { url: t.url, alert: event.alert.name, attempt, why, retryInMs: delay });
      await sleep(delay);
      delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
    }
  }
}
