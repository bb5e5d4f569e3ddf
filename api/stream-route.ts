/**
 * `GET /stream?domain=…&types=…`: a WebSocket of live messages of one relay domain, served from the
 * {@link StreamHub}. Everything that can fail is answered before the upgrade, for this request only:
 * a bad query is 400, a plain GET 426, the client cap 503, an upstream that cannot be opened (relay
 * down) 502 — never an exception left to the process.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import * as v from "valibot";
import { describe } from "./openapi/describe.ts";
import { StreamQueryDocSchema, StreamQuerySchema } from "./schemas.ts";
import { StreamClientsFullError, StreamUnavailableError, type StreamHub, type StreamLease, type StreamSocket } from "./stream-hub.ts";

/** The hub's view of a Hono WebSocket context. */
function streamSocket(ws: WSContext): StreamSocket {
  return {
    send: (text) => ws.send(text),
    bufferedAmount: () => (ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0,
    close: (code, reason) => ws.close(code, reason),
  };
}

/** Registers `/stream` on `app` (behind whatever middleware `app` already has for it). */
export function registerStreamRoute(
  app: Hono,
  hub: StreamHub,
  upgradeWebSocket: UpgradeWebSocket,
  badRequest: (c: Context, issues: readonly v.BaseIssue<unknown>[], where: string) => Response,
): void {
  app.get("/stream", describe({
    summary: "Live messages of a relay domain (WebSocket)", tag: "stream", query: StreamQueryDocSchema, errors: [400, 426, 502, 503],
    description: "A WebSocket upgrade: each message is one relay message in the PROTOCOL §7 wire JSON form. Browsers may pass ?token= here (only here).",
    ok: { status: 101, description: "Switching to the WebSocket protocol." },
  }), async (c, next) => {
    const query = v.safeParse(StreamQuerySchema, { domain: c.req.query("domain"), types: c.req.query("types") });
    if (!query.success) return badRequest(c, query.issues, "query");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({ error: "upgrade required", message: "/stream is a WebSocket: send Upgrade: websocket" }, 426);
    }
    let lease: StreamLease;
    try {
      lease = await hub.open(query.output.domain, query.output.types);
    } catch (e) {
      if (e instanceof StreamClientsFullError) return c.json({ error: "unavailable", message: e.message }, 503);
      if (e instanceof StreamUnavailableError) return c.json({ error: "bad gateway", message: e.message }, 502);
      throw e;
    }
    const handler = upgradeWebSocket(() => ({
      onOpen: (_event, ws) => lease.attach(streamSocket(ws)),
      onClose: () => lease.release(),
      onError: () => lease.release(),
    }));
    try {
      const response = await handler(c, next);
      if (!response) lease.release();
      return response;
    } catch (e) {
      lease.release();
      throw e;
    }
  });
}
