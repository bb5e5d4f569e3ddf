/**
 * The OpenAPI document of the API (`/openapi.json`, generated from the routes' valibot schemas) and the
 * docs page (`/docs`, Swagger UI from npm): every route the app registers is in the document, the
 * document passes an independent validator (`@apidevtools/swagger-parser`), every writable resource is
 * one whose GET-then-PUT is tested, and the committed client types are what the document makes today.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../api/app.ts";
import { dashboardRoutes } from "../../api/dashboard/routes.ts";
import { HTTP_SERVING, type HttpServerHandle } from "../../api/serve/types.ts";
import { platform } from "../../core/platform.ts";
import { MemoryControlPlane } from "./memory-control-plane.ts";
import { GENERATED_TYPES, generatedTypes, openApiPath, ResponseValidator } from "./openapi-helpers.ts";

const TOKEN = "t0ken-for-openapi";
const auth = { authorization: `Bearer ${TOKEN}` };
const control = new MemoryControlPlane();
let server: HttpServerHandle;
let base: string;
let app: Hono;
let doc: { openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> };

/** Writable resources whose GET answer PUT back is tested to change nothing (tests/api/readable.test.ts, tests/api/openapi-system.test.ts). */
const GET_PUT_TESTED = ["/risk/limits"];

beforeAll(async () => {
  server = await (await platform().load(HTTP_SERVING)).serve((a, upgradeWebSocket) => {
    app = a;
    createApiApp(control, { token: TOKEN, upgradeWebSocket, extend: dashboardRoutes, alerts: () => [], hosts: { host: "127.0.0.1", port: () => server?.port } }, a);
  }, { hostname: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${server.port}`;
  const r = await fetch(`${base}/openapi.json`);
  expect(r.status).toBe(200);
  doc = await r.json();
});
afterAll(async () => {
  await server?.close();
});

describe("/openapi.json", () => {
  it("is OpenAPI 3.1, served without the token", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it("lists every route the app registers, with its method", () => {
    const routes = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const missing = routes.filter((r) => {
      const [method, path] = r.split(" ") as [string, string];
      return doc.paths[path]?.[method.toLowerCase()] === undefined;
    });
    expect(missing).toEqual([]);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  it("says which routes need the token, as the app enforces it", async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path.includes("{") || path === "/stream") continue;
      const get = ops.get;
      if (!get) continue;
      const status = (await fetch(`${base}${path}${path === "/history" ? "?domain=execution" : ""}`)).status;
      expect([path, status === 401]).toEqual([path, (get.security ?? []).length > 0]);
    }
  });

  it("passes an independent validator (@apidevtools/swagger-parser, OpenAPI 3.1)", async () => {
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect(Object.keys(api.paths ?? {}).length).toBe(Object.keys(doc.paths).length);
  });

  it("every writable resource (PUT/PATCH) is one whose GET answer PUT back is tested as a no-op", () => {
    const writable = app.routes.filter((r) => r.method === "PUT" || r.method === "PATCH").map((r) => r.path);
    expect([...new Set(writable)].sort()).toEqual(GET_PUT_TESTED);
  });

  it("answers of this app validate against the document", async () => {
    const v = new ResponseValidator(doc);
    for (const path of ["/health", "/stats", "/strategies", "/portfolio", "/services", "/kill-switch", "/risk/limits", "/circuit-breakers", "/stream/clients", "/alerts"]) {
      const r = await fetch(`${base}${path}`, { headers: auth });
      expect(v.problems("GET", path, r.status, await r.json())).toEqual([]);
    }
    // The validator does refuse what the document does not allow: a scaled integer where an amount belongs.
    const p = await (await fetch(`${base}/portfolio`, { headers: auth })).json();
    p.positions[0].quantity = "6770000";
    expect(v.problems("GET", "/portfolio", 200, p)).toEqual([expect.stringMatching(/positions\/0\/quantity must be object/)]);
    const bad = await fetch(`${base}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: '{"maxOpenOrders":-1}' });
    expect(v.problems("PUT", "/risk/limits", bad.status, await bad.json())).toEqual([]);
  });

  it("the committed client types (api/generated/openapi.ts) are what the document makes", async () => {
    const fresh = await generatedTypes(doc);
    if (process.env.UPDATE_OPENAPI_TYPES) writeFileSync(GENERATED_TYPES, fresh);
    expect(readFileSync(GENERATED_TYPES, "utf8")).toBe(fresh);
  });
});

describe("/docs", () => {
  it("is Swagger UI served from this API (no CDN), without the token", async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="swagger-ui"');
    expect(html).not.toMatch(/https?:\/\//);
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      const r = await fetch(`${base}${src}`);
      expect([src, r.status]).toEqual([src, 200]);
      expect(r.headers.get("content-type")).toMatch(/^text\/(javascript|css)/);
    }
    expect((await fetch(`${base}/docs/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/docs/nope.js`)).status).toBe(404);
  });
});
