/**
 * One thread of the threads deployment's latency floor (`e2e-ring-floor.ts`). An entry script: it takes
 * its role from the first message on its link.
 *
 * - `{ role: "hop", inp, out? }` — parks on ring `inp`; copies everything it takes into ring `out`, or,
 *   as the last hop, times each 64-byte message from the monotonic stamp in its first 8 bytes; answers
 *   `{ ready }`, and `{ report: { count, p50Ns, p99Ns } }` on `{ op: "report" }`.
 * - `{ role: "source", out, rate, seconds }` — writes one stamped message at each due time (sleeping in
 *   `Atomics.wait` between, as the e2e publisher thread does); answers `{ sent }`.
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";
import { installRuntimePlatform } from "../app/platform/select.ts";
import { platform } from "../core/platform.ts";
import { RingReader, RingWriter } from "../relay/transport/ring.ts";
import { THREADS } from "../relay/transport/threads.ts";
import { monotonicClock } from "./clock.ts";
import type { RingFloorRole } from "./e2e-ring-floor.ts";

installRuntimePlatform();

const MESSAGE = 64;
const clock = monotonicClock();
const link = await (await platform().load(THREADS)).parentLink();

function hop(inp: SharedArrayBuffer, out: SharedArrayBuffer | undefined): void {
  const r = new RingReader(inp);
  const w = out ? new RingWriter(out) : undefined;
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
  const pump = (): void => {
    for (;;) {
      if (r.available() > 0) {
        const c = r.take(1 << 16);
        if (w) w.writeBatch([c], c.length);
        else {
          const dv = new DataView(c.buffer, c.byteOffset, c.length);
          const now = clock();
          for (let p = 0; p + MESSAGE <= c.length; p += MESSAGE) hist.recordValue(Math.max(1, Number(now - dv.getBigUint64(p, true))));
        }
        continue;
      }
      const p = r.waitForData();
      if (p === undefined) continue;
      void p.then(pump);
      return;
    }
  };
  pump();
  link.onmessage = (e: MessageEvent) => {
    if ((e.data as { op?: string }).op !== "report") return;
    link.postMessage({ report: { count: hist.totalCount, p50Ns: hist.getValueAtPercentile(50), p99Ns: hist.getValueAtPercentile(99) } });
  };
  link.postMessage({ ready: true });
}

async function source(out: SharedArrayBuffer, rate: number, seconds: number): Promise<void> {
  const w = new RingWriter(out);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const m = new Uint8Array(MESSAGE);
  const dv = new DataView(m.buffer);
  const start = performance.now();
  let sent = 0;
  while (performance.now() < start + seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      dv.setBigUint64(0, clock(), true);
      if (w.writeBatch([m], MESSAGE)) sent++;
      else break;
    }
    const next = start + ((sent + 1) * 1000) / rate - performance.now();
    if (next > 0) Atomics.wait(cell, 0, 0, Math.min(next, 1));
    await null;
  }
  link.postMessage({ sent });
}

link.onmessage = (e: MessageEvent) => {
  link.onmessage = null;
  const r = e.data as RingFloorRole;
  if (r.role === "hop") hop(r.inp!, r.out);
  else void source(r.out!, r.rate ?? 10_000, r.seconds ?? 2);
};
