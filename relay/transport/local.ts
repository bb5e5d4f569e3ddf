/**
 * The platform's relay transport: a socket transport (`node.ts` or `deno.ts`) that also takes the
 * endpoints that never leave the host — `{ kind: "ring" }` between threads (`ring-transport.ts`) and
 * `{ kind: "inproc" }` within one event loop (`inproc.ts`).
 *
 * @example
 * ```ts
 * bindService(TRANSPORT, async () => withLocal(nodeTransport));
 * ```
 * @module
 */

import { inprocTransport } from "./inproc.ts";
import { withRing } from "./ring-transport.ts";
import type { Transport } from "./types.ts";

/** `base` (a socket transport) that also takes ring and in-process endpoints; keeps `base`'s name. */
export function withLocal(base: Transport): Transport {
  const ringed = withRing(base);
  return {
    name: base.name,
    listen: (e, on) => (e.kind === "inproc" ? inprocTransport.listen(e, on) : ringed.listen(e, on)),
    connect: (e) => (e.kind === "inproc" ? inprocTransport.connect(e) : ringed.connect(e)),
  };
}
