/**
 * config/alerts.yml: `promtool check rules` and `promtool test rules` (tests/metrics/alerts.test.yml, a test
 * group per rule) pass; every rule is unit-tested there; and the API's own evaluation (api/alerts/rules.ts)
 * has the same alerts with the same severities and `for` durations.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ALERT_RULES } from "../../api/alerts/rules.ts";
import { promtool, promtoolMissing } from "./promtool.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
interface Rule { alert: string; expr: string; for?: string; labels: { severity: string } }
const rules = (parse(readFileSync(`${root}config/alerts.yml`, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const unitTests = parse(readFileSync(`${root}tests/metrics/alerts.test.yml`, "utf8")) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };

const durationMs = (d: string | undefined): number => {
  if (d === undefined) return 0;
  const m = /^(\d+)(s|m)$/.exec(d);
  if (m === null) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * (m[2] === "m" ? 60_000 : 1_000);
};

describe("config/alerts.yml", () => {
  it("has the alerts the issue asks for", () => {
    expect(rules.map((r) => r.alert)).toEqual([
      "AlphaPulseServiceDown", "AlphaPulseCrashLoop", "AlphaPulseBreakerOpen", "AlphaPulseKillSwitchEngaged", "AlphaPulseDailyLossWarning",
      "AlphaPulseDailyLossLimit", "AlphaPulseRelayDropsRising", "AlphaPulseDataStale", "AlphaPulseExecutionAlert",
    ]);
  });

  it("unit-tests every rule both firing and silent in alerts.test.yml", () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test);
    for (const r of rules) {
      expect(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0), `${r.alert} firing`).toBe(true);
      expect(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length === 0), `${r.alert} silent`).toBe(true);
    }
  });

  it("matches the API's own rules: names, severities and for durations", () => {
    expect(ALERT_RULES.map((r) => [r.name, r.severity, r.forMs])).toEqual(rules.map((r) => [r.alert, r.labels.severity, durationMs(r.for)]));
  });

  it("passes promtool check rules and promtool test rules", async (ctx) => {
    if (promtoolMissing) return ctx.skip(promtoolMissing);
    const check = await promtool(["check", "rules", "config/alerts.yml"], undefined, root);
    expect(check.output).toContain("SUCCESS: 9 rules found");
    expect(check.code).toBe(0);
    const test = await promtool(["test", "rules", "tests/metrics/alerts.test.yml"], undefined, root);
    expect(test.output).toContain("SUCCESS");
    expect(test.code).toBe(0);
  }, 60_000);
});
