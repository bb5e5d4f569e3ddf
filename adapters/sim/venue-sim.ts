/**
 * The shape every simulated venue has, whether it is hosted by a stand-in server on 127.0.0.1 (tests,
 * demos) or driven in virtual time to write a capture file. A simulator answers the client's frames
 * (subscribe handshakes), pushes market data to subscribed clients on every step, and answers REST GETs
 * — all in that venue's real wire format.
 *
 * @module
 */

/** A connected client as the simulator sees it. */
export interface SimClient {
  /** Connection number (1, 2, …). */
  readonly id: number;
  /** Sends a text frame to the client. */
  send(text: string): void;
}

/** A REST answer. */
export interface SimRestAnswer {
  /** HTTP status. */
  status: number;
  /** Body text. */
  body: string;
  /** Extra headers (e.g. Retry-After). */
  headers?: Record<string, string>;
}

/** Knobs tests turn to make the venue misbehave. */
export interface SimFaults {
  /** Drop the next market-data message(s) of this symbol (sequence gap / missed book update). */
  dropNext(symbol: string, count?: number): void;
}

/** A simulated venue. */
export interface VenueSim extends SimFaults {
  /** Venue name ("coinbase", "binance", "kraken"). */
  readonly name: string;
  /** The symbols simulated, in the venue's spelling. */
  readonly symbols: readonly string[];
  /** A client connected. */
  onConnect(client: SimClient, nowMs: number): void;
  /** A client disconnected. */
  onDisconnect(client: SimClient): void;
  /** A text frame from a client. */
  onClientFrame(client: SimClient, text: string, nowMs: number): void;
  /** Advances the market one step and sends what changed to subscribed clients. */
  step(nowMs: number): void;
  /** Answers a REST GET, or `undefined` for an unknown path (404). */
  rest(pathname: string, query: URLSearchParams, nowMs: number): SimRestAnswer | undefined;
}

/** RFC 3339 with microseconds, as Coinbase and Kraken write it. */
export function isoMicros(ms: number, extraMicros = 0): string {
  const d = new Date(Math.floor(ms));
  const micros = Math.floor((ms - Math.floor(ms)) * 1000) + extraMicros;
  return `${d.toISOString().slice(0, 23)}${String(Math.min(999, Math.max(0, micros))).padStart(3, "0")}Z`;
}
