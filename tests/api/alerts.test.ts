/**
 * Alerting on a real running demo system: the API evaluates the alert conditions itself every 300 ms;
 * engaging the kill switch through the API makes `GET /alerts` list AlphaPulseKillSwitchEngaged and both
 * webhooks (Alertmanager and Slack formats, on a local receiver that fails each first delivery) receive it
 * firing exactly once; releasing it resolves it exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { createLogger } from "../../core/log.ts";
import { startReceiver, type WebhookReceiver } from "../metrics/webhook-receiver.ts";
import { until } from "../runtime/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-alerts-"));
let system: RunningSystem;
let receiver: WebhookReceiver;
let auth: Record<string, string>;

beforeAll(async () => {
  receiver = await startReceiver(1);
  process.env.AP_LOG_LEVEL = "error";
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const config = parseConfig(readFileSync(join(root, "config/default.yaml"), "utf8"), AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: join(dir, "run"), ALPHAPULSE_PORT: "0" });
  const prev = process.cwd();
  process.chdir(root); // the demo's capture paths are relative to the project
  try {
    system = await startSystem({
      ...config, supervisor: { ...config.supervisor, initialBackoffMs: 100 },
      alerting: {
        ...config.alerting, intervalMs: 300, retryDelayMs: 100,
        webhooks: [{ url: `${receiver.url}/alertmanager`, format: "alertmanager" }, { url: `${receiver.url}/slack`, format: "slack" }],
      },
    }, { mainPath: join(root, "main.ts"), log: createLogger("alerts-test", { level: "error" }) });
  } finally {
    process.chdir(prev);
  }
  auth = { authorization: `Bearer ${system.token}` };
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Listed { enabled: boolean; alerts: { name: string; severity: string; labels: Record<string, string>; summary: string; since: string }[] }
const alerts = async (): Promise<Listed> => (await fetch(`${system.apiUrl}/alerts`, { headers: auth })).json() as Promise<Listed>;
const KILL = "AlphaPulseKillSwitchEngaged";
type AmBody = { status: string; alerts: { labels: Record<string, string> }[] };
const delivered = (path: string, status: string) => receiver.received.filter((r) => r.path === path && r.status === 200 && (
  path === "/slack" ? (r.body as { text: string }).text.includes(`[${status.toUpperCase()}] ${KILL}`) : (r.body as AmBody).status === status && (r.body as AmBody).alerts[0]!.labels.alertname === KILL));

describe("the API's alerting on a running system", () => {
  it("requires the token for GET /alerts", async () => {
    await until("api up", async () => ((await fetch(`${system.apiUrl}/health`)).status > 0 ? true : undefined), 90_000);
    expect((await fetch(`${system.apiUrl}/alerts`)).status).toBe(401);
    expect((await alerts()).enabled).toBe(true);
  }, 120_000);

  it("kill switch engaged → GET /alerts and both webhooks say firing, once; released → resolved, once", async () => {
    await until("every service up", async () => ((await (await fetch(`${system.apiUrl}/health`)).json()).status === "ok" ? true : undefined), 120_000, 500);
    expect((await alerts()).alerts.map((a) => a.name)).not.toContain(KILL);
    const engaged = await fetch(`${system.apiUrl}/kill-switch`, { method: "POST", headers: auth });
    expect(engaged.status).toBe(200);
    const firing = await until("kill switch alert listed", async () => (await alerts()).alerts.find((a) => a.name === KILL), 30_000, 200);
    expect(firing).toMatchObject({ severity: "critical", summary: "trading is HALTED: the kill switch is engaged", labels: { alertname: KILL, severity: "critical" } });
    expect(Date.now() - Date.parse(firing.since)).toBeLessThan(60_000);
    await until("both webhooks got firing", async () => (delivered("/alertmanager", "firing").length > 0 && delivered("/slack", "firing").length > 0 ? true : undefined), 30_000, 100);
    // Each webhook's first delivery got a 500 and was retried.
    expect(receiver.received.filter((r) => r.status === 500).length).toBe(2);

    const released = await fetch(`${system.apiUrl}/kill-switch`, { method: "DELETE", headers: auth });
    expect(released.status).toBe(200);
    await until("kill switch alert gone", async () => ((await alerts()).alerts.some((a) => a.name === KILL) ? undefined : true), 30_000, 200);
    await until("both webhooks got resolved", async () => (delivered("/alertmanager", "resolved").length > 0 && delivered("/slack", "resolved").length > 0 ? true : undefined), 30_000, 100);
    await new Promise((r) => setTimeout(r, 1_500)); // five more evaluations: nothing is sent again
    for (const path of ["/alertmanager", "/slack"]) {
      expect(delivered(path, "firing").length, path).toBe(1);
      expect(delivered(path, "resolved").length, path).toBe(1);
    }
  }, 240_000);
});
