/**
 * valibot schema of `GET /portfolio` in the readable form (see `api/readable/portfolio.ts`): positions
 * with instrument names and exact amounts with currencies, P&L per quote currency, and a total only when
 * no conversion is needed.
 *
 * @module
 */

import * as v from "valibot";
import { AmountSchema, InstrumentSchema } from "./common.ts";

const PositionSchema = v.object({
  instrument: InstrumentSchema,
  quantity: v.pipe(AmountSchema, v.description("Signed position, in the base currency.")),
  averagePrice: v.pipe(AmountSchema, v.description("Average entry price, in the quote currency per 1 base.")),
  mark: v.pipe(v.nullable(AmountSchema), v.description("Last mark price, in the quote currency; null when none is known.")),
  realized: AmountSchema,
  unrealized: AmountSchema,
  fees: AmountSchema,
});

const CurrencyPnlSchema = v.object({
  currency: v.nullable(v.string()),
  realized: AmountSchema,
  unrealized: AmountSchema,
  fees: AmountSchema,
  net: v.pipe(AmountSchema, v.description("realized + unrealized − fees.")),
  positions: v.number(),
});

const TotalSchema = v.object({
  currency: v.nullable(v.string()),
  realized: AmountSchema,
  unrealized: AmountSchema,
  fees: AmountSchema,
  net: AmountSchema,
  slippageCost: AmountSchema,
  conversion: v.pipe(v.literal("none"), v.description("Every position is quoted in this one currency: no rate was applied.")),
});

/** `GET /portfolio`. */
export const PortfolioSchema = v.pipe(v.looseObject({
  tradingState: v.picklist(["ACTIVE", "REDUCING", "HALTED"]),
  tradingReason: v.string(),
  alerts: v.array(v.looseObject({ name: v.string() })),
  positions: v.array(PositionSchema),
  pnl: v.pipe(v.array(CurrencyPnlSchema), v.description("P&L per quote currency.")),
  total: v.pipe(v.nullable(TotalSchema), v.description("Total over every position: only when they share one quote currency (no conversion rate is known).")),
  totalNote: v.pipe(v.string(), v.description("Why there is a total or not, and in which currency.")),
  totals: v.object({ fills: v.number(), roundTrips: v.number(), wins: v.number(), winRate: v.number(), slippageBps: v.number() }),
  orders: v.looseObject({ planned: v.number(), accepted: v.number() }),
  openOrders: v.number(),
  journal: v.looseObject({}),
  dex: v.optional(v.looseObject({ totals: v.looseObject({}), balances: v.array(v.looseObject({})), recentFills: v.array(v.looseObject({})) })),
}), v.title("Portfolio"));
