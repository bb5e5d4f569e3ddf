/**
 * `Cache-Control: no-store` on every JSON answer of the API: they carry live trading state (positions,
 * limits, the kill switch) and, behind the token, nothing a browser, proxy or shared cache may keep or
 * replay. Set after the route (and the error handler) ran, so refusals and errors are covered too; a
 * route that chose its own cache policy keeps it.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";

/** Middleware adding `cache-control: no-store` to every `application/json` answer that has no cache policy. */
export function noStoreJson(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (/^application\/(?:[\w.+-]*\+)?json\b/i.test(type) && !c.res.headers.has("cache-control")) {
      try {
        c.res.headers.set("cache-control", "no-store");
      } catch {
        // Immutable headers (a fetched Response passed through): copy the answer with the header added.
        const res = new Response(c.res.body, c.res);
        res.headers.set("cache-control", "no-store");
        c.res = res;
      }
    }
  };
}
