/**
 * Entry script of a worker thread for the ring tests (installs the platform, as every entry does).
 * It first posts `{ started: true }` (the parent waits for it before telling it anything); the parent's
 * first message on the link then says what to be:
 * - `{ mode: "echo", name }`: listen on ring `name`, serve the link as its route, echo every byte;
 * - `{ mode: "throw" }`: throw an uncaught error (the thread must end alone);
 * - `{ mode: "flood", name, frameBytes }`: connect to ring `name` over the link (the parent serves it)
 *   and write length-prefixed frames, each one write batch of two chunks, until terminated.
 */
import { installRuntimePlatform } from "../../../app/platform/select.ts";
import { platform } from "../../../core/platform.ts";
import { addRingRoute, serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS } from "../../../relay/transport/threads.ts";
import { TRANSPORT } from "../../../relay/transport/types.ts";

installRuntimePlatform();
const link = await (await platform().load(THREADS)).parentLink();
const transport = await platform().load(TRANSPORT);

link.onmessage = async (e: MessageEvent) => {
  const m = e.data as { mode: string; name: string; frameBytes?: number; ringBytes?: number };
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
  }
};
// Say so once the handler is in place: a message the parent posted before could be lost while the link was
// still on its way into this thread (seen on loaded Deno runs as an echo test that never began).
link.postMessage({ started: true });
