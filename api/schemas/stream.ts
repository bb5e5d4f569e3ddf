/**
 * valibot schemas of the live traffic routes: the `/stream` and `/history` query, the stream clients,
 * and the history answer (messages in the PROTOCOL §7 wire JSON form, as on `/stream`).
 *
 * @module
 */

import * as v from "valibot";

/** Query of `GET /stream` and `GET /history`: a relay domain and an optional comma-separated TLV type filter. */
export const StreamQuerySchema = v.object({
  domain: v.picklist(["market-data", "signal", "execution", "system"]),
  types: v.optional(v.pipe(
    v.string(),
    v.regex(/^(\d{1,3}(,\d{1,3})*)?$/, "types must be comma-separated TLV type numbers"),
    v.transform((s) => (s === "" ? [] : s.split(",").map(Number))),
    v.array(v.pipe(v.number(), v.maxValue(254, "a TLV type is at most 254"))),
  ), ""),
});

/** The same query as documented (the filter as text, before it is split). */
export const StreamQueryDocSchema = v.object({
  domain: v.picklist(["market-data", "signal", "execution", "system"]),
  types: v.optional(v.pipe(v.string(), v.regex(/^(\d{1,3}(,\d{1,3})*)?$/), v.description("Comma-separated TLV type numbers (empty: all)."))),
});

/** `GET /stream/clients`. */
export const StreamClientsSchema = v.array(v.object({
  id: v.number(),
  domain: v.string(),
  types: v.array(v.number()),
  sent: v.number(),
  dropped: v.number(),
  droppedBytes: v.number(),
  queuedBytes: v.number(),
  connectedSeconds: v.number(),
}));

/** `GET /history`: recent traffic of a domain, in the wire JSON form of `/stream`. */
export const HistorySchema = v.object({
  domain: v.string(),
  sources: v.pipe(v.record(v.string(), v.string()), v.description("Last sequence seen per source id.")),
  messages: v.pipe(v.array(v.looseObject({ header: v.looseObject({}), tlvs: v.array(v.looseObject({})) })),
    v.description("Messages in the PROTOCOL §7 JSON form, oldest first.")),
});
