/**
 * Entry script of a worker thread for the ring tests (installs the platform, as every entry does).
 * It first posts `{ started: true }` (the parent waits for it before telling it anything); the parent's
 * first message on the link then says what to be:
 * - `{ mode: "echo", name }`: listen on ring `name`, serve the link as its route, echo every byte;
 * - `{ mode: "throw" }`: throw an uncaught error (the thread must end alone);
 * - `{ mode: "flood", name, frameBytes }`: connect to ring `name` over the link (the parent serves it)
 *   and write length-prefixed frames, each one write batch of two chunks, until terminated;
 * - `{ mode: "flood-random", name, seed, maxFrame, ringBytes }`: the same with frame sizes 1..maxFrame drawn
 *   from `new Rng(seed)` (the parent draws the same), each frame written as one to three separate `write`
 *   calls split at drawn points — so a frame may be torn across batches when the thread dies.
 */
import { installRuntimePlatform } from "../../../app/platform/select.ts";
import { Rng } from "../../../core/prng.ts";
import { platform } from "../../../core/platform.ts";
import { addRingRoute, serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS } from "../../../relay/transport/threads.ts";
import { TRANSPORT } from "../../../relay/transport/types.ts";

installRuntimePlatform();
const link = await (await platform().load(THREADS)).parentLink();
const transport = await platform().load(TRANSPORT);

link.onmessage = async (e: MessageEvent) => {
  const m = e.data as { mode: string; name: string; frameBytes?: number; ringBytes?: number; seed?: number; maxFrame?: number };
  if (m.mode === "throw") {
    setTimeout(() => {
      throw new Error("ring-thread: thrown on purpose");
    }, 0);
  } else if (m.mode === "echo") {
    await transport.listen({ kind: "ring", name: m.name }, (conn) => {
      conn.setHandlers({ data: (c) => conn.write([c]), close: () => {} });
    });
    serveRingPort(link);
    link.postMessage({ ready: true });
  } else if (m.mode === "flood") {
    addRingRoute(m.name, link);
    const conn = await transport.connect({ kind: "ring", name: m.name, ringBytes: m.ringBytes ?? 4096 });
    conn.setHandlers({ data: () => {}, close: () => {} });
    const n = m.frameBytes ?? 100;
    let k = 0;
    const burst = (): void => {
      for (let i = 0; i < 50 && conn.pendingBytes < 64 * 1024; i++) {
        const head = new Uint8Array(4);
        new DataView(head.buffer).setUint32(0, n);
        const body = new Uint8Array(n).fill(k++ & 0xff);
        conn.write([head, body]);
      }
      setTimeout(burst, 0);
    };
    burst();
  } else if (m.mode === "flood-random") {
    addRingRoute(m.name, link);
    const conn = await transport.connect({ kind: "ring", name: m.name, ringBytes: m.ringBytes ?? 4096 });
    conn.setHandlers({ data: () => {}, close: () => {} });
    const rng = new Rng(m.seed ?? 1);
    let k = 0;
    const burst = (): void => {
      for (let i = 0; i < 50 && conn.pendingBytes < 64 * 1024; i++) {
        const n = rng.int(1, m.maxFrame ?? 1000);
        const frame = new Uint8Array(4 + n).fill(k++ & 0xff);
        new DataView(frame.buffer).setUint32(0, n);
        const cuts = [0, rng.int(0, frame.length), rng.int(0, frame.length), frame.length].sort((a, b) => a - b);
        for (let c = 0; c < 3; c++) if (cuts[c + 1]! > cuts[c]!) conn.write([frame.subarray(cuts[c], cuts[c + 1])]);
      }
      setTimeout(burst, 0);
    };
    burst();
  }
};
// Say so once the handler is in place: a message the parent posted before could be lost while the link was
// still on its way into this thread (seen on loaded Deno runs as an echo test that never began).
link.postMessage({ started: true });
