/**
 * {@link HttpServing} on Node: `@hono/node-server` with `@hono/node-ws` for WebSockets.
 *
 * @module
 */

import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { HttpServerHandle, HttpServing, ListenOptions, AppBuilder } from "./types.ts";

/** Serves with @hono/node-server. */
export const nodeServing: HttpServing = {
  serve(build: AppBuilder, options: ListenOptions): Promise<HttpServerHandle> {
    const app = new Hono();
    const ws = createNodeWebSocket({ app });
    build(app, ws.upgradeWebSocket);
    return new Promise((resolve, reject) => {
      const server = serve({ fetch: app.fetch, hostname: options.hostname, port: options.port }, (info: AddressInfo) => {
        resolve({
          port: info.port,
          hostname: options.hostname,
          close: () => new Promise<void>((done) => {
            (server as Server).closeAllConnections?.();
            for (const client of ws.wss.clients) client.terminate();
            server.close(() => done());
          }),
        });
      }) as Server;
      server.once("error", reject);
      ws.injectWebSocket(server);
    });
  },
};
