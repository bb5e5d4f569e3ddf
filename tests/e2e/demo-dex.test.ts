/**
 * The embedded demo (config/default.yaml) trades its arbitrage signals, with real processes: the Polygon
 * adapter replays the simulated chain, strategy-arbitrage signals, and the execution service turns the
 * signals into paper DEX orders whose fills (and reverts) appear in `/portfolio` (token balances, USD
 * totals, latest fills) and in the execution journal (OrderRequests with a DEX route, Fills in the
 * borrowed token).
 */

import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { AssetType, ORDER_FLAG_DEX_ROUTE } from "../../protocol/mod.ts";
import { createLogger } from "../../core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { readJournal } from "../../runtime/journal.ts";
import { STATE_SUBDIRS } from "../../runtime/paths.ts";
import { startSystem, type RunningSystem } from "../../app/system.ts";
import { decodeMessage } from "../../protocol/mod.ts";
import { until } from "../runtime/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "main.ts");
const dir = mkdtempSync(join(tmpdir(), "ap-demo-dex-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface DexPart {
  totals: { fills: number; succeeded: number; reverted: number; netUsd: string; gasUsd: string };
  balances: { token: string; symbol: string; amount: string }[];
  recentFills: { status: string; amountIn: string; gasUsd: string }[];
  planner: { signals: number; planned: number };
}

describe("the demo trades its arbitrage signals on paper", () => {
  it("arbitrage signals become paper DEX orders; fills appear in /portfolio and the journal", async () => {
    const text = readFileSync(join(ROOT, "config/default.yaml"), "utf8");
    const runtimeDir = join(dir, "run");
    const config = parseConfig(text, AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: "0" });
    // Only what the DEX path needs: the Polygon adapter, the arbitrage strategy, execution. Replayed 4× faster.
    const services = config.services
      .filter((s) => s.name === "adapter-polygon" || s.name === "strategy-arbitrage" || s.name === "execution")
      .map((s) => (s.kind === "adapter" ? { ...s, options: { ...s.options, speed: 4 } } : s));
    const level = process.env.ALPHAPULSE_LOG_LEVEL;
    process.env.ALPHAPULSE_LOG_LEVEL = "error";
    const prev = process.cwd();
    let system: RunningSystem | undefined;
    try {
      process.chdir(ROOT);
      try {
        system = await startSystem({ ...config, services }, { mainPath: MAIN, log: createLogger("demo-dex", { level: "error" }) });
      } finally {
        process.chdir(prev);
      }
      const auth = { authorization: `Bearer ${system.token}` };
      const dex = async (): Promise<DexPart | undefined> => {
        const r = await fetch(`${system!.apiUrl}/portfolio`, { headers: auth });
        if (r.status !== 200) return undefined;
        return ((await r.json()) as { dex?: DexPart }).dex;
      };
      // Some execute, some revert (the pools move between the signal and the paper venue's turn).
      const seen = await until("three DEX fills in /portfolio, filled and reverted ones", async () => {
        const d = await dex();
        return d !== undefined && d.totals.fills >= 3 && d.totals.succeeded > 0 && d.totals.reverted > 0 ? d : undefined;
      }, 240_000, 500);
      expect(seen.planner.planned).toBeGreaterThanOrEqual(seen.totals.fills);
      expect(seen.totals.succeeded + seen.totals.reverted).toBe(seen.totals.fills);
      expect(seen.totals.gasUsd).toMatch(/^\d+(\.\d{1,8})? USD$/);
      // Gas is paid in the native token on every fill, reverted or not.
      expect(seen.balances.find((b) => b.symbol === "WMATIC")?.amount).toMatch(/^-\d+(\.\d+)? WMATIC$/);
      expect(seen.balances.find((b) => b.symbol === "WETH" || b.symbol === "USDC")?.amount).toMatch(/^-?\d+(\.\d+)? (WETH|USDC)$/);
      expect(seen.recentFills.length).toBe(Math.min(seen.totals.fills, 50));
      for (const f of seen.recentFills) expect(f.status).toMatch(/^(filled|reverted \(\w+\))$/);
      await system.stop();
      system = undefined;

      // The journal holds the routed orders and the fills in the borrowed token.
      let dexOrders = 0;
      let tokenFills = 0;
      for await (const m of readJournal(join(runtimeDir, STATE_SUBDIRS.journal), "execution")) {
        for (const t of decodeMessage(m).tlvs) {
          if (t.name === "OrderRequest" && (t.flags & ORDER_FLAG_DEX_ROUTE) !== 0 && t.pool !== undefined) dexOrders++;
          if (t.name === "Fill" && t.instrument.assetType === AssetType.Token) tokenFills++;
        }
      }
      expect(dexOrders).toBeGreaterThanOrEqual(3);
      expect(tokenFills).toBeGreaterThanOrEqual(3);
    } finally {
      await system?.stop();
      if (level === undefined) delete process.env.ALPHAPULSE_LOG_LEVEL;
      else process.env.ALPHAPULSE_LOG_LEVEL = level;
    }
  }, 300_000);
});
