/**
 * Publishes Trade messages into a running system's market-data relay at a steady rate, over the relay's
 * Unix socket as an adapter would, so `/stream` clients have live traffic.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { encodeMessage, pairInstrument, RelayDomain, Venue } from "../../protocol/mod.ts";
import { RelayClient } from "../../relay/client/client.ts";
import { TOOLS_TOKEN_FILE } from "../../relay/wire/identity.ts";
import { Role } from "../../relay/wire/control.ts";
import { silentLogger } from "../../core/log.ts";

/** A running publisher. */
export interface TradePublisher {
  /** Messages published so far. */
  readonly published: number;
  /** Publishes `n` messages at once. */
  burst(n: number): void;
  /** Stops the timer and closes the connection. */
  close(): Promise<void>;
}

/**
 * Connects to `<runtimeDir>/market-data.sock` (waiting for it) as a tool (id 91, the `tools.token` that
 * `ap start` writes beside its sockets) and publishes `perTick` trades every `tickMs`.
 */
export async function startTradePublisher(socketPath: string, perTick: number, tickMs: number): Promise<TradePublisher> {
  const client = await RelayClient.connect({
    endpoint: { kind: "unix", path: socketPath }, domain: RelayDomain.MarketData, serviceId: 91, role: Role.Publisher,
    token: readFileSync(join(dirname(socketPath), TOOLS_TOKEN_FILE), "utf8").trim(), waitForRelay: true, logger: silentLogger,
  });
  const instrument = pairInstrument("SOL", "USD", Venue.Coinbase);
  let sequence = 0n;
  let published = 0;
  const burst = (n: number) => {
    for (let i = 0; i < n; i++) {
      const now = BigInt(Date.now()) * 1_000_000n;
      client.publish(encodeMessage({ relayDomain: RelayDomain.MarketData, source: 91, sequence: ++sequence, timestamp: now }, [{
        type: 1, name: "Trade", instrument, side: 1, flags: 0, price: 14_500_000_000n + BigInt(published % 100), size: 100_000n, execTimestamp: now,
      }]));
      published++;
    }
  };
  const timer = perTick > 0 ? setInterval(() => burst(perTick), tickMs) : undefined;
  return {
    get published() {
      return published;
    },
    burst,
    async close() {
      clearInterval(timer);
      await client.flush().catch(() => {});
      await client.close();
    },
  };
}
