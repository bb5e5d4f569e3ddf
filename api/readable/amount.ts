/**
 * Exact amounts with their currency: the system keeps prices, quantities and money as integers scaled
 * by 10^8 (PROTOCOL §1); people get `{"amount":"0.0677","currency":"BTC"}` — exact decimal text in the
 * natural unit, never a scaled integer.
 *
 * @module
 */

import { formatDecimal } from "../../protocol/mod.ts";

/** An exact amount in its natural unit, with its currency (null when the instrument names none). */
export interface Amount {
  /** Exact decimal text (`"-1.5"`, `"0.0677"`). */
  amount: string;
  currency: string | null;
}

/** Scaled-integer text (or bigint) → bigint; a value that is not an integer is a typed failure naming it. */
export function scaledInt(raw: unknown, what: string): bigint {
  if (typeof raw === "bigint") return raw;
  if ((typeof raw === "string" && /^-?\d+$/.test(raw)) || (typeof raw === "number" && Number.isSafeInteger(raw))) return BigInt(raw);
  throw new ReadableFormError(what, `expected an integer scaled by 10^8, got ${JSON.stringify(raw)}`);
}

/** Decimal text of a value scaled by 10^8. */
export function decimal8(raw: unknown, what: string): string {
  return formatDecimal(scaledInt(raw, what), 8);
}

/** `{ amount, currency }` of a value scaled by 10^8. */
export function amount8(raw: unknown, currency: string | null, what: string): Amount {
  return { amount: decimal8(raw, what), currency };
}

/** An answer of the running system that cannot be turned into the readable form (names the field). */
export class ReadableFormError extends Error {
  /** Which field (`positions[2].quantity`). */
  readonly field: string;
  /** @param field which field @param why what was wrong */
  constructor(field: string, why: string) {
    super(`the system's answer cannot be shown: ${field}: ${why}`);
    this.name = "ReadableFormError";
    this.field = field;
  }
}
