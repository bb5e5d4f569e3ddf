/**
 * DNS-rebinding defence: every request must name the API's own address in `Host` (and, when a browser
 * sends one, in `Origin`). A page on another site whose name was re-pointed at 127.0.0.1 sends its own
 * name in both, so it can read nothing — not even `/health` or `/metrics`.
 *
 * Accepted names: `127.0.0.1`, `localhost`, `[::1]`, the configured host and any extra names, each with
 * the port the API listens on (an extra name given with a port matches only that port).
 *
 * @example
 * ```ts
 * app.use("*", requireKnownHost({ host: "127.0.0.1", port: () => server.port, extraHosts: [] }));
 * ```
 * @module
 */

import type { MiddlewareHandler } from "hono";

/** Where the API listens and which other names it answers to. */
export interface HostPolicy {
  /** Configured listen host (`127.0.0.1`, `::1`, a name). */
  host: string;
  /** Bound port (known only once listening, hence a function). */
  port: () => number | undefined;
  /** Extra names, `name` or `name:port`. */
  extraHosts?: readonly string[];
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The lower-case `name:port` forms a request may carry for `policy`. */
export function allowedHostNames(policy: HostPolicy): Set<string> {
  const port = policy.port();
  const out = new Set<string>();
  const names = ["127.0.0.1", "localhost", "[::1]", bracketed(policy.host)];
  for (const n of names) out.add(`${n.toLowerCase()}:${port}`);
  for (const extra of policy.extraHosts ?? []) {
    const e = extra.toLowerCase();
    out.add(/:\d+$/.test(e) && !e.endsWith("]") ? e : `${bracketed(e)}:${port}`);
  }
  return out;
}

/**
 * Hono middleware: 421 when `Host` is missing or not one of the API's names, 403 when an `Origin` is
 * present and is not `http(s)://` one of them.
 */
export function requireKnownHost(policy: HostPolicy): MiddlewareHandler {
  return async (c, next) => {
    const allowed = allowedHostNames(policy);
    const host = c.req.header("host")?.toLowerCase();
    if (!host || !allowed.has(host)) {
      return c.json({ error: "misdirected request", reason: `Host ${JSON.stringify(host ?? "")} is not this API's address` }, 421);
    }
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        const u = new URL(origin);
        if (u.protocol === "http:" || u.protocol === "https:") originHost = u.host.toLowerCase();
      } catch {
        originHost = undefined;
      }
      // URL drops a default port (:80/:443); the API's names always carry theirs.
      const withPort = originHost && !/:\d+$/.test(originHost) ? `${originHost}:${origin.startsWith("https:") ? 443 : 80}` : originHost;
      if (!withPort || !allowed.has(withPort)) {
        return c.json({ error: "forbidden", reason: `Origin ${JSON.stringify(origin)} is not this API's address` }, 403);
      }
    }
    await next();
  };
}
