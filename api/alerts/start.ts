/**
 * Starts the API's alerting from the config's `alerting` section: the evaluator over the system's merged
 * metrics and the webhook notifier. Disabled (`enabled: false`) it starts nothing.
 *
 * @module
 */

import type { Logger } from "../../core/log.ts";
import type { AppConfig } from "../../runtime/config/schema.ts";
import { AlertEvaluator } from "./evaluator.ts";
import { WebhookNotifier } from "./webhook.ts";

/** Running alerting: what fires, and how to stop it. */
export interface Alerting {
  evaluator: AlertEvaluator;
  notifier: WebhookNotifier;
  stop(): Promise<void>;
}

/** Starts alerting over `scrape` (the merged `/metrics` text), or returns undefined when disabled. */
export function startAlerting(config: AppConfig, scrape: () => Promise<string>, log: Logger, externalUrl: () => string): Alerting | undefined {
  const a = config.alerting;
  if (!a.enabled) return undefined;
  const notifier = new WebhookNotifier({
    targets: a.webhooks, log, maxAttempts: a.maxAttempts, baseDelayMs: a.retryDelayMs, get externalUrl() {
      return externalUrl();
    },
  });
  const evaluator = new AlertEvaluator({ scrape, intervalMs: a.intervalMs, log, notify: (e) => notifier.send(e) });
  evaluator.start();
  return {
    evaluator, notifier,
    async stop() {
      await evaluator.stop();
      await notifier.close();
    },
  };
}
