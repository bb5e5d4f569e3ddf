/**
 * The pieces of a {@link RiskManager}'s snapshot and restore (risk-manager.ts) that work on its parts
 * alone: the snapshot object built from them, the instrument slots a snapshot's open orders take (refused
 * when the table is full), and the header-only message that moves a market's "now" on restore.
 *
 * @module
 */

import { MessageBuilder, MessageView, RelayDomain } from "../../protocol/mod.ts";
import type { InstrumentTable } from "../instrument-table.ts";
import type { Portfolio } from "../portfolio/portfolio.ts";
import { SnapshotError, instrumentJson, instrumentList } from "../snapshot-codec.ts";
import type { OpenOrders } from "./open-orders.ts";
import { RISK_SNAPSHOT_VERSION, type RiskCounters, type RiskSnapshot, type RiskSnapshotValues, type TradingState } from "./risk-snapshot.ts";

/** The risk manager's state as a plain JSON-safe, versioned object (see {@link RiskSnapshot}). */
export function riskSnapshotOf(
  state: TradingState, stateReason: string, marketTime: bigint, table: InstrumentTable, open: OpenOrders, day: number, dayBaseline: bigint,
  counters: RiskCounters, portfolio: Portfolio,
): RiskSnapshot {
  return {
    kind: "risk", version: RISK_SNAPSHOT_VERSION, state, stateReason, marketTime: String(marketTime),
    instruments: instrumentList(table), openOrders: open.entries().map(([orderId, o]) => ({
      orderId: String(orderId), instrument: instrumentJson(table.instrument(o.slot)), remaining: String(o.remaining), sign: o.sign > 0n ? 1 : -1, dex: o.dex,
    })),
    day, dayBaseline: String(dayBaseline), rateTimes: open.rateTimes(), counters: { ...counters }, portfolio: portfolio.toSnapshot(),
  };
}

/**
 * Takes the snapshot's instruments into `table` and returns the slot of each of its open orders; throws a
 * {@link SnapshotError} when the table cannot hold them all.
 */
export function openOrderSlots(table: InstrumentTable, s: RiskSnapshotValues): number[] {
  for (const id of s.instruments) table.slotOf(id, true);
  const slots = s.openOrders.map((o) => table.slotOf(o.instrument, true));
  if (slots.some((x) => x < 0)) throw new SnapshotError("risk", "openOrders", `more instruments than the market table holds (${table.capacity})`);
  return slots;
}

const timeView = new MessageView();

/** A header-only message at time `ns`, to move a market's "now" forward on restore. */
export function timeMessage(ns: bigint): MessageView {
  const b = new MessageBuilder(64);
  return timeView.wrap(b.begin(RelayDomain.Execution, 0).setTimestamp(ns).finish());
}
