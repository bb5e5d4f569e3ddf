/**
 * Config schema of a circuit breaker's tuning, shared by adapter and strategy services.
 *
 * @module
 */

import * as v from "valibot";

const positive = v.pipe(v.number(), v.minValue(0));

/** Optional overrides of {@link ../circuit-breaker.ts DEFAULT_BREAKER_OPTIONS}. */
export const BreakerOptionsSchema = v.object({
  windowMs: v.optional(positive),
  errorThreshold: v.optional(positive),
  maxMessagesPerSecond: v.optional(positive),
  openMs: v.optional(positive),
  halfOpenProbes: v.optional(positive),
  recoveryMs: v.optional(positive),
});
