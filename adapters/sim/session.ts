/**
 * Writes a simulated capture deterministically: the venue's real adapter talks to a {@link VenueSim}
 * in virtual time — its subscribe frames go to the simulator, its REST requests are answered by it,
 * and every frame and body is recorded as a PROTOCOL §8 capture event. The same seed always gives the
 * same file. URLs use the reserved `.invalid` domain (`wss://simulated.alphapulse.invalid/<venue>`), so
 * every line says the data is simulated.
 *
 * @example
 * ```ts
 * const events = await simulateCapture(await loadVenue("kraken"), { seed: 7, steps: 300 });
 * ```
 * @module
 */

import type { AdapterIo } from "../common/adapter.ts";
import type { CaptureEvent } from "../common/capture.ts";
import type { VenueEntry } from "../venue-entry.ts";
import type { MarketDynamics } from "./market.ts";
import type { SimClient } from "./venue-sim.ts";

/** Host of every simulated URL. */
export const SIMULATED_HOST = "simulated.alphapulse.invalid";

/** Settings of {@link simulateCapture}. */
export interface SimulatedCaptureOptions {
  /** PRNG seed. */
  seed: number;
  /** Market steps to simulate (default 300). */
  steps?: number;
  /** Virtual time per step, ms (default 100). */
  stepMs?: number;
  /** Virtual start time, ms since the epoch (default 2026-01-01T00:00:00Z). */
  startMs?: number;
  /** Price dynamics (default: a stationary book; the demo's captures use `volatilityBps`). */
  dynamics?: MarketDynamics;
  /** Symbols to subscribe (default: the venue's defaults). */
  symbols?: readonly string[];
}

/** Runs the venue's adapter against its simulator in virtual time and returns the capture. */
export async function simulateCapture(venue: VenueEntry, options: SimulatedCaptureOptions): Promise<CaptureEvent[]> {
  if (!venue.simulator) throw new Error(`venue ${venue.name} has no simulator`);
  const sim = venue.simulator(options.seed, options.dynamics);
  const wsUrl = `wss://${SIMULATED_HOST}/${venue.name}`;
  const restBase = `https://${SIMULATED_HOST}/${venue.name}`;
  const adapter = await venue.create({
    sink: { publish: () => {} }, symbols: options.symbols ?? venue.defaultSymbols, wsUrl, restUrl: restBase,
    settings: { bookIntervalMs: "0" },
  });
  const events: CaptureEvent[] = [];
  let now = options.startMs ?? Date.UTC(2026, 0, 1);
  const t = (): bigint => BigInt(Math.round(now * 1000)) * 1000n;
  const inbox: string[] = [];
  const pendingRest: string[] = [];
  const client: SimClient = { id: 1, send: (text) => void inbox.push(text) };
  const io: AdapterIo = {
    get nowMs() {
      return now;
    },
    replaying: false,
    send(text) {
      events.push({ t: t(), kind: "sent", url: wsUrl, data: text });
      sim.onClientFrame(client, text, now);
    },
    requestRest(url) {
      if (!pendingRest.includes(url)) pendingRest.push(url);
    },
    touch() {},
    reconnect() {},
    log() {},
  };
  const rest = (url: string): void => {
    const u = new URL(url);
    const answer = sim.rest(u.pathname.slice(venue.name.length + 1), u.searchParams, now);
    if (!answer || answer.status !== 200) throw new Error(`simulator could not answer ${url}`);
    events.push({ t: t(), kind: "rest", url, data: answer.body });
    adapter.onRest(url, answer.body, io);
  };
  const deliver = (): void => {
    while (inbox.length > 0 || pendingRest.length > 0) {
      while (inbox.length > 0) {
        const text = inbox.shift()!;
        events.push({ t: t(), kind: "recv", url: wsUrl, data: text });
        adapter.onFrame(text, io);
      }
      if (pendingRest.length > 0) {
        now += 7; // the REST round trip
        rest(pendingRest.shift()!);
      }
    }
  };
  for (const url of adapter.bootstrapUrls()) {
    rest(url);
    now += 5;
  }
  events.push({ t: t(), kind: "connect", url: wsUrl });
  sim.onConnect(client, now);
  adapter.onOpen(io);
  deliver();
  const steps = options.steps ?? 300;
  const stepMs = options.stepMs ?? 100;
  for (let i = 0; i < steps; i++) {
    now += stepMs;
    sim.step(now);
    deliver();
  }
  return events;
}
