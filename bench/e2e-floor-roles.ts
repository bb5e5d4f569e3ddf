/**
 * The floor roles of the E2E benchmark's worker processes (bench/e2e-worker.ts): a raw Unix-socket
 * ping-pong (`pong`, `ping`), and a chain of bare hops paced like the E2E publisher (`csrc` → `cfwd`… →
 * `csink`) — the same transport and runtime with no protocol work, so the pipeline's figures have a floor
 * measured in the same run.
 *
 * @module
 */

import process from "node:process";
import * as hdr from "hdr-histogram-js";
import { BusyPoll } from "../relay/client/busy-poll.ts";
import { platform } from "../core/platform.ts";
import { TRANSPORT } from "../relay/transport/types.ts";
import { monotonicClock } from "./clock.ts";
import { emit, emitAndExit, onStdinLine } from "./worker-io.ts";

const clock = monotonicClock();
const nextTick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });

/** Ping-pong floor, the echoing side: listens on `socket` and writes back every chunk it reads (`busy`: busy polling). */
export async function pongRole(socket: string): Promise<void> {
  if (process.argv.includes("busy")) new BusyPoll().start(); // exits with the process
  const transport = await platform().load(TRANSPORT);
  await transport.listen({ kind: "unix", path: socket }, (conn) => {
    conn.setHandlers({ data: (chunk) => conn.write([chunk]), close: () => {} });
  });
  emit({ ready: true });
  onStdinLine((line) => {
    if (line === "stop") emitAndExit({ stopped: true });
  });
}

/**
 * Round trips of 8 bytes to a `pong`; back to back, or with `paced` one per timer tick (~1 ms), as the
 * paced publishers send: a process that sleeps between messages pays the machine's wake-up cost each
 * time (on a VM a halted vCPU can take far longer to wake than a busy one).
 */
export async function pingRole(socket: string, count: number, paced: boolean): Promise<void> {
  if (process.argv.includes("busy")) new BusyPoll().start(); // exits with the process
  const transport = await platform().load(TRANSPORT);
  const conn = await transport.connect({ kind: "unix", path: socket });
  const rtts = new Float64Array(count);
  const msg = new Uint8Array(8);
  let got = 0;
  let i = 0;
  let t0 = 0n;
  await new Promise<void>((resolve) => {
    const send = (): void => {
      t0 = clock();
      conn.write([msg]);
    };
    conn.setHandlers({
      data: (chunk) => {
        got += chunk.length;
        if (got < 8) return;
        got -= 8;
        rtts[i++] = Number(clock() - t0);
        if (i === count) resolve();
        else if (paced) setTimeout(send, 0);
        else send();
      },
      close: () => resolve(),
    });
    send();
  });
  conn.close();
  const sorted = Array.from(rtts.subarray(Math.floor(i / 10), i)).sort((x, y) => x - y); // first 10 %: warm-up
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  emitAndExit({ roundTrips: i, rttP50Ns: p(0.5), rttP99Ns: p(0.99), rttP999Ns: p(0.999) });
}

/** Chain floor source: every message due at a timer tick, 64 bytes each stamped at send, written as one chunk. */
export async function chainSourceRole(socket: string, seconds: number, rate: number): Promise<void> {
  const transport = await platform().load(TRANSPORT);
  const conn = await transport.connect({ kind: "unix", path: socket });
  let sent = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    if (due > sent) {
      const n = due - sent;
      const chunk = new Uint8Array(n * CHAIN_MSG);
      const dv = new DataView(chunk.buffer);
      for (let i = 0; i < n; i++) dv.setBigUint64(i * CHAIN_MSG, clock(), true);
      conn.write([chunk]);
      sent = due;
    }
    await nextTick();
  }
  emit({ sent });
  onStdinLine((line) => {
    if (line === "stop") emitAndExit({ stopped: true });
  });
}

/** Chain floor forwarder: listens on `inSocket`, writes every chunk read to `outSocket`. */
export async function chainForwardRole(inSocket: string, outSocket: string): Promise<void> {
  const transport = await platform().load(TRANSPORT);
  const out = await transport.connect({ kind: "unix", path: outSocket });
  await transport.listen({ kind: "unix", path: inSocket }, (conn) => {
    conn.setHandlers({ data: (chunk) => out.write([chunk]), close: () => {} });
  });
  emit({ ready: true });
  onStdinLine((line) => {
    if (line === "stop") emitAndExit({ stopped: true });
  });
}

/** Chain floor sink: arrival − send time of every message into a histogram; `reset`, `report`. */
export async function chainSinkRole(socket: string): Promise<void> {
  const transport = await platform().load(TRANSPORT);
  const hist = histogram();
  let count = 0;
  const partial = new Uint8Array(CHAIN_MSG);
  const partialDv = new DataView(partial.buffer);
  let have = 0;
  await transport.listen({ kind: "unix", path: socket }, (conn) => {
    conn.setHandlers({
      data: (chunk) => {
        const now = clock();
        const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
        let p = 0;
        if (have > 0) {
          const take = Math.min(CHAIN_MSG - have, chunk.length);
          partial.set(chunk.subarray(0, take), have);
          have += take;
          p = take;
          if (have < CHAIN_MSG) return;
          hist.recordValue(Math.max(1, Number(now - partialDv.getBigUint64(0, true))));
          count++;
          have = 0;
        }
        for (; p + CHAIN_MSG <= chunk.length; p += CHAIN_MSG) {
          hist.recordValue(Math.max(1, Number(now - dv.getBigUint64(p, true))));
          count++;
        }
        if (p < chunk.length) {
          partial.set(chunk.subarray(p), 0);
          have = chunk.length - p;
        }
      },
      close: () => {},
    });
  });
  emit({ ready: true });
  onStdinLine((line) => {
    if (line === "reset") {
      hist.reset();
      count = 0;
      emit({ reset: true });
    } else if (line === "report") {
      emit({ count, p50Ns: hist.getValueAtPercentile(50), p99Ns: hist.getValueAtPercentile(99), p999Ns: hist.getValueAtPercentile(99.9) });
    } else if (line === "stop") {
      emitAndExit({ stopped: true });
    }
  });
}

/** Bytes of one chain-floor message (about a Trade's size on the wire). */
const CHAIN_MSG = 64;
