import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StrategyConfigError } from "../../trading/config.ts";
import { loadPaperEngine, loadPortfolio, loadRiskManager } from "../../trading/load-engines.ts";
import { loadStrategy } from "../../trading/strategies/registry.ts";
import { FIXTURES } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-engines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("engines from YAML", () => {
  it("builds the risk manager, paper engine and portfolio from files or defaults", async () => {
    const risk = join(dir, "risk.yaml");
    writeFileSync(risk, `poolCache: ${join(FIXTURES, "pools.json")}\nstate: reducing\nlimits:\n  maxOpenOrders: 7\n  positionLimits: { "BTC/USD@coinbase": "2.5" }\n`);
    const r = await loadRiskManager(risk);
    expect(r.state).toBe("reducing");
    expect(r.limits.maxOpenOrders).toBe(7);
    expect(r.limits.positionLimits["BTC/USD@coinbase"]).toBe(250_000_000n);
    expect(r.market.pools.pools.length).toBe(3);
    expect((await loadRiskManager()).limits.maxOrdersPerSecond).toBe(50);
    const paper = join(dir, "paper.yaml");
    writeFileSync(paper, "poolCache: ../pools-missing.json\n");
    await expect(loadPaperEngine(paper)).rejects.toThrow(/pools-missing\.json: cannot read pool cache/);
    writeFileSync(paper, "fees: { makerBps: 1, takerBps: 2 }\n");
    expect((await loadPaperEngine(paper)).restingOrders).toBe(0);
    expect((await loadPortfolio()).totals().fills).toBe(0);
  });

  it("names the path and reason of an invalid value", async () => {
    const risk = join(dir, "bad-risk.yaml");
    writeFileSync(risk, "limits:\n  dailyLossLimit: -5\n");
    const err = await loadRiskManager(risk).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrategyConfigError);
    expect((err as StrategyConfigError).path).toBe("limits.dailyLossLimit");
    expect((err as StrategyConfigError).message).toMatch(/bad-risk\.yaml: limits\.dailyLossLimit: must not be negative/);
    writeFileSync(risk, "limits: [unclosed\n");
    await expect(loadRiskManager(risk)).rejects.toThrow(/invalid YAML at line/);
  });

  it("loads a strategy whose pool cache is relative to its config file", async () => {
    const s = await loadStrategy("flash-arbitrage", join(FIXTURES, "arbitrage.yaml"));
    expect(s.name).toBe("flash-arbitrage");
    const pools = join(dir, "pools.json");
    writeFileSync(pools, JSON.stringify({ "0xnot-an-address": { kind: "v2", venue: 300, token0: "0x" + "1".repeat(40), token1: "0x" + "2".repeat(40), decimals0: 18, decimals1: 18 } }));
    const cfg = join(dir, "arb.yaml");
    writeFileSync(cfg, "poolCache: pools.json\n");
    await expect(loadStrategy("flash-arbitrage", cfg)).rejects.toThrow(/pools\.json: 0xnot-an-address: pool key is not a 0x-prefixed 20-byte address/);
    writeFileSync(pools, JSON.stringify({ ["0x" + "3".repeat(40)]: { kind: "v3", venue: 301, token0: "0x" + "1".repeat(40), token1: "0x" + "2".repeat(40), decimals0: 18, decimals1: 18, fee: 1234 } }));
    await expect(loadStrategy("flash-arbitrage", cfg)).rejects.toThrow(/a V3 pool with a non-standard fee needs tickSpacing/);
  });
});
