/**
 * {@link HttpServing} on Deno: `Deno.serve` with `hono/deno`'s WebSocket upgrader.
 *
 * @module
 */

import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { HttpServerHandle, HttpServing, ListenOptions, AppBuilder } from "./types.ts";

interface DenoServeApi {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void; signal?: AbortSignal },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
}

/** Serves with Deno.serve. */
export const denoServing: HttpServing = {
  serve(build: AppBuilder, options: ListenOptions): Promise<HttpServerHandle> {
    const Deno = (globalThis as unknown as { Deno: DenoServeApi }).Deno;
    const app = new Hono();
    build(app, upgradeWebSocket);
    return new Promise((resolve, reject) => {
      try {
        const controller = new AbortController();
        const server = Deno.serve(
          {
            hostname: options.hostname,
            port: options.port,
            signal: controller.signal,
            onListen: (addr) => resolve({
              port: addr.port,
              hostname: options.hostname,
              close: async () => {
                controller.abort();
                await server.finished;
              },
            }),
          },
          (req, info) => app.fetch(req, info),
        );
      } catch (e) {
        reject(e);
      }
    });
  },
};
