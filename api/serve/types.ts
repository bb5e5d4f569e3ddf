/**
 * One interface for serving a Hono app over HTTP with WebSockets, one implementation per runtime:
 * `Deno.serve` + `hono/deno` on Deno, `@hono/node-server` + `@hono/node-ws` on Node; chosen once by the
 * entry point (`app/platform/`) and reached with `platform().load(HTTP_SERVING)`.
 *
 * @module
 */

import type { Hono } from "hono";
import { platformService, type PlatformService } from "../../core/platform.ts";
import type { UpgradeWebSocket } from "hono/ws";

/** A listening server. */
export interface HttpServerHandle {
  /** Bound port (useful when 0 was asked for). */
  readonly port: number;
  /** Bound host. */
  readonly hostname: string;
  /** Stops accepting, closes open connections, resolves when done. */
  close(): Promise<void>;
}

/** Where to listen. */
export interface ListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
}

/** Registers routes on the app, given the runtime's WebSocket upgrader. */
export type AppBuilder = (app: Hono, upgradeWebSocket: UpgradeWebSocket) => void;

/** Serves a Hono app on the current runtime. */
export interface HttpServing {
  serve(build: AppBuilder, options: ListenOptions): Promise<HttpServerHandle>;
}

/** The key of HTTP serving in the installed platform: `await platform().load(HTTP_SERVING)`. */
export const HTTP_SERVING: PlatformService<HttpServing> = platformService<HttpServing>("HTTP serving (api/serve/)");
