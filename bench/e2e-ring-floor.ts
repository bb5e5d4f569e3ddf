/**
 * The threads deployment's latency floor, measured next to it (`ap bench e2e --deployment threads`): the
 * same shape as its pipeline — a paced source thread, four hops, each a worker thread parked on a bare
 * shared-memory ring (relay/transport/ring.ts) that copies what it takes into the next ring — with no
 * protocol, relay or strategy work. What a message costs here is four park/notify wake-ups of threads on
 * this machine (the runtime's `Atomics.waitAsync`, the OS scheduler); the pipeline's p50 over this one is
 * what the stages themselves add.
 *
 * The stage threads run `e2e-ring-floor-thread.ts`.
 *
 * @module
 */

import { createRingBuffer } from "../relay/transport/ring.ts";
import { startThread, type Thread } from "./relay-threads.ts";

const SCRIPT = new URL("./e2e-ring-floor-thread.ts", import.meta.url);

/** Hops of the floor chain (the pipeline: publisher → relay → strategy → relay → consumer). */
export const RING_FLOOR_HOPS = 4;

/** The ring floor's latency at one paced rate, in ns. */
export interface RingFloor {
  hops: number;
  count: number;
  p50Ns: number;
  p99Ns: number;
}

/** The first message of a floor thread. */
export interface RingFloorRole {
  readonly role: "hop" | "source";
  /** Ring read (hop). */
  readonly inp?: SharedArrayBuffer;
  /** Ring written (source, and every hop but the last). */
  readonly out?: SharedArrayBuffer;
  readonly rate?: number;
  readonly seconds?: number;
}

/** Runs the chain for `seconds` at `rate` msgs/s; resolves with what its last hop measured. */
export async function measureRingFloor(rate: number, seconds: number): Promise<RingFloor> {
  const rings = Array.from({ length: RING_FLOOR_HOPS }, () => createRingBuffer(1 << 20));
  const threads: Thread[] = [];
  try {
    for (let i = 0; i < RING_FLOOR_HOPS; i++) {
      const t = await startThread(`ring-floor-${i}`, SCRIPT);
      threads.push(t);
      t.port.postMessage({ role: "hop", inp: rings[i], out: rings[i + 1] } satisfies RingFloorRole);
      await t.next((v) => v.ready === true);
    }
    const source = await startThread("ring-floor-source", SCRIPT);
    threads.push(source);
    source.port.postMessage({ role: "source", out: rings[0], rate, seconds } satisfies RingFloorRole);
    await source.next((v) => v.sent !== undefined, (seconds + 30) * 1000);
    const last = threads[RING_FLOOR_HOPS - 1]!;
    // The last messages are a few wake-ups behind the source's end.
    await new Promise((r) => setTimeout(r, 200));
    last.port.postMessage({ op: "report" });
    return { hops: RING_FLOOR_HOPS, ...(await last.next<{ report: Omit<RingFloor, "hops"> }>((v) => v.report !== undefined)).report };
  } finally {
    for (const t of threads.reverse()) {
      t.port.close();
      await t.worker.terminate();
    }
  }
}
