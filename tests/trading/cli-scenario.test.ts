import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, type ArbitrageSignalTlv, type MomentumSignalTlv } from "../../protocol/mod.ts";
import { v2AmountOut, v2OptimalCycle } from "../../trading/dex/v2-math.ts";
import { getSqrtRatioAtTick, v3RangeBounds, v3SwapExactIn } from "../../trading/dex/v3-math.ts";
import { deriveId } from "../../trading/signal-id.ts";
import { MARKET_SOURCE, SUSHI_V2, T0, UNI_V2, UNI_V3, USDC, WETH, v3State } from "../../fixtures/strategies/generate.ts";
import { FIXTURES, ap, splitMessages } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-strategy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runTwice(name: string, fixture: string): Promise<Uint8Array> {
  const outs: Uint8Array[] = [];
  for (const n of [1, 2]) {
    const out = join(dir, `${fixture}-${n}.bin`);
    const r = await ap(["strategy", name, "--in", join(FIXTURES, `${fixture}-market.bin`), "--out", out, "--config", join(FIXTURES, `${fixture}.yaml`)]);
    expect(r.stderr).toContain(`ap strategy ${name}:`);
    expect(r.code).toBe(0);
    outs.push(new Uint8Array(readFileSync(out)));
  }
  expect(outs[1]).toEqual(outs[0]);
  return outs[0]!;
}

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;

describe("ap strategy flash-arbitrage over the scripted scenario", () => {
  it("gives exactly the expected signals, identical on every run", async () => {
    const messages = splitMessages(await runTwice("flash-arbitrage", "arbitrage"));
    expect(messages.length).toBe(2);

    // Signal 1 (after message 3): buy WETH on Uniswap V2 at 2000, sell on SushiSwap at 2060; X = USDC.
    const [xa, ya, xb, yb] = [40_000_000n * E6, 20_000n * E18, 20_600_000n * E6, 10_000n * E18];
    // At these reserves the integer profit is flat over millions of inputs; the refinement is exact
    // within 2 wei-units of USDC (brute-force-checked on small reserves in dex/v2-math.test.ts).
    const best = v2OptimalCycle(xa, ya, 3000n, xb, yb, 3000n);
    const profitAt = (dx: bigint): bigint => v2AmountOut(v2AmountOut(dx, xa, ya, 3000n), yb, xb, 3000n) - dx;
    for (const d of [-1000n, -1n, 1n, 1000n]) expect(profitAt(best.amountIn + d) <= best.profit).toBe(true);
    const gross = (best.profit * 100_000_000n) / E6; // USDC fixed at 1 USD
    const gas = 1_260_000_000n; // 21 gwei × 300,000 gas × 2000 USD/WETH (WETH priced by the Uniswap pool) = 12.60 USD
    const feesX = (best.amountIn * 3000n) / 1_000_000n + (best.amountOut * 3000n) / 997_000n;
    const ideal = (best.amountIn * 997_000n * 997_000n * ya * xb) / (10n ** 12n * xa * yb);
    const expected1 = encodeMessage({ relayDomain: 2, source: 20, sequence: 1n, timestamp: T0 + 2_000_000_000n }, [
      { type: 20, name: "SignalIdentity", strategyId: 20, confidence: Number(((gross - gas) * 100n) / gross), signalId: deriveId(20, MARKET_SOURCE, 3n, 0) },
      {
        type: 21, name: "ArbitrageSignal", chainId: 1, sourceVenue: 300, targetVenue: 302, sourcePool: UNI_V2, targetPool: SUSHI_V2,
        tokenIn: USDC, tokenOut: WETH, amountIn: best.amountIn, expectedProfitUsd: gross, gasCostUsd: gas,
        dexFeesUsd: (feesX * 100_000_000n) / E6, slippageUsd: ((ideal - best.amountOut) * 100_000_000n) / E6, netProfitUsd: gross - gas,
        spreadBps: 300, slippageToleranceBps: 30, validUntil: T0 + 14_000_000_000n,
        maxGasPriceWei: (gross * E18) / (300_000n * 2000n * 100_000_000n), minAmountOut: (best.amountOut * 9970n) / 10_000n, extraHopPools: [],
      },
    ]);
    expect(messages[0]).toEqual(expected1);

    // Signal 2 (after message 6, the reorg having removed SushiSwap's state): Uniswap V2 at 2000 vs the
    // V3 pool at 2040, sized within the V3 pool's current tick-spacing range.
    const s2 = decodeMessage(messages[1]!);
    expect(s2.header.timestamp).toBe(T0 + 5_000_000_000n);
    const arb = s2.tlvs[1] as ArbitrageSignalTlv;
    expect([arb.sourcePool, arb.targetPool, arb.tokenIn, arb.tokenOut]).toEqual([UNI_V2, UNI_V3, USDC, WETH]);
    const v3 = v3State(2040n, 10_000_000n * E6);
    const upper = v3RangeBounds(v3.tick, 10).sqrtUpper;
    expect(upper).toBe(getSqrtRatioAtTick(Math.floor(v3.tick / 10) * 10 + 10));
    const cycle = (dx: bigint): bigint => {
      const weth = v2AmountOut(dx, xa, ya, 3000n);
      const usdc = v3SwapExactIn(v3.sqrtPriceX96, v3.liquidity, 500n, weth, false, upper);
      return usdc < 0n ? -1n : usdc - dx;
    };
    const profit2 = cycle(arb.amountIn);
    expect(profit2 > 0n).toBe(true);
    expect(arb.expectedProfitUsd).toBe((profit2 * 100_000_000n) / E6);
    expect(arb.netProfitUsd).toBe(arb.expectedProfitUsd - gas);
    // Near-optimal within the range: no better nearby size, and 0.1 % more leaves the range.
    for (const dx of [arb.amountIn - 1n, arb.amountIn - 1000n, (arb.amountIn * 999n) / 1000n]) expect(cycle(dx) <= profit2).toBe(true);
    expect(cycle((arb.amountIn * 1001n) / 1000n)).toBe(-1n);
    expect(arb.minAmountOut).toBe(((arb.amountIn + profit2) * 9970n) / 10_000n);
  });

  it("rejects an invalid config naming the path and reason (exit 1)", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "minNetProfitUsd: ten\nslippageToleranceBps: 50\n");
    const r = await ap(["strategy", "flash-arbitrage", "--in", join(FIXTURES, "arbitrage-market.bin"), "--out", join(dir, "x.bin"), "--config", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml: minNetProfitUsd: "ten" is not a decimal number/);
    writeFileSync(bad, "windows:\n  - { seconds: 0, thresholdBps: 10 }\n");
    const m = await ap(["strategy", "momentum", "--in", join(FIXTURES, "momentum-market.bin"), "--out", join(dir, "x.bin"), "--config", bad]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/windows\.0\.seconds/);
    writeFileSync(bad, "minTrade: 5\n");
    const typo = await ap(["strategy", "momentum", "--in", join(FIXTURES, "momentum-market.bin"), "--out", join(dir, "x.bin"), "--config", bad]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/minTrade/);
  });

  it("lists strategies in --help and refuses unknown ones (exit 2)", async () => {
    const help = await ap(["strategy", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/flash-arbitrage/);
    expect(help.stdout).toMatch(/momentum/);
    const unknown = await ap(["strategy", "nope", "--in", "x", "--out", "y"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown strategy "nope"/);
  });

  it("exits 1 on a corrupt input, still writing what it produced", async () => {
    const input = new Uint8Array(readFileSync(join(FIXTURES, "arbitrage-market.bin")));
    const corrupt = input.slice();
    corrupt[corrupt.length - 3]! ^= 0xff; // inside the last message: checksum mismatch
    const inFile = join(dir, "corrupt.bin");
    writeFileSync(inFile, corrupt);
    const out = join(dir, "corrupt-out.bin");
    const r = await ap(["strategy", "flash-arbitrage", "--in", inFile, "--out", out, "--config", join(FIXTURES, "arbitrage.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 invalid message\(s\), first: message 7: ChecksumMismatch/);
    expect(splitMessages(new Uint8Array(readFileSync(out))).length).toBe(2);
  });
});

describe("ap strategy momentum over the scripted scenario", () => {
  it("signals the rise in each window once per cooldown, identical on every run", async () => {
    const messages = splitMessages(await runTwice("momentum", "momentum")).map((m) => decodeMessage(m));
    const signals = messages.map((m) => ({ ts: m.header.timestamp, s: m.tlvs[1] as MomentumSignalTlv, confidence: (m.tlvs[0] as { confidence: number }).confidence }));
    // Prices rise 7.50 USD (2.5 bps) per second from 30,000. 10 s window, 20 bps: first reached at t = 8 s
    // (30,060 vs 30,000 = 20 bps). 30 s window, 40 bps: at t = 16 s (30,120). Cooldown 15 s: the 10 s window
    // could signal again from t = 23 s but the rise stops at t = 20 s, so its momentum decays below 20 bps;
    // the 30 s window signals again at t = 31 s (47 bps: 30,150 vs 30,007.50 at t = 1 s).
    expect(signals.map(({ ts, s }) => [Number((ts - T0) / 1_000_000_000n), s.windowSeconds, s.momentumBps, s.direction, s.referencePrice])).toEqual([
      [8, 10, 20, 1, 3_006_000_000_000n],
      [16, 30, 40, 1, 3_012_000_000_000n],
      [31, 30, 47, 1, 3_015_000_000_000n],
    ]);
    for (const { confidence } of signals) expect(confidence).toBeGreaterThan(50);
  });
});
