/**
 * Routes of the live dashboard, mounted into the API app through `createApiApp(…, { extend })`:
 * `GET /` (the page, no token needed: it asks for one) and `GET /dashboard/<file>` (its client modules,
 * stylesheet and uPlot). The page's data calls all go to the token-protected API routes.
 *
 * @example
 * ```ts
 * createApiApp(control, { token, upgradeWebSocket, extend: dashboardRoutes }, app);
 * ```
 * @module
 */

import type { Context, Hono } from "hono";
import * as v from "valibot";
import { describe } from "../openapi/describe.ts";
import { AssetStore, DashboardAssetsMissingError } from "./assets.ts";
import { dashboardSettings, renderDashboardPage, type DashboardSettings } from "./page.ts";

/** URL prefix of the dashboard's static files. */
export const DASHBOARD_ASSET_BASE = "/dashboard";

/** Content-Security-Policy of the page: own scripts, styles and connections only. */
function contentSecurityPolicy(c: Context): string {
  const host = c.req.header("host") ?? "";
  const sockets = host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self'${sockets}`, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; ");
}

/** Builds the dashboard's route extension with the given settings (defaults: {@link dashboardSettings}). */
export function createDashboardRoutes(overrides: Partial<DashboardSettings> = {}): (app: Hono) => void {
  const settings = dashboardSettings({ ...overrides, assetBase: DASHBOARD_ASSET_BASE });
  const store = new AssetStore();
  return (app: Hono) => {
    app.get("/", describe({ summary: "The live dashboard page", tag: "dashboard", auth: false, errors: [503], ok: { media: "text/html", description: "The page (it asks for the token)." } }), async (c) => {
      try {
        await store.names();
      } catch (e) {
        if (e instanceof DashboardAssetsMissingError) return c.text(`The dashboard cannot be served: ${e.message}`, 503);
        throw e;
      }
      c.header("content-security-policy", contentSecurityPolicy(c));
      c.header("x-frame-options", "DENY");
      c.header("referrer-policy", "no-referrer");
      c.header("x-content-type-options", "nosniff");
      c.header("cache-control", "no-store");
      return c.html(await renderDashboardPage(settings));
    });

    app.get(`${DASHBOARD_ASSET_BASE}/:file{.+}`, describe({
      summary: "A file of the dashboard (script, stylesheet, uPlot)", tag: "dashboard", auth: false, errors: [404, 503],
      path: { file: v.string() }, ok: { media: "text/javascript", description: "The file (JavaScript or CSS)." },
    }), async (c) => {
      const name = c.req.path.slice(DASHBOARD_ASSET_BASE.length + 1);
      let asset;
      try {
        asset = await store.get(name);
      } catch (e) {
        if (e instanceof DashboardAssetsMissingError) return c.json({ error: "unavailable", message: e.message }, 503);
        throw e;
      }
      if (!asset) return c.json({ error: "not found", message: `no dashboard file "${name}"` }, 404);
      c.header("etag", asset.etag);
      c.header("cache-control", "no-cache");
      c.header("x-content-type-options", "nosniff");
      if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
      c.header("content-type", asset.contentType);
      return c.body(asset.body);
    });
  };
}

/** The dashboard with default settings: what the API service mounts. */
export const dashboardRoutes: (app: Hono) => void = createDashboardRoutes();
