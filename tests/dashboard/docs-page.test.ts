/**
 * The API docs page (`/docs`, Swagger UI from the `swagger-ui-dist` npm package) in headless Chromium
 * (Debian's `chromium`, driven by playwright-core, as the dashboard tests find it): the page renders the
 * document's routes, and it loads nothing from anywhere but the API itself (no CDN: it works offline).
 *
 * @module
 */

import { launchChromium } from "../setup/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import { platform } from "../../core/platform.ts";
import { MemoryControlPlane } from "../api/memory-control-plane.ts";

const launched = await launchChromium();
const browser = typeof launched === "string" ? undefined : launched;
if (!browser) console.warn(`docs page test skipped: ${launched}`);

let server: HttpServerHandle;
let base: string;

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve(
    (app, upgradeWebSocket) => void createApiApp(new MemoryControlPlane(), { token: "t0ken-docs", upgradeWebSocket, hosts: { host: "127.0.0.1", port: () => server?.port } }, app),
    { hostname: "127.0.0.1", port: 0 },
  );
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!browser)("/docs in headless Chromium", () => {
  it("lists the routes of /openapi.json and loads nothing from outside the API", async () => {
    const page = await browser!.newPage();
    const outside: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(`${base}/`) && !r.url().startsWith("data:")) outside.push(r.url());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/docs`);
    const killSwitch = page.locator(".opblock-summary-path", { hasText: /^\/kill-switch$/ });
    await expect.poll(() => killSwitch.count(), { timeout: 30_000 }).toBe(3); // GET, POST, DELETE
    await expect.poll(() => page.locator(".opblock-summary-path", { hasText: /^\/risk\/limits$/ }).count()).toBe(2);
    expect(await page.locator(".info .title").first().textContent()).toMatch(/AlphaPulse control API/);
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
