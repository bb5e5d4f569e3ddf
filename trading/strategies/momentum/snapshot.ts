/**
 * What a momentum strategy keeps across restarts: the schema and the JSON-safe shape of its snapshot.
 *
 * @module
 */

import * as v from "valibot";
import { CountNumber, FiniteNumber, InstrumentJsonSchema, U64Text, type InstrumentJson } from "../../snapshot-codec.ts";
import type { SignalIdSpaceJson } from "../../signal-id.ts";

/** Version of {@link MomentumSnapshot} this build writes and reads. */
export const MOMENTUM_SNAPSHOT_VERSION = 1;

/** Schema of a momentum snapshot (validated on restore). */
export const MomentumSnapshotSchema = v.strictObject({
  kind: v.literal("momentum"),
  version: v.literal(MOMENTUM_SNAPSHOT_VERSION),
  ids: v.strictObject({ epoch: CountNumber }),
  /** Window lengths (s) and ring capacity the state was built with: restored only when they match. */
  windowSeconds: v.array(CountNumber),
  ringCapacity: CountNumber,
  instruments: v.array(v.strictObject({
    instrument: InstrumentJsonSchema,
    /** Trades seen. */
    count: CountNumber,
    lastTime: FiniteNumber,
    /** Last trade price (i64 × 1e8 as u64 bits, decimal). */
    lastPrice: U64Text,
    /** Index (in `count` terms) of the first trade kept below. */
    from: CountNumber,
    trades: v.array(v.tuple([FiniteNumber, FiniteNumber, FiniteNumber, FiniteNumber])),
    windows: v.array(v.strictObject({ start: CountNumber, volume: FiniteNumber, signed: FiniteNumber, lastSignal: v.nullable(FiniteNumber) })),
  })),
});

/** A validated momentum snapshot. */
export type MomentumSnapshotValues = v.InferOutput<typeof MomentumSnapshotSchema>;

/**
 * The JSON-safe state of a MomentumStrategy that matters after a restart: the signal-id epoch,
 * and per instrument the trades still inside a window (time, price, size, signed size), each window's
 * running sums and the time of its last signal (the cooldown).
 */
export interface MomentumSnapshot {
  kind: "momentum";
  version: typeof MOMENTUM_SNAPSHOT_VERSION;
  ids: SignalIdSpaceJson;
  windowSeconds: number[];
  ringCapacity: number;
  instruments: {
    instrument: InstrumentJson;
    count: number;
    lastTime: number;
    lastPrice: string;
    from: number;
    trades: [number, number, number, number][];
    windows: { start: number; volume: number; signed: number; lastSignal: number | null }[];
  }[];
}
