/**
 * The Deno platform: Deno's own sockets (`Deno.listen`/`Deno.connect`) for the relay, `Deno.Command`
 * for services, `Deno.serve` + `hono/deno` for HTTP, the native `WebSocket` for venues. Every
 * implementation is imported on first use only; this module touches the `Deno` global only when
 * {@link denoPlatform} is called, so Node can load it without harm.
 *
 * @module
 */

import { nativeWebSocketConnector, WEBSOCKET_CONNECTOR } from "../../adapters/common/ws.ts";
import { HTTP_SERVING } from "../../api/serve/types.ts";
import { bindService, createPlatform, type Platform } from "../../core/platform.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { TRANSPORT } from "../../relay/transport/types.ts";
import { PROCESS_SPAWNER } from "../../runtime/process/types.ts";
import { denoRunArgs } from "./deno-flags.ts";

/** The part of the global `Deno` namespace read here. */
interface DenoGlobal {
  readonly version: { readonly deno: string };
  execPath(): string;
}

/** An `unhandledrejection` event (Deno and browsers). */
interface RejectionEvent extends Event {
  readonly reason: unknown;
}

/** Assembles the platform of a Deno process (entry points call `selectPlatform()` of `select.ts` instead). */
export function denoPlatform(): Platform {
  const deno = (globalThis as unknown as { Deno: DenoGlobal }).Deno;
  return createPlatform({
    runtime: "deno",
    label: `deno ${deno.version.deno}`,
    execPath: deno.execPath(),
    scriptArgs: (_fromSources, options) => denoRunArgs(options),
    onUnhandledRejection(note) {
      const onEvent = (e: Event) => {
        e.preventDefault();
        note((e as RejectionEvent).reason);
      };
      globalThis.addEventListener("unhandledrejection", onEvent);
      return () => globalThis.removeEventListener("unhandledrejection", onEvent);
    },
    services: [
      bindService(TRANSPORT, async () => (await import("../../relay/transport/local.ts")).withLocal((await import("../../relay/transport/deno.ts")).denoTransport)),
      bindService(THREADS, async () => (await import("../../relay/transport/threads-deno.ts")).denoThreads),
      bindService(PROCESS_SPAWNER, async () => (await import("../../runtime/process/deno.ts")).denoSpawner),
      bindService(HTTP_SERVING, async () => (await import("../../api/serve/deno.ts")).denoServing),
      bindService(WEBSOCKET_CONNECTOR, async () => nativeWebSocketConnector()),
    ],
  });
}
