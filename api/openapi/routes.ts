/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of every route, generated from the routes' valibot
 * schemas by `hono-openapi`) and `GET /docs` (Swagger UI, served from the `swagger-ui-dist` npm package:
 * no CDN, it works with no internet). Both are open like `/health` and the dashboard page: they describe
 * the API's shape and hold no system data; every data route they describe still needs the bearer token
 * (the page's "Authorize" button takes it, and keeps it in the page only).
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";
import * as v from "valibot";
import { describe } from "./describe.ts";
import { DocsAssets, DocsAssetsMissingError } from "./docs-assets.ts";

/** Version of the API the document describes. */
export const API_VERSION = "1.0.0";

/** The document's top level: everything but the paths, which come from the routes. */
export const OPENAPI_DOCUMENTATION = {
  info: {
    title: "AlphaPulse control API",
    version: API_VERSION,
    description: "Health, metrics, services, strategies, portfolio, kill switch, risk limits, circuit breakers and live streams of a running "
      + "AlphaPulse system. Instruments carry their symbol and venue name; prices, quantities and money are exact decimal text with their "
      + "currency; GET and PUT of a resource use one form. /stream and /history carry the PROTOCOL §7 wire JSON.",
  },
  components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer", description: "The API token (`ap start` prints where it is)." } } },
  tags: ["system", "trading", "stream", "docs", "dashboard"].map((name) => ({ name })),
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AlphaPulse API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

function securityHeaders(c: Context): void {
  c.header("content-security-policy", [
    "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; "));
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
}

/** Registers `/openapi.json`, `/docs` and `/docs/<file>` on `app` (after every other route, so the document lists them all). */
export function registerOpenApiRoutes(app: Hono): void {
  const assets = new DocsAssets();
  app.get("/openapi.json", describe({ summary: "This document (OpenAPI 3.1)", tag: "docs", auth: false, ok: v.looseObject({ openapi: v.string() }) }),
    openAPIRouteHandler(app, { documentation: OPENAPI_DOCUMENTATION, excludeStaticFile: false }));
  app.get("/docs", describe({ summary: "Interactive API docs (Swagger UI, served locally)", tag: "docs", auth: false, ok: { media: "text/html", description: "The page." } }),
    (c) => {
      securityHeaders(c);
      c.header("cache-control", "no-cache");
      return c.html(PAGE);
    });
  app.get("/docs/:file{.+}", describe({
    summary: "A file of the docs page (Swagger UI from npm)", tag: "docs", auth: false, errors: [404, 503], path: { file: v.string() },
    ok: { media: "text/javascript", description: "The file (JavaScript or CSS)." },
  }), async (c) => {
    let asset;
    try {
      asset = await assets.get(c.req.param("file"));
    } catch (e) {
      if (e instanceof DocsAssetsMissingError) return c.json({ error: "unavailable", message: e.message }, 503);
      throw e;
    }
    if (!asset) return c.json({ error: "not found", message: `no docs file "${c.req.param("file")}"` }, 404);
    securityHeaders(c);
    c.header("etag", asset.etag);
    c.header("cache-control", "no-cache");
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    c.header("content-type", asset.contentType);
    return c.body(asset.body);
  });
}
