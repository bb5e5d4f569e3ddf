/**
 * One instrument's position, exact: quantity (base units × 1e8, signed: long > 0), cost basis
 * Σ price·quantity (scale 1e16, signed like the quantity), realized P&L (scale 1e16) and fees (quote
 * currency × 1e8). Reducing a position removes cost in proportion (floor); closing it removes all of
 * the remaining cost, so a round trip's realized P&L is exact to the unit.
 *
 * @example
 * ```ts
 * const p = new Position();
 * p.apply(Side.Buy, 100_00000000n, 2_00000000n, 0n);   // long 2 @ 100
 * p.apply(Side.Sell, 110_00000000n, 2_00000000n, 0n);  // flat, realized +20
 * p.realizedQuote; // 20_00000000n
 * ```
 * @module
 */

import { PRICE_SCALE, Side } from "../../protocol/mod.ts";

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Result of applying one fill. */
export interface FillEffect {
  /** Realized P&L of this fill, scale 1e16 (fees not included). */
  realized: bigint;
  /** A round trip ended (the position went flat or flipped): its P&L net of fees, quote × 1e8. */
  roundTrip?: bigint;
}

/** Every field of a position, bigints as decimal text (see {@link Position.toJson}). */
export interface PositionJson {
  quantity: string;
  cost: string;
  realized: string;
  fees: string;
  fills: number;
  tripRealized: string;
  tripFees: string;
}

/** Every field of a position, as values. */
export interface PositionValues {
  quantity: bigint;
  cost: bigint;
  realized: bigint;
  fees: bigint;
  fills: number;
  tripRealized: bigint;
  tripFees: bigint;
}

/** Exact position of one instrument. */
export class Position {
  /** Signed quantity, base × 1e8. */
  quantity = 0n;
  /** Signed cost basis Σ price·qty, scale 1e16. */
  cost = 0n;
  /** Realized P&L, scale 1e16 (before fees). */
  realized = 0n;
  /** Fees paid, quote × 1e8. */
  fees = 0n;
  /** Fills applied. */
  fills = 0;
  private tripRealized = 0n;
  private tripFees = 0n;

  /** Applies a fill of `quantity` (> 0) at `price` on `side` with `fee`. */
  apply(side: number, price: bigint, quantity: bigint, fee: bigint): FillEffect {
    const dq = side === Side.Buy ? quantity : -quantity;
    this.fills++;
    this.fees += fee;
    this.tripFees += fee;
    let realized = 0n;
    let roundTrip: bigint | undefined;
    if (this.quantity === 0n || (this.quantity > 0n) === (dq > 0n)) {
      this.quantity += dq;
      this.cost += price * dq;
      return { realized };
    }
    const open = abs(this.quantity);
    const closing = abs(dq) < open ? abs(dq) : open;
    const removed = closing === open ? this.cost : (this.cost * closing) / open;
    const sign = this.quantity > 0n ? 1n : -1n;
    realized = sign * price * closing - removed;
    this.realized += realized;
    this.tripRealized += realized;
    this.cost -= removed;
    this.quantity += sign * -closing;
    const rest = abs(dq) - closing;
    if (this.quantity === 0n) {
      roundTrip = floorDiv(this.tripRealized, PRICE_SCALE) - this.tripFees;
      this.tripRealized = 0n;
      this.tripFees = 0n;
      this.cost = 0n;
      if (rest > 0n) {
        this.quantity = dq > 0n ? rest : -rest;
        this.cost = price * this.quantity;
      }
    }
    return roundTrip === undefined ? { realized } : { realized, roundTrip };
  }

  /** Average entry price (1e8), 0 when flat. */
  get averagePrice(): bigint {
    return this.quantity === 0n ? 0n : this.cost / this.quantity;
  }

  /** Unrealized P&L at `mark`, scale 1e16. */
  unrealized(mark: bigint): bigint {
    return mark * this.quantity - this.cost;
  }

  /** Every field, as decimal text (for snapshots). */
  toJson(): PositionJson {
    return {
      quantity: String(this.quantity), cost: String(this.cost), realized: String(this.realized), fees: String(this.fees), fills: this.fills,
      tripRealized: String(this.tripRealized), tripFees: String(this.tripFees),
    };
  }

  /** A position with exactly the given (already validated) fields. */
  static fromValues(f: PositionValues): Position {
    const p = new Position();
    p.quantity = f.quantity;
    p.cost = f.cost;
    p.realized = f.realized;
    p.fees = f.fees;
    p.fills = f.fills;
    p.tripRealized = f.tripRealized;
    p.tripFees = f.tripFees;
    return p;
  }

  /** Realized P&L in quote × 1e8 (floor), before fees. */
  get realizedQuote(): bigint {
    return floorDiv(this.realized, PRICE_SCALE);
  }
}

/** ⌊a / b⌋ for b > 0 (rounds toward −∞, unlike bigint division). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
