/**
 * valibot schemas shared by the API's resources: an instrument and an amount in the readable form, and
 * the error answer every route may give.
 *
 * @module
 */

import * as v from "valibot";

/** Exact decimal text (`"-1.5"`, `"0.0677"`, `"5"`). */
export const DecimalText = v.pipe(v.string(), v.regex(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/, "must be exact decimal text"),
  v.description("An exact decimal number as text, in its natural unit (never a scaled integer)."));

/** An instrument with its symbol and venue name beside its ids. */
export const InstrumentSchema = v.pipe(v.object({
  symbol: v.pipe(v.nullable(v.string()), v.description("BASE/QUOTE of a pair; null for tokens and pools.")),
  venue: v.pipe(v.string(), v.description("Lower-case venue name, or @<id> for a venue the protocol does not name.")),
  venueId: v.pipe(v.number(), v.integer(), v.description("The venue's number (PROTOCOL §6).")),
  assetId: v.pipe(v.string(), v.regex(/^\d+$/), v.description("The 64-bit asset id as decimal text.")),
  assetType: v.pipe(v.string(), v.description("spot, perpetual, future, token or pool.")),
}), v.title("Instrument"));

/** An exact amount with its currency. */
export const AmountSchema = v.pipe(v.object({
  amount: DecimalText,
  currency: v.pipe(v.nullable(v.string()), v.description("Currency of the amount (e.g. BTC, USD); null when the instrument names none.")),
}), v.title("Amount"));

/** The answer of a failed request (400, 401, 404, 413, 500, 503). */
export const ErrorSchema = v.pipe(v.looseObject({
  error: v.pipe(v.string(), v.description("What kind of failure: bad request, unauthorized, not found, unavailable, …")),
  message: v.optional(v.string()),
  reason: v.optional(v.string()),
  where: v.optional(v.string()),
  path: v.optional(v.string()),
}), v.title("Error"));
