/**
 * Risk limits have ranges (finding 8 of issue 14: `maxOpenOrders: 1e23` was accepted and persisted), a
 * typed error when refused, and a strictest-of merge used when the operator's limits cannot be read back.
 */

import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { parseConfig } from "../../../trading/config.ts";
import { limitsToInput, RiskConfigSchema, RiskLimitsError, RiskLimitsSchema, strictestLimits } from "../../../trading/risk/limits.ts";
import { RiskManager } from "../../../trading/risk/risk-manager.ts";

const E8 = 100_000_000n;
const manager = () => new RiskManager(parseConfig(RiskConfigSchema, { limits: { maxOpenOrders: 10 } }));

describe("risk limit ranges", () => {
  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["a count of 1e23", { maxOpenOrders: 1e23 }, /^maxOpenOrders: must be an integer from 0 to 100000 \(got 1e\+23\)$/],
    ["a fractional count", { maxOpenOrders: 2.5 }, /^maxOpenOrders: must be an integer/],
    ["a negative count", { maxOpenOrders: -1 }, /^maxOpenOrders: must be an integer/],
    ["a count as text", { maxOpenOrders: "5" }, /^maxOpenOrders: must be an integer/],
    ["an infinite rate", { maxOrdersPerSecond: Number.POSITIVE_INFINITY }, /^maxOrdersPerSecond: must be an integer from 0 to 100000/],
    ["a rate of a million (an 8 MB window)", { maxOrdersPerSecond: 1_000_000 }, /^maxOrdersPerSecond: /],
    ["a data age of a year", { maxDataAgeMs: 365 * 86_400_000 }, /^maxDataAgeMs: must be an integer from 1 to 86400000/],
    ["a zero data age", { maxDataAgeMs: 0 }, /^maxDataAgeMs: /],
    ["an order age past a day", { maxOrderAgeMs: 86_400_001 }, /^maxOrderAgeMs: /],
    ["a skew past an hour", { maxFutureSkewMs: 3_600_001 }, /^maxFutureSkewMs: /],
    ["a position of 1e23", { maxPosition: 1e23 }, /^maxPosition: /],
    ["a position over 1e10", { maxPosition: "10000000000.00000001" }, /^maxPosition: must be at most 10000000000$/],
    ["a notional over 1e10", { maxOrderNotional: "20000000000" }, /^maxOrderNotional: must be at most 10000000000$/],
    ["a loss limit of NaN", { dailyLossLimit: Number.NaN }, /^dailyLossLimit: /],
    ["a negative loss limit", { dailyLossLimit: "-1" }, /^dailyLossLimit: /],
    ["an instrument limit over 1e10", { positionLimits: { "BTC/USD@coinbase": "20000000000" } }, /^positionLimits\.BTC\/USD@coinbase: must be at most/],
    ["a __proto__ key", JSON.parse('{"__proto__": {"maxOpenOrders": 1}}') as Record<string, unknown>, /__proto__|key/i],
  ];
  for (const [what, patch, message] of refused) {
    it(`refuses ${what} with a RiskLimitsError naming the field, changing nothing`, () => {
      const risk = manager();
      const before = { ...risk.limits };
      const err = (() => {
        try {
          risk.applyLimits(patch);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(RiskLimitsError);
      expect((err as RiskLimitsError).issues[0]).toMatch(message);
      expect(risk.limits).toEqual(before);
      expect(v.safeParse(RiskLimitsSchema, patch).success).toBe(false);
    });
  }

  it("accepts the bounds themselves", () => {
    const risk = manager();
    const limits = risk.applyLimits({ maxOpenOrders: 100_000, maxOrdersPerSecond: 0, maxDataAgeMs: 86_400_000, maxPosition: "10000000000", maxOrderNotional: 0 });
    expect(limits.maxOpenOrders).toBe(100_000);
    expect(limits.maxPosition).toBe(10_000_000_000n * E8);
    expect(risk.limits.maxDataAgeMs).toBe(86_400_000);
  });

  it("the error's path is the first refused field (the API answers 400 with it)", () => {
    const err = new RiskLimitsError(["maxOpenOrders: must be an integer from 0 to 100000 (got 1e+23)", "maxPosition: x"]);
    expect(err.path).toBe("maxOpenOrders");
    expect(err.message).toMatch(/^risk limits refused: maxOpenOrders: /);
  });
});

describe("strictestLimits", () => {
  const parse = (x: Record<string, unknown>) => v.parse(RiskLimitsSchema, x);
  it("takes the tighter of each limit; an instrument limit in one set meets the other's maxPosition", () => {
    const config = parse({ maxPosition: "5", maxOrderNotional: "50000", maxOpenOrders: 20, maxOrdersPerSecond: 10, dailyLossLimit: "5000", maxDataAgeMs: 10_000, positionLimits: { "ETH/USD@coinbase": "40" } });
    const operator = parse({ maxPosition: "8", maxOrderNotional: "1000", maxOpenOrders: 30, maxOrdersPerSecond: 2, dailyLossLimit: "9000", maxDataAgeMs: 2_000, maxOrderAgeMs: 500, positionLimits: { "BTC/USD@coinbase": "1" } });
    const s = strictestLimits(config, operator);
    expect(s).toEqual({
      maxPosition: 5n * E8, maxOrderNotional: 1000n * E8, maxOpenOrders: 20, maxOrdersPerSecond: 2, dailyLossLimit: 5000n * E8, maxDataAgeMs: 2_000,
      maxOrderAgeMs: 500, maxFutureSkewMs: 1_000, positionLimits: { "BTC/USD@coinbase": 1n * E8, "ETH/USD@coinbase": 8n * E8 },
    });
    expect(strictestLimits(operator, config)).toEqual(s);
  });

  it("round-trips through limitsToInput (what the state file stores)", () => {
    const l = parse({ maxPosition: "0.5", maxOpenOrders: 7, positionLimits: { "BTC/USD@coinbase": "0.00000001" }, maxOrderAgeMs: 900 });
    expect(parse(limitsToInput(l))).toEqual(l);
  });
});
