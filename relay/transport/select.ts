/**
 * Picks the {@link Transport} of the running runtime: Deno's own sockets under Deno, `node:net` on Node.
 *
 * @example
 * ```ts
 * const transport = await selectTransport();
 * const conn = await transport.connect({ kind: "unix", path: "/run/user/1000/alphapulse/market-data.sock" });
 * ```
 * @module
 */

import type { Transport } from "./types.ts";

/** True when running under Deno. */
export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
}

let chosen: Promise<Transport> | undefined;

/** The transport for this runtime (loaded once; only the chosen implementation is imported). */
export function selectTransport(): Promise<Transport> {
  chosen ??= isDeno()
    ? import("./deno.ts").then((m) => m.denoTransport)
    : import("./node.ts").then((m) => m.nodeTransport);
  return chosen;
}
