/**
 * Ring connections (relay/transport/ring-connection.ts, ring-transport.ts) within one thread and
 * across a real worker thread: the socket contract of relay/transport/types.ts — order, fresh chunks,
 * back-pressure that holds bytes instead of losing them, `drain`, `close` once on both sides, refused
 * connects — and a producer thread killed mid-stream leaving whole frames only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { platform } from "../../../core/platform.ts";
import { addRingRoute, removeRingRoute, RingConnectError, ringTransport, serveRingPort } from "../../../relay/transport/ring-transport.ts";
import { THREADS, type WorkerThread } from "../../../relay/transport/threads.ts";
import { TRANSPORT, type Connection, type Listener } from "../../../relay/transport/types.ts";
import { gather } from "./gather.ts";
import { until } from "../helpers.ts";


const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pair(name: string, ringBytes: number, spinMicros = 0): Promise<{ a: Connection; b: Connection }> {
  let b: Connection | undefined;
  const l: Listener = await ringTransport.listen({ kind: "ring", name, spinMicros }, (c) => (b = c));
  cleanups.push(() => l.close());
  const a = await ringTransport.connect({ kind: "ring", name, ringBytes, spinMicros });
  await until(() => b !== undefined, 5000, "accept");
  return { a, b: b! };
}

describe("ring connection, one thread", () => {
  it("the platform transport takes ring endpoints next to sockets", async () => {
    const t = await platform().load(TRANSPORT);
    let got: Connection | undefined;
    const l = await t.listen({ kind: "ring", name: "plat" }, (c) => (got = c));
    cleanups.push(() => l.close());
    const c = await t.connect({ kind: "ring", name: "plat" });
    await until(() => got !== undefined, 5000, "accept");
    expect(c.peer).toBe("ring:plat");
    c.close(true);
    got!.close(true);
  });

  it("refuses a connect nobody listens for, with ECONNREFUSED", async () => {
    await expect(ringTransport.connect({ kind: "ring", name: "nobody" })).rejects.toMatchObject({ name: "RingConnectError", code: "ECONNREFUSED" });
    await expect(ringTransport.connect({ kind: "ring", name: "nobody" })).rejects.toBeInstanceOf(RingConnectError);
  });

  it("holds what a full ring cannot take (pendingBytes), loses nothing, drains in order", async () => {
    const { a, b } = await pair("bp", 256);
    const sa = gather(a);
    b.pause();
    const sb = gather(b);
    const sent: number[] = [];
    for (let i = 0; i < 100; i++) {
      const m = new Uint8Array(37).fill(i);
      a.write([m.subarray(0, 10), m.subarray(10)]);
      sent.push(...m);
    }
    expect(a.pendingBytes).toBeGreaterThan(3700 - 256 - 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(sb.bytes.length).toBe(0);
    b.resume();
    await until(() => sb.bytes.length === sent.length, 10_000, "all bytes");
    expect(sb.bytes).toEqual(sent);
    await until(() => a.pendingBytes === 0 && sa.drains > 0, 5000, "drain");
    // Received chunks stay as they were after the ring was rewritten many times.
    const again = sb.chunks.flatMap((c) => Array.from(c));
    expect(again).toEqual(sent);
  });

  it("a batch larger than the whole ring goes through in pieces", async () => {
    const { a, b } = await pair("big", 64);
    const sb = gather(b);
    gather(a);
    const big = new Uint8Array(10_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    a.write([big]);
    await until(() => sb.bytes.length === big.length, 10_000, "big batch");
    expect(sb.bytes).toEqual(Array.from(big));
  });

  it("says drain after writes that went straight into the ring, once per burst, as a socket does", async () => {
    const { a, b } = await pair("drain-direct", 4096);
    const sa = gather(a);
    gather(b);
    for (let i = 0; i < 5; i++) a.write([new Uint8Array(10).fill(i)]);
    expect(a.pendingBytes).toBe(0);
    expect(sa.drains).toBe(0); // never inside write()
    await until(() => sa.drains === 1, 10_000, "drain after the burst");
    await new Promise((r) => setTimeout(r, 20));
    expect(sa.drains).toBe(1);
    a.close(true);
  });

  it("never says drain from inside write, also when a write empties a backlog the reader just made room for", async () => {
    // The relay's outbox hands a batch over and only then forgets it: a drain fired from inside that
    // write re-entered it and wrote the batch twice (duplicates, counted twice, in threads e2e runs).
    const { a, b } = await pair("drain-reentry", 256);
    const sa = gather(a);
    b.pause();
    const sb = gather(b);
    a.write([new Uint8Array(200).fill(1)]);
    a.write([new Uint8Array(200).fill(2)]); // does not fit: waits in the queue
    expect(a.pendingBytes).toBe(200);
    b.resume(); // the reader takes the first batch at once, freeing the ring ...
    b.pause();
    expect(sb.bytes.length).toBe(200);
    let inWrite = false;
    let drainsInWrite = 0;
    const drains = sa.drains;
    a.setHandlers({ data: () => {}, drain: () => void (inWrite && drainsInWrite++, sa.drains++), close: (e) => sa.closes.push(e) });
    inWrite = true;
    a.write([new Uint8Array(20).fill(3)]); // ... before its wake-up reached the writer: this write flushes everything
    inWrite = false;
    expect(a.pendingBytes).toBe(0);
    expect(drainsInWrite).toBe(0);
    await until(() => sa.drains > drains, 10_000, "drain after the backlog went");
    b.resume();
    await until(() => sb.bytes.length === 420, 10_000, "every byte once");
    expect(sb.bytes.slice(200, 400).every((x) => x === 2) && sb.bytes.slice(400).every((x) => x === 3)).toBe(true);
    a.close(true);
  });

  it("an orderly close delivers everything first, then closes both sides exactly once", async () => {
    const { a, b } = await pair("close", 128);
    const sa = gather(a);
    const sb = gather(b);
    for (let i = 0; i < 20; i++) a.write([new Uint8Array(50).fill(i)]);
    a.close();
    a.close();
    await until(() => sb.closes.length === 1 && sa.closes.length === 1, 10_000, "both closed");
    expect(sb.bytes.length).toBe(1000);
    expect(sb.closes[0]).toBeUndefined();
    expect(a.closed && b.closed).toBe(true);
    a.write([new Uint8Array(5)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(sa.closes.length + sb.closes.length).toBe(2);
  });

  it("works with a bounded spin before parking", async () => {
    const { a, b } = await pair("spin", 1024, 50);
    const sb = gather(b);
    gather(a);
    for (let i = 0; i < 200; i++) a.write([new Uint8Array(20).fill(i)]);
    await until(() => sb.bytes.length === 4000, 10_000, "bytes with spin");
    a.close(true);
  });
});

/** How long a worker thread may take to start (a cold start compiles the platform's modules). */
const WORKER_START_MS = 100_000;

describe("ring connection, across worker threads", { timeout: 150_000 }, () => {
  async function startThread(): Promise<{ port: MessagePort; thread: WorkerThread }> {
    const threads = await platform().load(THREADS);
    const { port1, port2 } = new MessageChannel();
    const thread = threads.start(new URL("./ring-thread.ts", import.meta.url), port2, "ring-test");
    cleanups.push(async () => {
      port1.close();
      await thread.terminate();
    });
    // The thread says when it listens on the link; only then is anything sent to it. The first worker of a
    // run compiles the platform's modules: on a loaded machine (load ~20 on 2 cores) that took over 30 s.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ring test worker did not start within ${WORKER_START_MS} ms`)), WORKER_START_MS);
      port1.onmessage = (e: MessageEvent) => {
        if ((e.data as { started?: boolean } | undefined)?.started === true) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    port1.onmessage = null;
    return { port: port1, thread };
  }

  it("echoes a stream through a relay-like listener in another thread, in order", async () => {
    const { port } = await startThread();
    const ready = new Promise((r) => (port.onmessage = r));
    port.postMessage({ mode: "echo", name: "echo-x" });
    await ready;
    addRingRoute("echo-x", port);
    cleanups.push(() => removeRingRoute("echo-x"));
    const c = await (await platform().load(TRANSPORT)).connect({ kind: "ring", name: "echo-x", ringBytes: 1024 });
    const sc = gather(c);
    const sent: number[] = [];
    for (let i = 0; i < 500; i++) {
      const m = new Uint8Array(1 + (i % 97)).fill(i & 0xff);
      c.write([m]);
      sent.push(...m);
    }
    await until(() => sc.bytes.length >= sent.length, 20_000, "echo");
    expect(sc.bytes).toEqual(sent);
    c.close();
    await until(() => sc.closes.length === 1, 10_000, "close");
  });

  it("an uncaught error ends that worker only: exited reports it, this thread and its rings go on", async () => {
    const { port, thread } = await startThread();
    const { a, b } = await pair("survivor", 1024);
    const sb = gather(b);
    gather(a);
    port.postMessage({ mode: "throw" });
    const exit = await thread.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.error?.message ?? "").toContain("thrown on purpose");
    a.write([new Uint8Array(10).fill(7)]);
    await until(() => sb.bytes.length === 10, 10_000, "bytes after the worker died");
  });

  it("a connect to a name the other thread does not listen on is refused", async () => {
    const { port } = await startThread();
    const ready = new Promise((r) => (port.onmessage = r));
    port.postMessage({ mode: "echo", name: "echo-y" });
    await ready;
    addRingRoute("echo-z", port);
    cleanups.push(() => removeRingRoute("echo-z"));
    await expect(ringTransport.connect({ kind: "ring", name: "echo-z" })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("a producer thread killed mid-stream: the reader sees whole frames only, then a close", async () => {
    let conn: Connection | undefined;
    const l = await ringTransport.listen({ kind: "ring", name: "flood" }, (c) => (conn = c));
    cleanups.push(() => l.close());
    const { port, thread } = await startThread();
    serveRingPort(port);
    port.postMessage({ mode: "flood", name: "flood", frameBytes: 333, ringBytes: 4096 });
    await until(() => conn !== undefined, 20_000, "flood connection");
    const st = gather(conn!);
    await until(() => st.bytes.length > 50_000, 20_000, "some frames");
    await thread.terminate();
    await until(() => st.closes.length === 1, 20_000, "close after the producer thread ended");
    // Parse: length-prefixed frames, each whole.
    const bytes = Uint8Array.from(st.bytes);
    const dv = new DataView(bytes.buffer);
    let at = 0;
    let frames = 0;
    while (at < bytes.length) {
      expect(bytes.length - at).toBeGreaterThanOrEqual(4);
      const n = dv.getUint32(at);
      expect(n).toBe(333);
      expect(bytes.length - at - 4).toBeGreaterThanOrEqual(n);
      const fill = bytes[at + 4];
      for (let i = 0; i < n; i++) if (bytes[at + 4 + i] !== fill) throw new Error(`frame ${frames} torn at byte ${i}`);
      expect(fill).toBe(frames & 0xff);
      at += 4 + n;
      frames++;
    }
    expect(at).toBe(bytes.length);
    expect(frames).toBeGreaterThan(100);
  });
});
