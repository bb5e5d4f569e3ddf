/**
 * What a flash-arbitrage strategy keeps across restarts: the schema and the JSON-safe shape of its snapshot.
 *
 * @module
 */

import * as v from "valibot";
import { CountNumber, U64Text } from "../../snapshot-codec.ts";
import type { SignalIdSpaceJson } from "../../signal-id.ts";

/** Version of {@link ArbitrageSnapshot} this build writes and reads. */
export const ARBITRAGE_SNAPSHOT_VERSION = 1;

/** Schema of a flash-arbitrage snapshot (validated on restore). */
export const ArbitrageSnapshotSchema = v.strictObject({
  kind: v.literal("flash-arbitrage"),
  version: v.literal(ARBITRAGE_SNAPSHOT_VERSION),
  ids: v.strictObject({ epoch: CountNumber }),
  /** Latest input timestamp seen (ns, decimal). */
  now: U64Text,
});

/**
 * The JSON-safe state of a FlashArbitrageStrategy that matters after a restart: the signal-id
 * epoch (ids never repeat) and its clock. Pool, gas and USD prices come back with the market data, and
 * with them the opportunities (a still-open one is signalled again, under a new id).
 */
export interface ArbitrageSnapshot {
  kind: "flash-arbitrage";
  version: typeof ARBITRAGE_SNAPSHOT_VERSION;
  ids: SignalIdSpaceJson;
  now: string;
}
