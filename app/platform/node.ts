/**
 * The Node platform: `node:net` sockets for the relay, `node:child_process` for services,
 * `@hono/node-server` for HTTP, the `ws` package for venue WebSockets. Every implementation is imported
 * on first use only, so a command that needs none of them loads none of them.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { nodeWebSocketConnector, WEBSOCKET_CONNECTOR } from "../../adapters/common/ws.ts";
import { HTTP_SERVING } from "../../api/serve/types.ts";
import { bindService, createPlatform, type Platform } from "../../core/platform.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { TRANSPORT } from "../../relay/transport/types.ts";
import { PROCESS_SPAWNER } from "../../runtime/process/types.ts";
import { nodePermissionArgs } from "./node-permission-flags.ts";

/** Assembles the platform of a Node process (entry points call `selectPlatform()` of `select.ts` instead). */
export function nodePlatform(): Platform {
  return createPlatform({
    runtime: "node",
    label: `node ${process.version}`,
    execPath: process.execPath,
    // Grants: Node's permission model on Node ≥ 22 (node-permission-flags.ts, docs/SECURITY.md); preload modules load after tsx so they may be TypeScript.
    scriptArgs: (fromSources, options) => [
      ...(options?.heapLimitMb !== undefined ? [`--max-old-space-size=${options.heapLimitMb}`] : []),
      ...nodePermissionArgs(options, fromSources), ...(fromSources ? ["--import", "tsx"] : []), ...(options?.preload ?? []).flatMap((p) => ["--import", pathToFileURL(p).href]),
    ],
    onUnhandledRejection(note) {
      process.on("unhandledRejection", note);
      return () => process.off("unhandledRejection", note);
    },
    services: [
      bindService(TRANSPORT, async () => (await import("../../relay/transport/local.ts")).withLocal((await import("../../relay/transport/node.ts")).nodeTransport)),
      bindService(THREADS, async () => (await import("../../relay/transport/threads-node.ts")).nodeThreads),
      bindService(PROCESS_SPAWNER, async () => (await import("../../runtime/process/node.ts")).nodeSpawner),
      bindService(HTTP_SERVING, async () => (await import("../../api/serve/node.ts")).nodeServing),
      bindService(WEBSOCKET_CONNECTOR, () => nodeWebSocketConnector()),
    ],
  });
}
