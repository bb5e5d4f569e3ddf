import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChunkViews, viewsOf } from "../../protocol/buffer-views.ts";

describe("viewsOf", () => {
  it("gives views over the whole buffer, whichever of many buffers is asked about in whatever order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 64 }), offset: fc.integer({ min: 0, max: 32 }) }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        (shapes, picks) => {
          const arrays = shapes.map(({ size, offset }, i) => {
            const buf = new ArrayBuffer(size + offset);
            const a = new Uint8Array(buf, offset, size);
            a.fill(i + 1);
            return a;
          });
          for (const p of picks) {
            const a = arrays[p % arrays.length]!;
            const { u8, dv } = viewsOf(a);
            expect(u8.buffer).toBe(a.buffer);
            expect(dv.buffer).toBe(a.buffer);
            expect(u8.byteOffset).toBe(0);
            expect(u8.length).toBe(a.buffer.byteLength);
            expect(dv.byteLength).toBe(a.buffer.byteLength);
            expect(u8[a.byteOffset + a.length - 1]).toBe(a[a.length - 1]);
          }
        },
      ),
    );
  });

  it("answers the same views for arrays over one buffer and new views for another", () => {
    const buf = new ArrayBuffer(16);
    const a = viewsOf(new Uint8Array(buf, 0, 4));
    expect(viewsOf(new Uint8Array(buf, 8, 4))).toBe(a);
    const other = viewsOf(new Uint8Array(16));
    expect(other).not.toBe(a);
    expect(other.u8.buffer).not.toBe(buf);
  });

  it("keeps ChunkViews' offset right across arrays of different buffers", () => {
    const c = new ChunkViews();
    const x = new Uint8Array(new ArrayBuffer(10), 3, 5);
    x[0] = 7;
    const y = new Uint8Array(4);
    y[0] = 9;
    expect(c.of(x).u8[c.base]).toBe(7);
    expect(c.of(y).u8[c.base]).toBe(9);
    expect(c.of(x).dv.getUint8(c.base)).toBe(7);
  });
});
