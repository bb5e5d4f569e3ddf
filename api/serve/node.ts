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
import type { Duplex } from "node:stream";
import type { HttpServerHandle, HttpServing, ListenOptions, AppBuilder } from "./types.ts";

/** Largest WebSocket frame a client may send. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** Serves with @hono/node-server. */
export const nodeServing: HttpServing = {
  serve(build: AppBuilder, options: ListenOptions): Promise<HttpServerHandle> {
    const app = new Hono();
    const ws = createNodeWebSocket({ app });
    // `/stream` only sends: a client's frames are never large (ws's default would buffer up to 100 MiB).
    (ws.wss.options as { maxPayload?: number }).maxPayload = MAX_CLIENT_FRAME_BYTES;
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
      // Node takes its own error handler off an upgrading socket; until ws adopts it (after the route
      // answered), a client resetting the connection would raise an uncaught 'error' and end the process.
      server.on("upgrade", (_req, socket: Duplex) => {
        socket.on("error", () => socket.destroy());
      });
      ws.injectWebSocket(server);
    });
  },
};
