import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OrderBook } from "../../../adapters/common/book.ts";

describe("OrderBook", () => {
  it("keeps bids high-to-low and asks low-to-high, removing size-0 levels", () => {
    const b = new OrderBook();
    for (const p of [5n, 7n, 6n]) b.bids.set(p, 1n);
    for (const p of [9n, 8n, 10n]) b.asks.set(p, 1n);
    expect(b.bids.prices).toEqual([7n, 6n, 5n]);
    expect(b.asks.prices).toEqual([8n, 9n, 10n]);
    expect(b.bids.set(6n, 0n)).toBe(1);
    expect(b.bids.set(6n, 0n)).toBe(-1); // removing an absent level changes nothing
    expect(b.bids.prices).toEqual([7n, 5n]);
    expect(b.crossed).toBe(false);
    b.bids.set(8n, 1n);
    expect(b.crossed).toBe(true);
  });

  it("matches a reference map under any sequence of updates", () => {
    const op = fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: 60n }), fc.bigInt({ min: 0n, max: 3n }));
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const book = new OrderBook();
      const ref = [new Map<bigint, bigint>(), new Map<bigint, bigint>()];
      for (const [bid, price, size] of ops) {
        const i = (bid ? book.bids : book.asks).set(price, size);
        const m = ref[bid ? 0 : 1]!;
        const before = m.get(price);
        if (size === 0n) m.delete(price);
        else m.set(price, size);
        expect(i === -1).toBe(before === m.get(price));
      }
      const bids = [...ref[0]!].sort((a, b) => (a[0] > b[0] ? -1 : 1));
      const asks = [...ref[1]!].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      expect(book.bids.prices).toEqual(bids.map((x) => x[0]));
      expect(book.bids.sizes).toEqual(bids.map((x) => x[1]));
      expect(book.asks.prices).toEqual(asks.map((x) => x[0]));
      expect(book.asks.sizes).toEqual(asks.map((x) => x[1]));
    }), { numRuns: 300 });
  });

  it("keeps the venue's text per level when asked, and truncates to a depth", () => {
    const b = new OrderBook(true);
    b.asks.set(100n, 5n, "1.00", "0.05000000");
    b.asks.set(90n, 5n, "0.90", "0.05000000");
    b.asks.set(100n, 7n, "1.00", "0.07000000");
    expect(b.asks.priceTexts).toEqual(["0.90", "1.00"]);
    expect(b.asks.sizeTexts).toEqual(["0.05000000", "0.07000000"]);
    b.asks.truncate(1);
    expect(b.asks.prices).toEqual([90n]);
    expect(b.asks.priceTexts).toEqual(["0.90"]);
  });
});
