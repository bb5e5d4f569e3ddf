/**
 * Test helpers for the venue adapters: a stand-in venue per test, a live task with short timings, a
 * sink that decodes what was published, and polling with a deadline.
 *
 * @module
 */

import type { VenueAdapter } from "../../adapters/common/adapter.ts";
import { CollectingSink } from "../../adapters/common/sink.ts";
import { AdapterTask, type AdapterTaskOptions } from "../../adapters/common/task.ts";
import { StandInServer } from "../../adapters/sim/server.ts";
import type { VenueSim } from "../../adapters/sim/venue-sim.ts";
import { decodeMessage, type KnownTlv, type Tlv } from "../../protocol/mod.ts";

/** True inside Deno. */
export const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Polls `cond` every 10 ms until true; throws with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A sink that keeps copies and decodes them on demand. */
export class DecodingSink extends CollectingSink {
  /** Every published TLV (first of each message), decoded. */
  tlvs(): Tlv[] {
    return this.messages.map((m) => decodeMessage(m).tlvs[0]!);
  }

  /** Published TLVs of one kind. */
  of<N extends KnownTlv["name"]>(name: N): Extract<KnownTlv, { name: N }>[] {
    return this.tlvs().filter((t) => t.name === name) as Extract<KnownTlv, { name: N }>[];
  }

  /** Count of published TLVs of one kind. */
  count(name: KnownTlv["name"]): number {
    const want = name === "Trade" ? 1 : name === "Quote" ? 2 : name === "OrderBook" ? 3 : -1;
    let n = 0;
    for (const m of this.messages) if ((m[32] === 255 ? m[34] : m[32]) === want) n++;
    return n;
  }
}

/** Task options for tests: fast back-off, quick health reset. */
export const FAST_TASK: AdapterTaskOptions = {
  backoff: { baseMs: 20, capMs: 200 },
  healthyAfterMs: 100_000,
  connectTimeoutMs: 2000,
};

/** A stand-in venue, a running task for `adapter`, and cleanup. */
export interface Harness<A extends VenueAdapter> {
  venue: StandInServer;
  adapter: A;
  task: AdapterTask;
  logs: string[];
  close(): Promise<void>;
}

/** Starts a stand-in for `sim`, builds the adapter against it, and starts the task. */
export async function harness<A extends VenueAdapter>(
  sim: VenueSim, make: (venue: StandInServer) => A, options: AdapterTaskOptions = {}, stepMs = 15,
): Promise<Harness<A>> {
  const venue = await StandInServer.start(sim, { stepMs });
  const adapter = make(venue);
  const logs: string[] = [];
  const task = new AdapterTask(adapter, { ...FAST_TASK, log: (l) => logs.push(l), ...options });
  task.start();
  return {
    venue, adapter, task, logs,
    async close() {
      await task.stop();
      await venue.close();
    },
  };
}
