/**
 * `Fifo` (core/fifo.ts): the same answers as an array used as a queue, for any sequence of operations, and
 * a `shift` whose cost does not grow with the queue's length (the relay client's re-send window held tens
 * of thousands of one-message batches; `Array.prototype.shift` moved all of them on every write).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fifo } from "../../core/fifo.ts";

type Op = { op: "push"; v: number } | { op: "shift" } | { op: "replace"; v: number } | { op: "clear" } | { op: "takeAll" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((v) => ({ op: "push", v }) as const) },
  { weight: 5, arbitrary: fc.constant({ op: "shift" } as const) },
  { weight: 1, arbitrary: fc.integer().map((v) => ({ op: "replace", v }) as const) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" } as const) },
  { weight: 1, arbitrary: fc.constant({ op: "takeAll" } as const) },
);

describe("Fifo", () => {
  it("answers as an array queue does, over long runs that cross the reclaim point", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 0, max: 3000 }), (ops, preload) => {
        const q = new Fifo<number>();
        const model: number[] = [];
        for (let i = 0; i < preload; i++) {
          q.push(i);
          model.push(i);
        }
        // Drain most of the preload so later operations run with the front index past the reclaim point.
        for (let i = 0; i < Math.floor(preload * 0.6); i++) expect(q.shift()).toBe(model.shift());
        for (const o of ops) {
          if (o.op === "push") {
            q.push(o.v);
            model.push(o.v);
          } else if (o.op === "shift") expect(q.shift()).toBe(model.shift());
          else if (o.op === "replace") {
            q.replaceFront(o.v);
            if (model.length > 0) model[0] = o.v;
          } else if (o.op === "clear") {
            q.clear();
            model.length = 0;
          } else expect(q.takeAll()).toEqual(model.splice(0));
          expect(q.length).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
        }
        const seen: number[] = [];
        q.forEach((v) => seen.push(v));
        expect(seen).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });

  it("shifts from a queue of 100 000 about as fast as from one of 1 000 (ratio measured in this test)", () => {
    const perShift = (size: number): number => {
      const q = new Fifo<Uint8Array>();
      const chunk = new Uint8Array(1);
      for (let i = 0; i < size; i++) q.push(chunk);
      const rounds = 20_000;
      const t0 = performance.now();
      // Steady state of a bounded window: one in, one out, the length staying at `size`.
      for (let i = 0; i < rounds; i++) {
        q.push(chunk);
        q.shift();
      }
      return (performance.now() - t0) / rounds;
    };
    const ratios: number[] = [];
    for (let r = 0; r < 5; r++) ratios.push(perShift(100_000) / Math.max(perShift(1_000), 1e-6));
    ratios.sort((a, b) => a - b);
    // An array's shift at 100 000 elements moves them all: hundreds of times the small queue's cost.
    expect(ratios[2]).toBeLessThan(10);
  });
});
