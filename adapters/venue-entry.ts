/**
 * What a venue is to the commands and the registry: the {@link VenueEntry} descriptor each venue's
 * `mod.ts` exports, the options its factory takes, and {@link intSetting} for reading `--set` values.
 * Venue modules import this file, never the registry, so the registry can import them without a cycle.
 *
 * @example
 * ```ts
 * export const myVenue: VenueEntry = {
 *   name: "my", summary: "…", defaultSymbols: ["BTC-USD"], env: { wsUrl: "ALPHAPULSE_MY_WS_URL" },
 *   create: (o) => new MyAdapter({ sink: o.sink, depth: intSetting(o.settings, "bookDepth") }),
 * };
 * ```
 * @module
 */

import type { VenueAdapter } from "./common/adapter.ts";
import type { PassShifter } from "./common/pass-shift.ts";
import type { MessageSink } from "./common/sink.ts";
import type { MarketDynamics } from "./sim/market.ts";
import type { VenueSim } from "./sim/venue-sim.ts";

/** What every venue factory takes. Venue-specific knobs travel in `settings`. */
export interface VenueAdapterOptions {
  /** Where messages go. */
  sink: MessageSink;
  /** Venue symbols; empty or absent → the venue's defaults (live) — with `anySymbol`, whatever appears. */
  symbols?: readonly string[];
  /** Accept any symbol the session shows (replays of captures). */
  anySymbol?: boolean;
  /** WebSocket URL override (stand-ins, testnets). */
  wsUrl?: string;
  /** REST / JSON-RPC URL override. */
  restUrl?: string;
  /** DEX pool metadata cache file (PROTOCOL §8). */
  poolCache?: string;
  /** Venue-specific settings (`--set name=value`), e.g. `bookDepth=25`, `heartbeatStaleMs=3000`. */
  settings?: Readonly<Record<string, string>>;
}

/** One venue as the commands see it. */
export interface VenueEntry {
  /** Command-line name. */
  readonly name: string;
  /** One line for help texts. */
  readonly summary: string;
  /** Symbols subscribed when none are given. */
  readonly defaultSymbols: readonly string[];
  /** Environment variables overriding the WebSocket and REST URLs. */
  readonly env: { readonly wsUrl: string; readonly restUrl?: string };
  /** Builds the venue adapter. */
  create(options: VenueAdapterOptions): VenueAdapter | Promise<VenueAdapter>;
  /** A seeded simulator of the venue (stand-ins, `ap capture --simulate`), when there is one. */
  simulator?(seed: number, dynamics?: MarketDynamics): VenueSim;
  /** A fresh shifter for looping replays of this venue's captures (each pass continues the last). */
  passShifter?(): PassShifter;
}

/** Reads an integer setting, or `undefined` when absent; throws a RangeError naming it when malformed. */
export function intSetting(settings: Readonly<Record<string, string>> | undefined, name: string): number | undefined {
  const v = settings?.[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new RangeError(`setting ${name}=${v} must be a non-negative integer`);
  return Number(v);
}
