/**
 * The tardis.dev CSV formats, told apart by their header row: `trades`, `quotes`, `book_snapshot_N`
 * (N levels a side, columns `asks[i].price,asks[i].amount,bids[i].price,bids[i].amount`) and
 * `incremental_book_L2`. Every format starts with `exchange,symbol,timestamp,local_timestamp`
 * (timestamps in µs since the epoch). Columns are found by name, so their order may vary.
 *
 * @example
 * ```ts
 * const f = detectTardisFormat("exchange,symbol,timestamp,local_timestamp,id,side,price,amount");
 * f?.kind; // "trades"
 * ```
 * @module
 */

/** A detected tardis CSV layout: the kind and the column index of every field used. */
export type TardisFormat =
  | { readonly kind: "trades"; readonly name: "trades"; readonly columns: number; readonly common: CommonColumns; readonly side: number; readonly price: number; readonly amount: number }
  | { readonly kind: "quotes"; readonly name: "quotes"; readonly columns: number; readonly common: CommonColumns; readonly askAmount: number; readonly askPrice: number; readonly bidPrice: number; readonly bidAmount: number }
  | { readonly kind: "book_snapshot"; readonly name: string; readonly columns: number; readonly common: CommonColumns; readonly levels: number; readonly askPrice: readonly number[]; readonly askAmount: readonly number[]; readonly bidPrice: readonly number[]; readonly bidAmount: readonly number[] }
  | { readonly kind: "incremental_book_L2"; readonly name: "incremental_book_L2"; readonly columns: number; readonly common: CommonColumns; readonly isSnapshot: number; readonly side: number; readonly price: number; readonly amount: number };

/** Columns every tardis format has. */
export interface CommonColumns {
  readonly exchange: number;
  readonly symbol: number;
  readonly timestamp: number;
  readonly localTimestamp: number;
}

/** The formats this importer reads (for messages). */
export const TARDIS_FORMATS = "trades, quotes, book_snapshot_N, incremental_book_L2";

/** The format of a header row, or `undefined` when it is none of {@link TARDIS_FORMATS}. */
export function detectTardisFormat(header: string): TardisFormat | undefined {
  const names = header.split(",").map((c) => c.trim());
  const at = new Map<string, number>();
  names.forEach((n, i) => at.set(n, i));
  const col = (n: string): number => at.get(n) ?? -1;
  const common = { exchange: col("exchange"), symbol: col("symbol"), timestamp: col("timestamp"), localTimestamp: col("local_timestamp") };
  if (common.exchange < 0 || common.symbol < 0 || common.timestamp < 0) return undefined;
  const columns = names.length;
  const has = (...n: string[]): boolean => n.every((x) => at.has(x));
  if (has("is_snapshot", "side", "price", "amount")) {
    return { kind: "incremental_book_L2", name: "incremental_book_L2", columns, common, isSnapshot: col("is_snapshot"), side: col("side"), price: col("price"), amount: col("amount") };
  }
  if (has("side", "price", "amount")) return { kind: "trades", name: "trades", columns, common, side: col("side"), price: col("price"), amount: col("amount") };
  if (has("ask_amount", "ask_price", "bid_price", "bid_amount")) {
    return { kind: "quotes", name: "quotes", columns, common, askAmount: col("ask_amount"), askPrice: col("ask_price"), bidPrice: col("bid_price"), bidAmount: col("bid_amount") };
  }
  let levels = 0;
  while (has(`asks[${levels}].price`, `asks[${levels}].amount`, `bids[${levels}].price`, `bids[${levels}].amount`)) levels++;
  if (levels === 0 || at.has(`asks[${levels}].price`) || at.has(`bids[${levels}].price`)) return undefined;
  const range = (f: (i: number) => string): number[] => Array.from({ length: levels }, (_, i) => col(f(i)));
  return {
    kind: "book_snapshot", name: `book_snapshot_${levels}`, columns, common, levels,
    askPrice: range((i) => `asks[${i}].price`), askAmount: range((i) => `asks[${i}].amount`),
    bidPrice: range((i) => `bids[${i}].price`), bidAmount: range((i) => `bids[${i}].amount`),
  };
}
