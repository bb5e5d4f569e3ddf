/**
 * Bearer-token check for the control API, compared in constant time so response timing does not leak
 * how much of a guessed token was right.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** Options of {@link requireBearer}. */
export interface BearerOptions {
  /**
   * Accept `?token=` when no `Authorization` header is sent. Only for WebSocket upgrades (browsers cannot
   * set their headers): a token in a URL ends up in logs and history, so every other route refuses it.
   */
  allowQueryToken?: boolean;
}

/** Hono middleware requiring `Authorization: Bearer <token>`; answers 401 with a JSON reason otherwise. */
export function requireBearer(token: string, options: BearerOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization");
    let given = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    if (given === undefined && header === undefined && c.req.query("token") !== undefined) {
      if (!options.allowQueryToken) {
        return c.json({ error: "unauthorized", reason: "a ?token= query is accepted only on /stream: send Authorization: Bearer" }, 401);
      }
      given = c.req.query("token");
    }
    if (given === undefined) return c.json({ error: "unauthorized", reason: "missing bearer token" }, 401);
    if (!constantTimeEqual(given, token)) return c.json({ error: "unauthorized", reason: "wrong token" }, 401);
    await next();
  };
}
