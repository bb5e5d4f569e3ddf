/**
 * The dashboard's history/live seam (`api/dashboard/client/history.js`, a browser module without DOM
 * use): history first, live messages held while the history is fetched again after the socket opens,
 * nothing shown twice, nothing lost, and a reconnect that only adds what was missed. The history comes
 * from a real {@link RecentHistory} fed with the same messages the "relay" sends live.
 */
import { describe, expect, it } from "vitest";
import { RecentHistory } from "../../api/recent-history.ts";

interface SeamModule {
  HistorySeam: new (o: { get: (path: string) => Promise<unknown>; domain: string; types: readonly number[]; apply: (msg: any, at: number) => void }) => {
    start(): void; onOpen(): void; onMessage(msg: unknown): void; stop(): void; pending: Promise<void>; duplicates: number; fromHistory: number;
  };
  entryTime(msg: unknown, now: number): number;
}
const { HistorySeam, entryTime } = (await import("../../api/dashboard/client/history.js" as string)) as SeamModule;

const fill = (source: number, seq: number) => ({ header: { source, sequence: String(seq), timestamp: "0" }, tlvs: [{ type: 42, orderId: String(seq) }] });

/** A history fed like the API's, a seam over it, and what the page showed (source:sequence). */
function rig() {
  const history = new RecentHistory({ perFeed: 1000 });
  const shown: string[] = [];
  let gets = 0;
  let gate: Promise<void> = Promise.resolve();
  const seam = new HistorySeam({
    domain: "execution", types: [42],
    get: async (path) => {
      gets++;
      expect(path).toBe("/history?domain=execution&types=42");
      await gate;
      return JSON.parse(history.snapshotJson("execution", [42]));
    },
    apply: (msg) => shown.push(`${msg.header.source}:${msg.header.sequence}`),
  });
  /** The relay delivers a message: the API records it, the socket (if open) carries it. */
  const relay = (msg: unknown, socketOpen: boolean) => {
    history.record("execution", msg);
    if (socketOpen) seam.onMessage(msg);
  };
  return { history, shown, seam, relay, gets: () => gets, hold: (p: Promise<void>) => { gate = p; } };
}

describe("history seam", () => {
  it("shows the history on start, then live messages once each across the seam", async () => {
    const r = rig();
    for (let i = 1; i <= 3; i++) r.relay(fill(41, i), false);
    r.seam.start();
    await r.seam.pending;
    expect(r.shown).toEqual(["41:1", "41:2", "41:3"]);

    // The socket opens; messages keep coming while the second history fetch is in flight.
    let open!: () => void;
    r.hold(new Promise<void>((resolve) => (open = resolve)));
    r.seam.onOpen();
    r.relay(fill(41, 4), true);
    r.relay(fill(42, 1), true);
    r.relay(fill(41, 5), true);
    expect(r.shown).toHaveLength(3); // held until the history covers the time before the socket
    open();
    await r.seam.pending;
    r.relay(fill(41, 6), true);
    expect(r.shown).toEqual(["41:1", "41:2", "41:3", "41:4", "42:1", "41:5", "41:6"]);
    expect(r.seam.duplicates).toBe(3);
    expect(r.gets()).toBe(2);
    r.seam.stop();
  });

  it("fills in what was missed while reconnecting, and shows nothing twice", async () => {
    const r = rig();
    r.seam.start();
    r.seam.onOpen();
    await r.seam.pending;
    r.relay(fill(41, 1), true);
    r.relay(fill(41, 2), true);
    // The socket drops: two messages pass while the page is away, then it reconnects.
    r.relay(fill(41, 3), false);
    r.relay(fill(41, 4), false);
    r.seam.onOpen();
    r.relay(fill(41, 5), true);
    await r.seam.pending;
    expect(r.shown).toEqual(["41:1", "41:2", "41:3", "41:4", "41:5"]);
    r.seam.stop();
  });

  it("never mutes a source that restarted its sequences after the seam", async () => {
    const r = rig();
    for (let i = 1; i <= 100; i++) r.relay(fill(41, i), false);
    r.seam.start();
    r.seam.onOpen();
    await r.seam.pending;
    r.relay(fill(41, 101), true);
    r.relay(fill(41, 1), true); // the service restarted: sequences start again at 1
    r.relay(fill(41, 2), true);
    expect(r.shown.slice(-3)).toEqual(["41:101", "41:1", "41:2"]);
    r.seam.stop();
  });

  it("goes on live when the history cannot be fetched", async () => {
    const shown: string[] = [];
    const seam = new HistorySeam({
      domain: "execution", types: [], get: async () => { throw new Error("HTTP 404"); }, apply: (m) => shown.push(m.header.sequence),
    });
    seam.start();
    seam.onOpen();
    seam.onMessage(fill(41, 7));
    await seam.pending;
    seam.onMessage(fill(41, 8));
    expect(shown).toEqual(["7", "8"]);
    seam.stop();
  });

  it("dates a history entry by its header when plausible", () => {
    const now = 1_700_000_000_000;
    const at = (ms: number) => ({ header: { timestamp: String(BigInt(ms) * 1_000_000n) } });
    expect(entryTime(at(now - 5_000), now)).toBe(now - 5_000);
    expect(entryTime(at(now + 60_000), now)).toBe(now);
    expect(entryTime(at(now - 2 * 86_400_000), now)).toBe(now);
    expect(entryTime({ header: {} }, now)).toBe(now);
  });
});
