/**
 * The dashboard end to end in headless Chromium (Debian's `chromium`, driven by playwright-core) against
 * the real system started with `startSystem` (inline, temp runtime dir): config/default.yaml (the
 * embedded demo) when present, plus deterministic synthetic traffic on the relays so every panel has
 * known data. Skips, saying why, only when Chromium cannot be found or launched.
 *
 * `DASHBOARD_SCREENSHOT=docs/dashboard.png` also saves a full-page screenshot of a page opened on the
 * plain demo after it has run 60 s (before any synthetic traffic), as a new user sees it.
 */

import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { launchChromium } from "../setup/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPERVISOR_CONTROL } from "../../runtime/service/system-services.ts";
import { createLogger } from "../../core/log.ts";
import { loadConfigFile, parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema, type AppConfig } from "../../runtime/config/schema.ts";
import { callControl } from "../../runtime/control/channel.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { SyntheticFeed, SYNTHETIC_STRATEGY, V2_POOL, V3_POOL } from "./synthetic-feed.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "main.ts");
const DEFAULT_CONFIG = join(ROOT, "config/default.yaml");
/** Seconds of silence after which the page marks data stale (`?staleAfter=`), short to keep the test fast. */
const STALE_AFTER = 3;
/** How long the demo runs before a page is opened on its history. */
const DEMO_RUN_MS = 60_000;

const launched = await launchChromium();
const browser = typeof launched === "string" ? undefined : launched;
if (!browser) console.warn(`dashboard end-to-end tests skipped: ${launched}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function testConfig(runtimeDir: string, port: number): Promise<{ config: AppConfig; source: string }> {
  const base = existsSync(DEFAULT_CONFIG)
    ? {
      config: await loadConfigFile(DEFAULT_CONFIG, AppConfigSchema, { ...process.env, ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: String(port) }),
      source: "config/default.yaml",
    }
    : { config: parseConfig("{}", AppConfigSchema, {}), source: "relays and API only (no config/default.yaml)" };
  return { config: { ...base.config, runtimeDir, api: { ...base.config.api, host: "127.0.0.1", port, token: "" } }, source: base.source };
}

describe.skipIf(!browser)("dashboard in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "ap-dashboard-"));
  let system: RunningSystem;
  let startedAt = 0;
  let config: AppConfig;
  let feed: SyntheticFeed | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const assetFailures: string[] = [];
  const notes: string[] = [];

  const api = async (path: string, method = "GET") => {
    const r = await fetch(`${system.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${system.token}` } });
    return { status: r.status, body: await r.json().catch(() => undefined) };
  };
  const executionService = async () =>
    ((await api("/services")).body as { name: string; kind: string; state: string }[]).find((s) => s.kind === "execution");
  const executionRunning = async () => (await executionService())?.state === "running";
  const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();

  beforeAll(async () => {
    process.env.ALPHAPULSE_LOG_LEVEL ??= "warn";
    const loaded = await testConfig(join(dir, "run"), await freePort());
    config = loaded.config;
    notes.push(`config: ${loaded.source}`);
    system = await startSystem(config, { mainPath: MAIN, inline: true, log: createLogger("dashboard-test", { level: "warn" }) });
    startedAt = Date.now();
    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      // Resource errors are the expected 404s (no execution service) and the API-restart test's refused sockets.
      if (m.type() === "error" && !/Failed to load resource|WebSocket connection to .* failed/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on("response", (r) => {
      if (new URL(r.url()).pathname.startsWith("/dashboard/") && r.status() >= 400) assetFailures.push(`${r.status()} ${r.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    clearInterval(ticker);
    await feed?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (notes.length) console.warn(`dashboard e2e notes:\n  ${notes.join("\n  ")}`);
  }, 60_000);

  it("loads without the token, asks for it, rejects a wrong one and keeps the right one in the tab", async () => {
    const r = await fetch(`${system.apiUrl}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");

    await page.goto(`${system.apiUrl}/?staleAfter=${STALE_AFTER}`);
    expect(await page.title()).toBe("AlphaPulse · live");
    await page.locator("#token-dialog[open]").waitFor();
    await page.fill("#token-input", "not-the-token");
    await page.click("#token-submit");
    await expect.poll(() => text("#token-error")).toBe("The API rejected this token.");
    await page.fill("#token-input", system.token);
    await page.click("#token-submit");
    await page.locator("#token-dialog").waitFor({ state: "hidden" });
    await page.locator('#services tr[data-service="api"]').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("alphapulse.apiToken"))).toBe(system.token);

    // ?token= is adopted and removed from the address bar.
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${system.apiUrl}/?staleAfter=${STALE_AFTER}&token=${system.token}`);
    await page.locator('#services tr[data-service="api"]').waitFor();
    expect(page.url()).not.toContain("token=");
    expect(await page.locator("#token-dialog").isVisible()).toBe(false);

    // Signing out forgets the token and asks again; a good token starts the page afresh.
    await page.click("#forget-token");
    await page.locator("#token-dialog[open]").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("alphapulse.apiToken"))).toBeNull();
    await page.fill("#token-input", system.token);
    const reloaded = page.waitForEvent("load");
    await page.click("#token-submit");
    await reloaded;
    await page.locator('#services tr[data-service="api"]').waitFor();
    expect(page.url()).toBe(`${system.apiUrl}/?staleAfter=${STALE_AFTER}`);
  }, 60_000);

  it("shows every relay as a live chart and service figures that change within seconds", async () => {
    await expect.poll(() => page.locator(".relay-card").count()).toBe(4);
    expect(await page.locator(".relay-card canvas").count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator(".relay-card").evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.relay)))
      .toEqual(["relay-market-data", "relay-signal", "relay-execution", "relay-system"]);
    const uptime = '#services tr[data-service="api"] [data-field="uptime"]';
    const first = await text(uptime);
    expect(first).toMatch(/^\d+[smhd]/);
    await expect.poll(() => text(uptime), { timeout: 10_000 }).not.toBe(first);
    const processed = '#services tr[data-service="relay-system"] [data-field="processed"]';
    const before = await text(processed);
    await expect.poll(() => text(processed), { timeout: 10_000 }).not.toBe(before);
    expect(await text('#services tr[data-service="relay-market-data"] [data-field="status"]')).toBe("up");

    const notRunning = async () => ((await api("/services")).body as { name: string; state: string }[])
      .filter((s) => s.state !== "running").map((s) => `${s.name} (${s.state})`);
    await expect.poll(notRunning, { timeout: 30_000, message: "every service of the demo runs" }).toEqual([]);
    // The demo's adapters alone (the synthetic traffic starts in the next test) move the market-data figures.
    await expect.poll(() => text('.relay-card[data-relay="relay-market-data"] .rate'), { timeout: 15_000 }).toMatch(/^[1-9][\d.]*k?$/);
    await expect.poll(() => text("#kpi-rate"), { timeout: 10_000 }).toMatch(/^[1-9][\d.]*k? msg\/s$/);
    await expect.poll(() => page.locator(".inst").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  }, 60_000);

  it("opens on history: a page opened after 60 s of the plain demo shows trades, pools and feeds with no live message", async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, DEMO_RUN_MS - (Date.now() - startedAt))));
    const kept = async (domain: string) => ((await api(`/history?domain=${domain}`)).body as { messages: { tlvs: { type: number }[] }[] }).messages;
    const [md, signals, execution] = await Promise.all([kept("market-data"), kept("signal"), kept("execution")]);
    const has = (list: typeof md, type: number) => list.filter((m) => m.tlvs.some((t) => t.type === type)).length;
    notes.push(`history after ${Math.round((Date.now() - startedAt) / 1000)} s: ${has(md, 1)} last trades, ${has(md, 4) + has(md, 7)} pool states, `
      + `${has(signals, 21)} arbitrage / ${has(signals, 22)} momentum signals, ${has(execution, 40)} orders, ${has(execution, 42)} fills`);
    const demo = config.services.some((s) => s.kind === "adapter");

    // No live message can reach this page: its /stream WebSockets are answered by the test and stay silent.
    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
    const fresh = await context.newPage();
    const sockets: string[] = [];
    await fresh.routeWebSocket(/\/stream/, (ws) => sockets.push(ws.url()));
    const errors: string[] = [];
    fresh.on("pageerror", (e) => errors.push(e.message));
    const opened = Date.now();
    await fresh.goto(`${system.apiUrl}/?staleAfter=60&token=${system.token}`);
    const ftext = async (selector: string) => ((await fresh.locator(selector).first().textContent()) ?? "").trim();
    await fresh.locator("#signals-feed li, #execution-feed li, .inst").first().waitFor({ timeout: 15_000 });
    notes.push(`history painted ${Date.now() - opened} ms after navigation`);
    expect(demo, "config/default.yaml runs the demo adapters").toBe(true);
    {
      await expect.poll(() => fresh.locator(".inst").count()).toBeGreaterThan(0);
      const lasts = await fresh.locator(".inst .last .px").allTextContents();
      expect(lasts.filter((t) => /^[\d,]+\.\d+$/.test(t.trim())).length).toBeGreaterThan(0);
      await expect.poll(() => fresh.locator("#pools tr[data-pool]").count()).toBeGreaterThan(0);
      expect(await fresh.locator("#pools-empty").isVisible()).toBe(false);
      expect(await ftext("#pools tr[data-pool] .price")).toMatch(/^1 \S+ = [\d,.]+ \S+$/);
      await expect.poll(() => fresh.locator("#signals-feed li").count()).toBeGreaterThan(0);
      expect(await fresh.locator("#signals-feed li").count()).toBeGreaterThanOrEqual(Math.min(100, has(signals, 21) + has(signals, 22) + has(signals, 23)));
      expect(await executionRunning()).toBe(true);
      await expect.poll(() => fresh.locator('#execution-feed li[data-kind="order"]').count()).toBeGreaterThan(0);
      expect(await ftext('#execution-feed li[data-kind="order"] .meta')).toMatch(/^#\d+ · strategy \d+/);
    }
    // Every row came from /history: the sockets opened (mocked) and carried nothing.
    expect(sockets.length).toBeGreaterThan(0);
    await expect.poll(() => fresh.locator('[data-conn="market-data"]').getAttribute("title")).toMatch(/, 0 messages,/);
    expect(errors).toEqual([]);
    await context.close();

    if (process.env.DASHBOARD_SCREENSHOT) {
      // The README picture: a page opened on the plain demo after 60 s, then live for a few seconds.
      const shot = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
      const live = await shot.newPage();
      await live.goto(`${system.apiUrl}/?token=${system.token}`);
      await live.locator(".inst").first().waitFor();
      await live.waitForTimeout(8_000);
      await live.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });
      await shot.close();
    }
  }, 150_000);

  it("renders market data, pools, signals, orders and fills from the streams", async () => {
    feed = await SyntheticFeed.connect(system.paths);
    ticker = setInterval(() => feed!.tick(), 100);

    const sol = page.locator('.inst[data-instrument="SOL/USD@Coinbase"]');
    await sol.waitFor();
    await expect.poll(async () => (await sol.locator(".last .px").textContent())?.trim()).toMatch(/^1\d\d\.\d\d$/);
    await expect.poll(async () => (await sol.locator(".lvl.bid .px").first().textContent())?.trim()).toMatch(/^1\d\d\.\d\d$/);
    expect(await sol.locator(".lvl.ask").count()).toBe(5);
    expect((await sol.locator(".bbo").textContent())).toMatch(/Spread[\d.]+ bps/);
    await expect.poll(() => text('.inst[data-instrument="DOGE/USDT@Binance"] .last .px')).toMatch(/^0\.16\d+$/);

    await expect.poll(() => text(`#pools tr[data-pool="${V2_POOL}"] .price`)).toMatch(/^1 WETH = 3,1\d\d(\.\d+)? USDC$/);
    expect(await text(`#pools tr[data-pool="${V2_POOL}"] .pair`)).toBe("USDC / WETH");
    expect(await text(`#pools tr[data-pool="${V2_POOL}"] td.num`)).toMatch(/\d USDC · [\d.,]+ WETH$/);
    await expect.poll(() => text(`#pools tr[data-pool="${V3_POOL}"] .price`)).toMatch(/^1 WETH = 3,1\d\d(\.\d+)? USDC$/);

    const arb = `#signals-feed li[data-kind="arbitrage"]:has-text("strategy ${SYNTHETIC_STRATEGY.arbitrage}")`;
    await page.locator(arb).first().waitFor();
    expect(await text(`${arb} .main`)).toMatch(/^net \+\$\d+\.\d\d · USDC\/WETH · Uniswap V2 → Uniswap V3 · spread \+\d+ bps$/);
    expect(await text(`#signals-feed li[data-kind="momentum"]:has-text("strategy ${SYNTHETIC_STRATEGY.momentum}") .main`))
      .toMatch(/^[▲▼] [+-]\d+ bps SOL\/USD@Coinbase over 60s @ 1\d\d\.\d\d$/);

    await page.locator('#execution-feed li[data-kind="fill"]').first().waitFor();
    expect(await text('#execution-feed li[data-kind="fill"] .main')).toMatch(/^(BUY|SELL) \d+\.\d+ [A-Z]+\/[A-Z]+@\w+ @ [\d,]+\.\d+$/);
    expect(await text('#execution-feed li[data-kind="order"] .meta')).toMatch(/^#\d+ · strategy \d+/);
    expect(await text('#execution-feed li[data-kind="ack"] .main')).toMatch(/^#\d+ accepted$/);

    await expect.poll(async () => Number((await text('.relay-card[data-relay="relay-market-data"] .rate')).replace(/k$/, "e3")), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('[data-conn="market-data"]').getAttribute("data-state")).toBe("live");

    expect(await executionRunning()).toBe(true);
    {
      // The execution service books the synthetic fills: positions and P&L (exact decimals with their currency, per quote currency).
      await expect.poll(() => page.locator("#positions-table tbody tr").count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await text("#positions-table tbody tr td.name")).toMatch(/^[A-Z0-9]+\/[A-Z0-9]+@[\w ()-]+$/);
      expect(await text("#positions-table tbody tr td:nth-child(2)")).toMatch(/^-?[\d,]+(\.\d+)? [A-Z0-9]+$/);
      expect(await text("#kpi-realized")).toMatch(/^-?[\d,]+(\.\d{1,8})? [A-Z0-9]+( · -?[\d,]+(\.\d{1,8})? [A-Z0-9]+)*$/);
      expect(await text("#kpi-winrate")).toMatch(/^\d+\.\d%$/);
      expect(await text('#portfolio-facts [data-key="tradingState"] dd')).toMatch(/^(ACTIVE|REDUCING|HALTED)$/);
    }
  }, 90_000);

  it("marks an instrument stale when its data stops, and live again when it resumes", async () => {
    const card = page.locator('.inst[data-instrument="LINK/USD@Kraken"]');
    expect(await card.getAttribute("data-stale")).toBe("false");
    feed!.paused = true;
    await expect.poll(() => card.getAttribute("data-stale"), { timeout: 10_000 }).toBe("true");
    expect(await card.locator(".age").textContent()).toMatch(/^stale \d+s$/);
    feed!.paused = false;
    await expect.poll(() => card.getAttribute("data-stale"), { timeout: 10_000 }).toBe("false");
  }, 30_000);

  it("engages and releases the kill switch from the page (confirmation, token)", async () => {
    const pill = "#trading-state";
    const execution = await executionService();
    expect(execution?.state, "the demo's execution service runs").toBe("running");
    await expect.poll(() => text(pill)).toMatch(/^(ACTIVE|REDUCING)$/);
    await page.click("#kill-switch");
    await page.locator("#kill-dialog[open]").waitFor();
    expect(await text("#kill-title")).toBe("Engage the kill switch?");
    expect(await page.inputValue("#kill-token")).toBe(system.token);
    await page.click("#kill-confirm");
    await expect.poll(() => text(pill)).toBe("HALTED");
    expect((await api("/kill-switch")).body).toMatchObject({ tradingState: "HALTED" });
    // The API's own alerting sees the engaged kill switch; the page's alert banner says so.
    await expect.poll(() => text("#alerts-banner"), { timeout: 30_000 }).toMatch(/critical: trading is HALTED: the kill switch is engaged \(since \d\d:\d\d:\d\d\.\d{3}\)/);
    expect(await page.locator("#alerts-banner").isVisible()).toBe(true);

    await page.click("#kill-switch");
    await page.locator("#kill-dialog[open]").waitFor();
    expect(await text("#kill-title")).toBe("Release the kill switch?");
    expect(await page.inputValue("#kill-token")).toBe("");
    await page.fill("#kill-token", "not-the-token");
    await page.click("#kill-confirm");
    await expect.poll(() => text("#kill-error")).toBe("Wrong token.");
    expect((await api("/kill-switch")).body).toMatchObject({ tradingState: "HALTED" });
    await page.fill("#kill-token", system.token);
    await page.click("#kill-confirm");
    await expect.poll(() => text(pill)).toBe("ACTIVE");
    expect((await api("/kill-switch")).body).toMatchObject({ tradingState: "ACTIVE" });
    await expect.poll(() => text("#alerts-banner"), { timeout: 30_000 }).not.toMatch(/HALTED/);
  }, 120_000);

  it("switches a strategy off and on", async () => {
    const strategies = (await api("/strategies")).body as { name: string; enabled: boolean; up: boolean }[];
    const target = strategies.find((s) => s.up && s.enabled);
    if (!target) {
      notes.push(`strategy switch not asserted: no running, enabled strategy (${strategies.length} configured)`);
      await expect.poll(() => page.locator("#strategies li").count()).toBe(strategies.length);
      return;
    }
    const row = page.locator(`#strategies li[data-strategy="${target.name}"]`);
    await expect.poll(() => row.getAttribute("data-enabled")).toBe("true");
    await row.locator("label").click();
    await expect.poll(async () => ((await api("/strategies")).body as typeof strategies).find((s) => s.name === target.name)?.enabled).toBe(false);
    await expect.poll(() => row.getAttribute("data-enabled")).toBe("false");
    await row.locator("label").click();
    await expect.poll(async () => ((await api("/strategies")).body as typeof strategies).find((s) => s.name === target.name)?.enabled).toBe(true);
  }, 60_000);

  it("shows a stopped relay as down, and up again once started", async () => {
    const status = '#services tr[data-service="relay-signal"] [data-field="status"]';
    expect((await api("/services/relay-signal/stop", "POST")).status).toBe(200);
    await expect.poll(() => text(status), { timeout: 10_000 }).toBe("down");
    expect(await text('#services tr[data-service="relay-signal"] [data-field="state"]')).toBe("stopped");
    await expect.poll(() => page.locator('.relay-card[data-relay="relay-signal"]').getAttribute("data-up"), { timeout: 10_000 }).toBe("false");
    expect(await page.locator("#kpi-services").getAttribute("class")).toContain("neg");

    expect((await api("/services/relay-signal/start", "POST")).status).toBe(200);
    await expect.poll(() => text(status), { timeout: 15_000 }).toBe("up");
    await expect.poll(() => page.locator('.relay-card[data-relay="relay-signal"]').getAttribute("data-up"), { timeout: 10_000 }).toBe("true");
  }, 60_000);

  it("reconnects its streams by itself after the API restarts, marking data stale meanwhile", async () => {
    const supervisor = system.paths.controlSocket(SUPERVISOR_CONTROL);
    await callControl(supervisor, "serviceAction", { name: "api", action: "stop" }, 15_000);
    await expect.poll(() => page.locator('[data-conn="market-data"]').getAttribute("data-state"), { timeout: 10_000 }).toBe("reconnecting");
    await expect.poll(() => page.locator("#markets-stale").isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator("#banner").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await text("#banner")).toMatch(/^API unreachable since/);
    expect(await page.locator("#live-badge").getAttribute("data-state")).toBe("offline");

    await callControl(supervisor, "serviceAction", { name: "api", action: "start" }, 15_000);
    await expect.poll(() => page.locator('[data-conn="market-data"]').getAttribute("data-state"), { timeout: 25_000 }).toBe("live");
    await expect.poll(() => page.locator("#banner").isVisible(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => page.locator("#markets-stale").isVisible(), { timeout: 10_000 }).toBe(false);
    const newest = await text("#execution-feed li time");
    await expect.poll(() => text("#execution-feed li time"), { timeout: 15_000 }).not.toBe(newest);
  }, 90_000);

  it("ran without page errors, console errors or missing assets", () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(assetFailures).toEqual([]);
    if (process.env.DASHBOARD_SCREENSHOT) expect(statSync(process.env.DASHBOARD_SCREENSHOT).size).toBeGreaterThan(50_000);
  });
});
