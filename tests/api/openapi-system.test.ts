/**
 * The OpenAPI document against a RUNNING system (the demo, started as `ap start` does: supervisor,
 * relays, adapters, strategies, execution and the API as processes): every JSON answer of its GET routes
 * validates against the document's response schemas (ajv, JSON Schema 2020-12), a `/risk/limits` GET
 * answer PUT back changes nothing, and a client generated from the document (`openapi-typescript` types
 * committed in `api/generated/openapi.ts`, driven by `openapi-fetch`) engages, reads and releases the
 * kill switch.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { paths } from "../../api/generated/openapi.ts";
import type { RunningSystem } from "../../runtime/launch/system.ts";
import { startDemo, until } from "../runtime/helpers.ts";
import { ResponseValidator } from "./openapi-helpers.ts";

let dir: string;
let system: RunningSystem;
let auth: { authorization: string };
let validator: ResponseValidator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ap-openapi-"));
  system = await startDemo(join(dir, "run"), "openapi-test", "error");
  auth = { authorization: `Bearer ${system.token}` };
  validator = new ResponseValidator(await (await fetch(`${system.apiUrl}/openapi.json`)).json());
}, 120_000);
afterAll(async () => {
  await system?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const get = (path: string) => fetch(`${system.apiUrl}${path}`, { headers: auth });

describe("a running system's answers", () => {
  it("validate against /openapi.json on every JSON GET route", async () => {
    // Wait for a booked position, so the portfolio's amounts and instruments are checked too.
    await until("a position in /portfolio", async () => {
      const r = await get("/portfolio");
      return r.status === 200 && ((await r.json()) as { positions: unknown[] }).positions.length > 0 ? true : undefined;
    }, 90_000, 500);
    const checked: string[] = [];
    for (const path of ["/health", "/alerts", "/stats", "/strategies", "/portfolio", "/services", "/kill-switch", "/risk/limits", "/circuit-breakers", "/stream/clients", "/history?domain=execution"]) {
      const r = await get(path);
      const body = await r.json();
      expect(validator.problems("GET", path.split("?")[0]!, r.status, body)).toEqual([]);
      checked.push(`${path} ${r.status}`);
    }
    expect(checked.filter((c) => / 200$/.test(c)).length).toBeGreaterThanOrEqual(9);
  }, 150_000);

  it("PUT /risk/limits with the GET's answer changes nothing", async () => {
    const before = await (await get("/risk/limits")).json();
    const r = await fetch(`${system.apiUrl}/risk/limits`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(before) });
    const answer = await r.json();
    expect(r.status).toBe(200);
    expect(validator.problems("PUT", "/risk/limits", 200, answer)).toEqual([]);
    expect(answer).toEqual(before);
    expect(await (await get("/risk/limits")).json()).toEqual(before);
  }, 60_000);

  it("a client generated from the document drives the kill switch: engage, read, release", async () => {
    const client = createClient<paths>({ baseUrl: system.apiUrl, headers: auth });
    const on = await client.POST("/kill-switch");
    expect(on.response.status).toBe(200);
    expect(on.data?.tradingState).toBe("HALTED");
    const status = await client.GET("/kill-switch");
    expect(status.data).toMatchObject({ tradingState: "HALTED", reason: expect.stringMatching(/kill switch/) });
    const off = await client.DELETE("/kill-switch");
    expect(off.data?.tradingState).toBe("ACTIVE");
    expect((await client.GET("/kill-switch")).data?.tradingState).toBe("ACTIVE");
    const refused = await createClient<paths>({ baseUrl: system.apiUrl }).GET("/kill-switch");
    expect(refused.response.status).toBe(401);
    expect(refused.error?.error).toBe("unauthorized");
  }, 60_000);

  it("every operation of the document: 401 without the token exactly where it says so; with the token, past auth", async () => {
    interface Operation { security?: unknown[]; requestBody?: unknown; parameters?: { in: string; name: string }[] }
    const doc = (await (await fetch(`${system.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const seen: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        // Path parameters get names nothing has, so a mutating route with the token is refused by lookup, not run.
        const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === "file" ? "no-such-file.js" : `no-such-${name}`));
        const query = template === "/history" || template === "/stream" ? "?domain=signal" : "";
        const url = `${system.apiUrl}${path}${query}`;
        const needsToken = (op.security ?? []).length > 0;
        const bare = await fetch(url, { method: method.toUpperCase() });
        await bare.body?.cancel();
        expect(bare.status === 401, `${method.toUpperCase()} ${template} without the token: ${bare.status}`).toBe(needsToken);
        seen.push(`${method.toUpperCase()} ${template}`);
        // With the token: never 401. Bodyless commands without a parameter (the kill switch) are driven by the test above.
        if (!needsToken || method === "get" || op.requestBody !== undefined || /\{/.test(template)) {
          const init: RequestInit = { method: method.toUpperCase(), headers: { ...auth, "content-type": "application/json" } };
          if (method !== "get") init.body = "{"; // malformed: a route with a body refuses it with 400 before acting
          const r = await fetch(url, init);
          await r.body?.cancel();
          expect(r.status, `${method.toUpperCase()} ${template} with the token`).not.toBe(401);
          if (method !== "get") expect([400, 404, 409, 415, 422], `${method.toUpperCase()} ${template} with the token: ${r.status}`).toContain(r.status);
        }
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(20);
    // A wrong token is refused like none.
    const wrong = await fetch(`${system.apiUrl}/portfolio`, { headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.status).toBe(401);
    // Nothing above changed the trading state.
    expect(((await (await get("/kill-switch")).json()) as { tradingState: string }).tradingState).toBe("ACTIVE");
  }, 90_000);
});
