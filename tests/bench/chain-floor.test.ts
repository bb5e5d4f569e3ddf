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

  it("reports the chain's percentiles in µs and the relay's two-hop p50 over the chain's", () => {
    const f = twoHopVsChain(chain, 180.5, 1);
    expect(f).toEqual({ chain2P50Micros: 120.3, chain2P99Micros: 410.1, chain2Samples: 19_990, chain2Subscribers: 1, twoHopP50OverChain2: 1.5 });
    expect(twoHopVsChainLine(f, 10_000)).toBe(
      "  two-hop chain floor (csrc → cfwd → csink, bare processes, paced at 10000 msgs/s): p50 120.3 µs, p99 410.1 µs (19990 samples); " +
        "processes two-hop p50 (1 sub) ÷ chain floor = 1.5×  (target ≤ 1.5×)",
    );
  });

  it("gives no ratio for a floor that measured nothing", () => {
    expect(twoHopVsChain({ ...chain, p50Ns: 0 }, 180.5, 2).twoHopP50OverChain2).toBeNaN();
  });
});
