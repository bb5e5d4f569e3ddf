/**
 * bench/chain-floor.ts, the bare process chain `ap bench relay` and `bench/e2e-stages.ts` measure their
 * floors against: a real 2-hop chain (`csrc → cfwd → csink`, three processes of this runtime over Unix
 * sockets) at a low rate for a second, and the relay benchmark's comparison with it. No speed is asserted.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { measureChainFloor, twoHopVsChain, twoHopVsChainLine, type ChainFloorResult } from "../../bench/chain-floor.ts";

describe("measureChainFloor", () => {
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ap-chain-test-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("times the messages of a real 2-hop chain paced at 1000 msgs/s for 1 s", async () => {
    const r = await measureChainFloor(2, 1000, 1, { dir, warmUpSeconds: 0.2 });
    expect(r).toMatchObject({ hops: 2, rate: 1000, seconds: 1 });
    // The source sends what is due by the clock, so about rate × seconds however loaded the machine is.
    expect(r.sent).toBeGreaterThan(500);
    expect(r.sent).toBeLessThanOrEqual(1001);
    // The sink timed this run's messages only (the warm-up's were reset), nearly all of them.
    expect(r.count).toBeLessThanOrEqual(r.sent);
    expect(r.count).toBeGreaterThanOrEqual(Math.floor(r.sent * 0.9));
    expect(r.p50Ns).toBeGreaterThan(0);
    expect(r.p99Ns).toBeGreaterThanOrEqual(r.p50Ns);
    expect(r.p999Ns).toBeGreaterThanOrEqual(r.p99Ns);
    // Its sockets were in the directory given, under the default tag.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("chain2-")).sort()).toEqual(["chain2-0.sock", "chain2-1.sock"]);
  }, 20_000);

  it("refuses a chain without hops and a rate of 0 before starting anything", async () => {
    await expect(measureChainFloor(0, 1000, 1, { dir })).rejects.toThrow(/hops must be a whole number/);
    await expect(measureChainFloor(2, 0, 1, { dir })).rejects.toThrow(/rate and seconds must be > 0/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("twoHopVsChain", () => {
  const chain: ChainFloorResult = { hops: 2, rate: 10_000, seconds: 2, sent: 20_000, count: 19_990, p50Ns: 120_340, p99Ns: 410_060, p999Ns: 900_000 };

  it("reports one round: the chain's percentiles in µs and the relay's two-hop p50 over the chain's", () => {
    const f = twoHopVsChain([{ twoHopP50Micros: 180.5, chain }], 1);
    expect(f).toEqual({
      chain2P50Micros: 120.3, chain2P99Micros: 410.1, chain2Samples: 19_990, chain2Subscribers: 1, twoHopP50OverChain2: 1.5,
      rounds: [{ twoHopP50Micros: 180.5, chain2P50Micros: 120.3, ratio: 1.5 }],
    });
    expect(twoHopVsChainLine(f, 10_000)).toBe(
      "  two-hop chain floor (csrc → cfwd → csink, bare processes, paced at 10000 msgs/s, 1 round(s) alternating with the relay's): " +
        "p50 120.3 µs, p99 410.1 µs (median; 19990 samples); processes two-hop p50 (1 sub) ÷ chain floor: 180.5 ÷ 120.3 = 1.5× → median 1.5×  (target ≤ 1.5×)",
    );
  });

  it("takes the ratio per round and reports the median of the ratios, not the ratio of the medians", () => {
    const at = (p50Micros: number, p99Micros: number): ChainFloorResult => ({ ...chain, p50Ns: p50Micros * 1000, p99Ns: p99Micros * 1000, count: 100 });
    // The chain's median (80) and the relay's (120) would give 1.5; the rounds' own ratios are 2, 1.2 and 1.1.
    const f = twoHopVsChain([
      { twoHopP50Micros: 120, chain: at(60, 300) },
      { twoHopP50Micros: 96, chain: at(80, 500) },
      { twoHopP50Micros: 132, chain: at(120, 400) },
    ], 1);
    expect(f.rounds.map((r) => r.ratio)).toEqual([2, 1.2, 1.1]);
    expect(f.twoHopP50OverChain2).toBe(1.2);
    expect(f.chain2P50Micros).toBe(80);
    expect(f.chain2P99Micros).toBe(400);
    expect(f.chain2Samples).toBe(300);
    // An even count of rounds: the mean of the middle two.
    expect(twoHopVsChain([{ twoHopP50Micros: 120, chain: at(60, 300) }, { twoHopP50Micros: 96, chain: at(80, 500) }], 1).twoHopP50OverChain2).toBe(1.6);
  });

  it("gives no ratio for a floor that measured nothing, and leaves such a round out of the median", () => {
    expect(twoHopVsChain([{ twoHopP50Micros: 180.5, chain: { ...chain, p50Ns: 0 } }], 2).twoHopP50OverChain2).toBeNaN();
    const f = twoHopVsChain([{ twoHopP50Micros: 180.5, chain: { ...chain, p50Ns: 0 } }, { twoHopP50Micros: 180.5, chain }], 1);
    expect(f.rounds[0]!.ratio).toBeNaN();
    expect(f.twoHopP50OverChain2).toBe(1.5);
  });

  it("refuses to compare without a round", () => {
    expect(() => twoHopVsChain([], 1)).toThrow(RangeError);
  });
});
