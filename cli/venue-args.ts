/**
 * Command-line options shared by `ap capture`, `ap normalize` and `ap adapter`: the venue argument,
 * symbols, URL overrides (flag, then environment variable, then the venue's default) and venue
 * settings (`--set name=value`).
 *
 * @module
 */

import process from "node:process";
import { loadVenue, UnknownVenueError, type VenueAdapterOptions, type VenueEntry } from "../adapters/registry.ts";
import { envSetting } from "../runtime/config/env-vars.ts";
import { CommandError } from "./command.ts";
import type { OptionSpecs, Parsed } from "./relay-options.ts";

/** Options of {@link venueOptions}. */
export const VENUE_OPTIONS: OptionSpecs = {
  symbols: { type: "string" },
  "ws-url": { type: "string" },
  "rest-url": { type: "string" },
  "pool-cache": { type: "string" },
  set: { type: "string", multiple: true },
};

/** Usage lines of {@link VENUE_OPTIONS}. */
export const VENUE_USAGE = `venue options:
  --symbols A,B       venue symbols (coinbase BTC-USD, binance BTCUSDT, kraken BTC/USD; default: the venue's)
  --ws-url URL        WebSocket URL (default: $AP_<VENUE>_WS_URL, else the venue's public endpoint)
  --rest-url URL      REST / JSON-RPC URL (default: $AP_<VENUE>_REST_URL, else the venue's)
  --pool-cache FILE   DEX pool metadata cache (polygon, ethereum)
  --set NAME=VALUE    venue setting, repeatable (e.g. bookDepth=25, heartbeatStaleMs=3000)`;

/** Loads the venue named on the command line, or a usage error listing the known ones. */
export async function venueArg(name: string | undefined): Promise<VenueEntry> {
  if (name === undefined) throw new CommandError("missing venue", 2);
  try {
    return await loadVenue(name);
  } catch (e) {
    if (e instanceof UnknownVenueError) throw new CommandError(e.message, 2);
    throw e;
  }
}

/** The factory options (minus the sink) from parsed flags and the environment. */
export function venueOptions(venue: VenueEntry, values: Parsed["values"]): Omit<VenueAdapterOptions, "sink"> {
  const str = (k: string): string | undefined => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const symbols = str("symbols")?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const settings: Record<string, string> = {};
  for (const kv of (values.set as string[] | undefined) ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(kv);
    if (!m) throw new CommandError(`--set wants NAME=VALUE, got ${JSON.stringify(kv)}`, 2);
    settings[m[1]!] = m[2]!;
  }
  const env = (name: string | undefined): string | undefined => (name ? envSetting(name) : undefined);
  return {
    symbols, settings,
    wsUrl: str("ws-url") ?? env(venue.env.wsUrl),
    restUrl: str("rest-url") ?? env(venue.env.restUrl),
    poolCache: str("pool-cache"),
  };
}

/** Builds the adapter, turning a bad setting into a usage error. */
export async function createAdapter(venue: VenueEntry, options: VenueAdapterOptions): Promise<Awaited<ReturnType<VenueEntry["create"]>>> {
  try {
    return await venue.create(options);
  } catch (e) {
    if (e instanceof RangeError) throw new CommandError(e.message, 2);
    throw e;
  }
}

/** A positive number option (seconds, factors), or `undefined` when absent. */
export function numberOption(values: Parsed["values"], name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isFinite(n) || n <= 0) throw new CommandError(`--${name} wants a positive number, got ${JSON.stringify(v)}`, 2);
  return n;
}

/** When a long-running command should stop. */
export interface StopConditions {
  /** Stop after this long. */
  durationMs?: number;
  /** Polled every 50 ms: stop when it returns true. */
  until?: () => boolean;
  /** Stop when this settles. */
  done?: Promise<unknown>;
}

/**
 * Resolves with the reason ("SIGINT", "SIGTERM", "duration", "until", "done") at the first stop
 * condition, and removes its signal listeners and timers.
 */
export function waitForStop(conditions: StopConditions): Promise<string> {
  return new Promise<string>((resolve) => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    let poll: ReturnType<typeof setInterval> | undefined;
    const finish = (reason: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      for (const t of timers) clearTimeout(t);
      if (poll !== undefined) clearInterval(poll);
      resolve(reason);
    };
    const onInt = (): void => finish("SIGINT");
    const onTerm = (): void => finish("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    if (conditions.durationMs !== undefined) timers.push(setTimeout(() => finish("duration"), conditions.durationMs));
    if (conditions.until) {
      const until = conditions.until;
      poll = setInterval(() => {
        if (until()) finish("until");
      }, 50);
    }
    void conditions.done?.then(() => finish("done"), () => finish("done"));
  });
}
