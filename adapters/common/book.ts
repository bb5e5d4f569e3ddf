/**
 * A price-level order book with exact prices: bigint 10^8 fixed point, levels kept sorted (bids high
 * to low, asks low to high) in parallel arrays, binary-searched. Shared by the Coinbase, Binance and
 * Kraken adapters. It can also keep each level's price and size text exactly as the venue sent it,
 * which Kraken's checksum is computed over.
 *
 * `set` returns the index of the level it changed, so an adapter knows cheaply whether the top of
 * book (index 0) or the published depth changed.
 *
 * @example
 * ```ts
 * const book = new OrderBook();
 * book.bids.set(10_000_000_000n, 50_000_000n);  // 100.00 × 0.5
 * book.asks.set(10_100_000_000n, 20_000_000n);
 * book.bids.set(10_000_000_000n, 0n);           // size 0 removes the level
 * ```
 * @module
 */

/** One side of a book. */
export class BookSide {
  /** True for bids (best = highest). */
  readonly descending: boolean;
  /** Level prices, best first. */
  readonly prices: bigint[] = [];
  /** Level sizes, parallel to {@link prices}. */
  readonly sizes: bigint[] = [];
  /** Venue price text per level when the book keeps text. */
  readonly priceTexts: string[] | undefined;
  /** Venue size text per level when the book keeps text. */
  readonly sizeTexts: string[] | undefined;

  /** @param descending true for bids @param keepText keep the venue's text of each level */
  constructor(descending: boolean, keepText = false) {
    this.descending = descending;
    this.priceTexts = keepText ? [] : undefined;
    this.sizeTexts = keepText ? [] : undefined;
  }

  /** Number of levels. */
  get length(): number {
    return this.prices.length;
  }

  /** Index of `price`, or `-(insertionPoint + 1)` when absent. */
  indexOf(price: bigint): number {
    const a = this.prices;
    let lo = 0;
    let hi = a.length - 1;
    const desc = this.descending;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = a[mid]!;
      if (m === price) return mid;
      if (desc ? m > price : m < price) lo = mid + 1;
      else hi = mid - 1;
    }
    return -(lo + 1);
  }

  /**
   * Sets the size at `price` (0 removes the level). Returns the index that changed, or -1 when nothing
   * did (removing an absent level — normal on Binance — or setting the same size).
   */
  set(price: bigint, size: bigint, priceText?: string, sizeText?: string): number {
    const i = this.indexOf(price);
    if (size === 0n) {
      if (i < 0) return -1;
      this.prices.splice(i, 1);
      this.sizes.splice(i, 1);
      this.priceTexts?.splice(i, 1);
      this.sizeTexts?.splice(i, 1);
      return i;
    }
    if (i >= 0) {
      const sameText = this.sizeTexts === undefined || this.sizeTexts[i] === sizeText;
      if (this.sizes[i] === size && sameText) return -1;
      this.sizes[i] = size;
      if (this.sizeTexts) this.sizeTexts[i] = sizeText ?? "";
      return i;
    }
    const at = -i - 1;
    this.prices.splice(at, 0, price);
    this.sizes.splice(at, 0, size);
    this.priceTexts?.splice(at, 0, priceText ?? "");
    this.sizeTexts?.splice(at, 0, sizeText ?? "");
    return at;
  }

  /** Keeps only the best `depth` levels. */
  truncate(depth: number): void {
    if (this.prices.length <= depth) return;
    this.prices.length = depth;
    this.sizes.length = depth;
    if (this.priceTexts) this.priceTexts.length = depth;
    if (this.sizeTexts) this.sizeTexts.length = depth;
  }

  /** Removes every level. */
  clear(): void {
    this.truncate(0);
  }

  /** Best price, or 0n when empty. */
  get bestPrice(): bigint {
    return this.prices[0] ?? 0n;
  }

  /** Size at the best price, or 0n when empty. */
  get bestSize(): bigint {
    return this.sizes[0] ?? 0n;
  }
}

/** Bids and asks of one instrument. */
export class OrderBook {
  /** Bids, best (highest) first. */
  readonly bids: BookSide;
  /** Asks, best (lowest) first. */
  readonly asks: BookSide;

  /** @param keepText keep the venue's price/size text per level (Kraken checksum) */
  constructor(keepText = false) {
    this.bids = new BookSide(true, keepText);
    this.asks = new BookSide(false, keepText);
  }

  /** Removes every level of both sides. */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** True when the best bid is at or above the best ask (a book that cannot be right). */
  get crossed(): boolean {
    return this.bids.length > 0 && this.asks.length > 0 && this.bids.prices[0]! >= this.asks.prices[0]!;
  }
}
