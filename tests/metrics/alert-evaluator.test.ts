/**
 * The API's own alert evaluation (api/alerts) over scripted metrics text and a stepped clock: `for`
 * durations, `increase` windows that need their whole range, firing once and resolving once, log lines;
 * and the webhook notifier against a local receiver: retries after a 500, Alertmanager and Slack bodies.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AlertEvaluator, type AlertEvent } from "../../api/alerts/evaluator.ts";
import { WebhookNotifier } from "../../api/alerts/webhook.ts";
import { createLogger } from "../../core/log.ts";
import { Exposition } from "../../core/metrics/mod.ts";
import { until } from "../runtime/helpers.ts";
import { startReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

const lines: string[] = [];
const log = createLogger("alerts-test", { level: "info", write: (l) => void lines.push(l) });

/** A scripted system: the test sets the figures and the clock. */
function scripted() {
  const state = { now: 1_000_000, halted: 0, up: 1, published: 0 };
  const events: AlertEvent[] = [];
  const ev = new AlertEvaluator({
    intervalMs: 1_000, log, now: () => state.now, notify: (e) => events.push(e),
    scrape: async () => new Exposition()
      .gauge("alphapulse_execution_trading_halted", "h", state.halted)
      .gauge("alphapulse_service_up", "u", [[{ service: "adapter-kraken", kind: "adapter" }, state.up]])
      .counter("alphapulse_adapter_published_total", "p", [[{ adapter: "adapter-kraken", venue: "kraken" }, state.published]])
      .render(),
  });
  const step = async (ms: number) => {
    state.now += ms;
    await ev.evaluateOnce();
  };
  return { state, events, ev, step };
}

describe("AlertEvaluator", () => {
  it("fires once while the condition holds and resolves once, with log lines", async () => {
    const { state, events, ev, step } = scripted();
    await step(0);
    expect(ev.firing()).toEqual([]);
    state.halted = 1;
    for (let i = 0; i < 5; i++) await step(1_000);
    expect(events.map((e) => [e.status, e.alert.name])).toEqual([["firing", "AlphaPulseKillSwitchEngaged"]]);
    const [a] = ev.firing();
    expect(a).toMatchObject({ name: "AlphaPulseKillSwitchEngaged", severity: "critical", summary: "trading is HALTED: the kill switch is engaged" });
    expect(a!.labels).toEqual({ alertname: "AlphaPulseKillSwitchEngaged", severity: "critical" });
    expect(a!.since).toBe(new Date(state.now - 4_000).toISOString());
    state.halted = 0;
    for (let i = 0; i < 3; i++) await step(1_000);
    expect(events.map((e) => e.status)).toEqual(["firing", "resolved"]);
    expect(events[1]!.endsAt).toBe(new Date(state.now - 2_000).toISOString());
    expect(ev.firing()).toEqual([]);
    expect(lines.some((l) => l.includes('"alert firing"') && l.includes("AlphaPulseKillSwitchEngaged"))).toBe(true);
    expect(lines.some((l) => l.includes('"alert resolved"'))).toBe(true);
  });

  it("waits the rule's for duration (service down: 15 s) before firing, and forgets a condition that clears first", async () => {
    const { state, events, step } = scripted();
    state.up = 0;
    await step(0);
    await step(10_000);
    state.up = 1;
    await step(1_000);
    state.up = 0;
    await step(1_000);
    await step(14_000);
    expect(events).toEqual([]);
    await step(1_000);
    expect(events.map((e) => [e.status, e.alert.labels.service])).toEqual([["firing", "adapter-kraken"]]);
  });

  it("calls data stale only once the history covers 2 min without growth, and for 1 min more", async () => {
    const { state, events, step } = scripted();
    await step(0);
    for (let t = 0; t < 100; t++) await step(1_000); // 100 s of silence at start: the window is not covered yet
    expect(events).toEqual([]);
    for (let t = 0; t < 80; t++) await step(1_000); // covered at 120 s, pending until 180 s
    expect(events).toEqual([]);
    for (let t = 0; t < 5; t++) await step(1_000);
    expect(events.map((e) => [e.alert.name, e.alert.labels.venue])).toEqual([["AlphaPulseDataStale", "kraken"]]);
    state.published = 10;
    await step(1_000);
    expect(events.map((e) => e.status)).toEqual(["firing", "resolved"]);
  });

  it("keeps its alerts when the metrics cannot be read", async () => {
    let fail = false;
    const events: AlertEvent[] = [];
    const ev = new AlertEvaluator({
      intervalMs: 1_000, log, notify: (e) => events.push(e),
      scrape: async () => {
        if (fail) throw new Error("control socket gone");
        return new Exposition().gauge("alphapulse_execution_trading_halted", "h", 1).render();
      },
    });
    await ev.evaluateOnce();
    fail = true;
    await ev.evaluateOnce();
    expect(ev.firing().map((a) => a.name)).toEqual(["AlphaPulseKillSwitchEngaged"]);
    expect(events.length).toBe(1);
  });
});

describe("WebhookNotifier", () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => receiver?.close());

  it("retries after a 500, in order per webhook, with Alertmanager and Slack bodies", async () => {
    receiver = await startReceiver(1);
    const hooks = new WebhookNotifier({
      targets: [{ url: `${receiver.url}/am`, format: "alertmanager" }, { url: `${receiver.url}/slack`, format: "slack" }],
      log, baseDelayMs: 50, externalUrl: "http://127.0.0.1:1",
    });
    const alert = { name: "AlphaPulseKillSwitchEngaged", severity: "critical" as const, labels: { alertname: "AlphaPulseKillSwitchEngaged", severity: "critical" }, summary: "halted", since: "2026-01-01T00:00:00.000Z", fingerprint: "00000000000000ab" };
    hooks.send({ status: "firing", alert });
    hooks.send({ status: "resolved", alert, endsAt: "2026-01-01T00:01:00.000Z" });
    const r = receiver;
    // The receiver records a request before the notifier has read its answer: wait for both sides.
    await until("both webhooks got both events, and the notifier saw them answered", async () =>
      (r.received.filter((x) => x.status === 200).length === 4 && hooks.stats.delivered === 4 ? true : undefined), 20_000);
    const ok = (path: string) => r.received.filter((x) => x.path === path && x.status === 200).map((x) => x.body);
    expect(r.received.filter((x) => x.status === 500).length).toBe(2);
    expect(hooks.stats).toEqual({ delivered: 4, retries: 2, failed: 0 });
    expect(ok("/am").map((b) => (b as { status: string }).status)).toEqual(["firing", "resolved"]);
    expect(ok("/am")[0]).toMatchObject({
      version: "4", status: "firing", groupLabels: { alertname: "AlphaPulseKillSwitchEngaged" },
      alerts: [{ status: "firing", labels: alert.labels, annotations: { summary: "halted" }, startsAt: alert.since, endsAt: "0001-01-01T00:00:00Z", fingerprint: "00000000000000ab" }],
    });
    expect((ok("/am")[1] as { alerts: { endsAt: string }[] }).alerts[0]!.endsAt).toBe("2026-01-01T00:01:00.000Z");
    const slack = ok("/slack") as { text: string }[];
    expect(slack[0]!.text).toMatch(/^:rotating_light: \[FIRING\] AlphaPulseKillSwitchEngaged \(critical\): halted/);
    expect(slack[1]!.text).toMatch(/^:white_check_mark: \[RESOLVED\] AlphaPulseKillSwitchEngaged/);
    await hooks.close();
  }, 30_000);

  it("gives up after maxAttempts and logs it", async () => {
    receiver = await startReceiver(100);
    const hooks = new WebhookNotifier({ targets: [{ url: `${receiver.url}/x`, format: "slack" }], log, baseDelayMs: 10, maxAttempts: 3 });
    hooks.send({ status: "firing", alert: { name: "A", severity: "warning", labels: {}, summary: "s", since: "", fingerprint: "" } });
    await until("given up", async () => (hooks.stats.failed === 1 ? true : undefined), 20_000);
    expect(receiver.received.length).toBe(3);
    expect(lines.some((l) => l.includes("giving up"))).toBe(true);
    await hooks.close();
  }, 30_000);
});
