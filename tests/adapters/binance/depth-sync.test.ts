import { describe, expect, it } from "vitest";
import { DepthSync } from "../../../adapters/binance/depth-sync.ts";

describe("Binance depth bridging rule", () => {
  it("buffers until the snapshot, drops u <= L, bridges U <= L+1 <= u, then needs U = prev u + 1", () => {
    const s = new DepthSync();
    expect(s.onEvent(100, 105)).toBe("buffer");
    expect(s.onEvent(106, 110)).toBe("buffer");
    expect(s.onSnapshot(107)).toBe(true);
    expect(s.onEvent(100, 105)).toBe("drop"); // replaying the buffer
    expect(s.onEvent(106, 110)).toBe("apply"); // 106 <= 108 <= 110
    expect(s.lastUpdateId).toBe(110);
    expect(s.onEvent(111, 111)).toBe("apply");
    expect(s.onEvent(110, 111)).toBe("drop");
    expect(s.onEvent(113, 115)).toBe("resync"); // 112 is missing
  });

  it("asks for a new snapshot when the snapshot is older than the first bridging event", () => {
    const s = new DepthSync();
    s.onEvent(200, 210);
    expect(s.onSnapshot(150)).toBe(true);
    expect(s.onEvent(200, 210)).toBe("resync"); // 200 > 151: events 151..199 are missing
  });

  it("ignores a snapshot nobody waits for", () => {
    const s = new DepthSync();
    s.onEvent(1, 2);
    s.onSnapshot(2);
    s.onEvent(3, 4);
    expect(s.phase).toBe("live");
    expect(s.onSnapshot(10)).toBe(false);
    s.reset();
    expect(s.phase).toBe("idle");
  });
});
