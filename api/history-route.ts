/**
 * `GET /history?domain=…&types=…`: what the API remembers of a relay domain's recent traffic
 * ({@link RecentHistory}), as `{ domain, sources, messages }` — `messages` in the PROTOCOL §7 JSON form of
 * `/stream`, oldest first; `sources` the last sequence seen per source, so a client that also listens to
 * `/stream` can drop what the history already covers. 404 when the API keeps no history (or not of that
 * domain, e.g. `system`); 400 for a bad query.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import * as v from "valibot";
import { HISTORY_DOMAINS, type HistoryDomain, type RecentHistory } from "./recent-history.ts";
import { describe } from "./openapi/describe.ts";
import { HistorySchema, StreamQueryDocSchema, StreamQuerySchema } from "./schemas.ts";

/** Registers `/history` on `app` (behind whatever middleware `app` already has for it). */
export function registerHistoryRoute(
  app: Hono,
  history: RecentHistory | undefined,
  badRequest: (c: Context, issues: readonly v.BaseIssue<unknown>[], where: string) => Response,
): void {
  app.get("/history", describe({
    summary: "Recent traffic of a relay domain (the past of /stream)", tag: "stream", ok: HistorySchema, query: StreamQueryDocSchema, errors: [400, 404],
    description: "Messages in the PROTOCOL §7 wire JSON form of /stream, oldest first.",
  }), (c) => {
    const query = v.safeParse(StreamQuerySchema, { domain: c.req.query("domain"), types: c.req.query("types") });
    if (!query.success) return badRequest(c, query.issues, "query");
    const domain = query.output.domain;
    if (!history) return c.json({ error: "not found", message: "this API keeps no history (api.history is off)" }, 404);
    if (!(HISTORY_DOMAINS as readonly string[]).includes(domain)) {
      return c.json({ error: "not found", message: `no history of domain "${domain}" (kept: ${HISTORY_DOMAINS.join(", ")})` }, 404);
    }
    c.header("content-type", "application/json; charset=utf-8");
    c.header("cache-control", "no-store");
    return c.body(history.snapshotJson(domain as HistoryDomain, query.output.types));
  });
}
