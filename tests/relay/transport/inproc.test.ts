/**
 * In-process connections (relay/transport/inproc.ts): the socket contract of relay/transport/types.ts
 * within one event loop — order, every write of a tick delivered together and never inside `write`,
 * back-pressure of a paused reader seen as the writer's `pendingBytes` with `drain` once it empties,
 * `close` once on both sides after an orderly close delivered everything, abort, refused connects with
 * a typed error — and a property test of random write/pause/resume sequences.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { platform } from "../../../core/platform.ts";
import { INPROC_BUFFER_BYTES, InprocConnectError, inprocConnections, InprocNameInUseError, InprocPeerGoneError, inprocTransport } from "../../../relay/transport/inproc.ts";
import { formatEndpoint, TRANSPORT, type Connection, type Listener } from "../../../relay/transport/types.ts";
import { gather } from "./gather.ts";
import { until } from "../helpers.ts";

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let names = 0;
async function pair(): Promise<{ a: Connection; b: Connection; name: string }> {
  const name = `inproc-test-${names++}`;
  let b: Connection | undefined;
  const l: Listener = await inprocTransport.listen({ kind: "inproc", name }, (c) => (b = c));
  cleanups.push(() => l.close());
  const a = await inprocTransport.connect({ kind: "inproc", name });
  await until(() => b !== undefined, 5000, "accept");
  return { a, b: b!, name };
}

describe("in-process connection", () => {
  it("the platform transport takes inproc endpoints next to sockets and rings", async () => {
    const t = await platform().load(TRANSPORT);
    let got: Connection | undefined;
    const l = await t.listen({ kind: "inproc", name: "plat" }, (c) => (got = c));
    cleanups.push(() => l.close());
    const c = await t.connect({ kind: "inproc", name: "plat" });
    await until(() => got !== undefined, 5000, "accept");
    expect(c.peer).toBe("inproc:plat");
    expect(formatEndpoint({ kind: "inproc", name: "plat" })).toBe("inproc:plat");
    expect(inprocConnections("plat")).toBe(1);
    c.close(true);
    await until(() => inprocConnections("plat") === 0, 5000, "the listener's count to fall");
  });

  it("refuses a connect nobody listens for with a typed ECONNREFUSED, and a second listener on a name", async () => {
    await expect(inprocTransport.connect({ kind: "inproc", name: "nobody" })).rejects.toBeInstanceOf(InprocConnectError);
    await expect(inprocTransport.connect({ kind: "inproc", name: "nobody" })).rejects.toMatchObject({ code: "ECONNREFUSED", endpointName: "nobody" });
    const { name } = await pair();
    await expect(inprocTransport.listen({ kind: "inproc", name }, () => {})).rejects.toBeInstanceOf(InprocNameInUseError);
  });

  it("delivers every write of a tick together, in order, after write returned and before the next turn", async () => {
    const { a, b } = await pair();
    gather(a);
    let inWrite = false;
    const seen: { bytes: number[]; during: boolean[] } = { bytes: [], during: [] };
    b.setHandlers({
      data: (c) => {
        seen.during.push(inWrite);
        seen.bytes.push(...c);
      },
      close: () => {},
    });
    const reused: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      inWrite = true;
      reused.length = 0;
      reused.push(new Uint8Array([i, i]), new Uint8Array([100 + i]));
      a.write(reused); // the writer's array is reused at once, as the relay does
      inWrite = false;
    }
    expect(seen.bytes).toEqual([]);
    await nextTurn();
    expect(seen.bytes).toEqual(Array.from({ length: 10 }, (_, i) => [i, i, 100 + i]).flat());
    expect(seen.during.every((d) => !d)).toBe(true);
  });

  it("a paused reader holds the writes as the writer's pendingBytes; resume delivers them in order and drains", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    b.pause();
    const sb = gather(b);
    const sent: number[] = [];
    for (let i = 0; i < 100; i++) {
      const m = new Uint8Array(37).fill(i);
      a.write([m.subarray(0, 10), m.subarray(10)]);
      sent.push(...m);
    }
    expect(a.pendingBytes).toBe(3700);
    await new Promise((r) => setTimeout(r, 50));
    expect(sb.bytes.length).toBe(0);
    expect(a.pendingBytes).toBe(3700);
    const drainsBefore = sa.drains;
    b.resume();
    await until(() => sb.bytes.length === sent.length, 10_000, "all bytes");
    expect(sb.bytes).toEqual(sent);
    expect(a.pendingBytes).toBe(0);
    expect(sa.drains).toBeGreaterThan(drainsBefore);
  });

  it("a pause inside data stops delivery at once; what is left waits for resume", async () => {
    const { a, b } = await pair();
    gather(a);
    const got: number[] = [];
    b.setHandlers({
      data: (c) => {
        got.push(c[0]!);
        if (got.length === 3) b.pause();
      },
      close: () => {},
    });
    for (let i = 0; i < 10; i++) a.write([new Uint8Array([i])]);
    await nextTurn();
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([0, 1, 2]);
    expect(a.pendingBytes).toBe(7);
    b.resume();
    await until(() => got.length === 10, 5000, "the rest");
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("more than a socket buffer written in one tick is pending until taken, then drains", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    const sb = gather(b);
    const big = new Uint8Array(INPROC_BUFFER_BYTES + 1);
    a.write([big]);
    expect(a.pendingBytes).toBe(big.length);
    await until(() => sb.chunks.length === 1 && sa.drains > 0, 5000, "delivery and drain");
    expect(sb.chunks[0]).toBe(big);
    expect(a.pendingBytes).toBe(0);
  });

  it("an orderly close delivers everything first, then closes both sides exactly once without error", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    const sb = gather(b);
    for (let i = 0; i < 20; i++) a.write([new Uint8Array(50).fill(i)]);
    a.close();
    a.close();
    await until(() => sb.closes.length === 1 && sa.closes.length === 1, 10_000, "both closed");
    expect(sb.bytes.length).toBe(1000);
    expect(sb.closes[0]).toBeUndefined();
    expect(sa.closes[0]).toBeUndefined();
    expect(a.closed && b.closed).toBe(true);
    a.write([new Uint8Array(5)]);
    b.write([new Uint8Array(5)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(sa.closes.length + sb.closes.length).toBe(2);
    expect(sa.bytes.length).toBe(0);
  });

  it("an orderly close toward a paused reader waits for it, delivering everything on resume", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    b.pause();
    const sb = gather(b);
    a.write([new Uint8Array(64).fill(7)]);
    a.close();
    await new Promise((r) => setTimeout(r, 30));
    expect(sa.closes.length + sb.closes.length).toBe(0);
    b.resume();
    await until(() => sb.closes.length === 1 && sa.closes.length === 1, 10_000, "both closed");
    expect(sb.bytes).toEqual(new Array(64).fill(7));
    expect(sb.closes[0]).toBeUndefined();
  });

  it("an abort closes at once; the peer delivers what it was handed and closes with InprocPeerGoneError", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    const sb = gather(b);
    a.write([new Uint8Array([1, 2, 3])]);
    a.close(true);
    expect(a.closed).toBe(true);
    expect(a.pendingBytes).toBe(0);
    await until(() => sb.closes.length === 1 && sa.closes.length === 1, 10_000, "both closed");
    expect(sb.bytes).toEqual([1, 2, 3]);
    expect(sb.closes[0]).toBeInstanceOf(InprocPeerGoneError);
    expect(sa.closes[0]).toBeUndefined();
  });

  it("a reader closing inside its data handler stops delivery and both sides close once", async () => {
    const { a, b } = await pair();
    const sa = gather(a);
    const got: number[] = [];
    const closes: (Error | undefined)[] = [];
    b.setHandlers({
      data: (c) => {
        got.push(c[0]!);
        b.close();
      },
      close: (e) => closes.push(e),
    });
    for (let i = 0; i < 5; i++) a.write([new Uint8Array([i])]);
    await until(() => closes.length === 1 && sa.closes.length === 1, 5000, "both closed");
    expect(got).toEqual([0]);
  });

  it("random writes, pauses and resumes deliver every byte in order and end with nothing pending (property)", async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant("write" as const), sizes: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 4 }) }),
      fc.record({ op: fc.constant("pause" as const) }),
      fc.record({ op: fc.constant("resume" as const) }),
      fc.record({ op: fc.constant("turn" as const) }),
      fc.record({ op: fc.constant("pauseInData" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const { a, b } = await pair();
        const sa = gather(a);
        const got: number[] = [];
        let pauseNext = false;
        b.setHandlers({
          data: (c) => {
            for (const x of c) got.push(x);
            if (pauseNext) {
              pauseNext = false;
              b.pause();
            }
          },
          close: () => {},
        });
        const sent: number[] = [];
        let n = 0;
        let paused = false;
        for (const o of ops) {
          if (o.op === "write") {
            const chunks = o.sizes.map((s) => Uint8Array.from({ length: s }, () => n++ & 255));
            for (const c of chunks) sent.push(...c);
            a.write(chunks);
            if (paused && chunks.some((c) => c.length > 0)) expect(a.pendingBytes).toBeGreaterThan(0); // an empty write holds nothing
          } else if (o.op === "pause") {
            b.pause();
            paused = true;
          } else if (o.op === "resume") {
            b.resume();
            paused = false;
          } else if (o.op === "pauseInData") {
            pauseNext = true;
          } else {
            await nextTurn();
          }
        }
        pauseNext = false;
        b.resume();
        await until(() => got.length === sent.length && a.pendingBytes === 0, 5000, "every byte");
        expect(got).toEqual(sent);
        if (sent.length > 0) expect(sa.drains).toBeGreaterThan(0);
        a.close(true);
        b.close(true);
      }),
      // The counterexample CI found once (an empty write while paused holds nothing) is always tried.
      { numRuns: 100, examples: [[[{ op: "pause" }, { op: "write", sizes: [0] }, { op: "resume" }]]] },
    );
  });
});
