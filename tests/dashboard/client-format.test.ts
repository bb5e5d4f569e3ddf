/**
 * The dashboard client's pure modules (formatting, pool prices, symbol unpacking), checked against the
 * protocol's own codec with property tests, and the whole client type-checked (`// @ts-check` JSDoc
 * types, DOM lib, uPlot's declarations) so a browser-only module cannot rot unnoticed.
 */

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDecimal, pairAssetId } from "../../protocol/mod.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT = join(ROOT, "api/dashboard/client");

interface FormatModule {
  fixed(raw: string, scale?: number, minFrac?: number): string;
  ratio(num: bigint, den: bigint, sig?: number): string;
  usd(raw: string): string;
  signedUsd(raw: string): string;
  duration(s: number): string;
  count(n: number | string): string;
}
interface PoolsModule {
  swapPrice(s: unknown): { token0: string; token1: string; dec0: number; dec1: number; price: [bigint, bigint] } | undefined;
}
interface SettingsModule {
  unpackPair(assetId: string): string | undefined;
}
interface MarketsModule {
  spreadBps(bid: string, ask: string): string;
}

// Browser modules, loaded by URL (they are plain JavaScript, not part of the TypeScript program).
const load = <T>(file: string): Promise<T> => import(new URL(`../../api/dashboard/client/${file}`, import.meta.url).href) as Promise<T>;
const fmt = await load<FormatModule>("format.js");
const pools = await load<PoolsModule>("pools.js");
const settings = await load<SettingsModule>("settings.js");
const markets = await load<MarketsModule>("markets.js");

function isqrt(n: bigint): bigint {
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

describe("dashboard client formatting", () => {
  it("shows ×10^8 integers exactly: the same digits as the protocol's formatDecimal", () => {
    fc.assert(fc.property(i64, (v) => {
      expect(fmt.fixed(v.toString(), 8, 0).replace(/,/g, "")).toBe(formatDecimal(v, 8));
    }));
    expect(fmt.fixed("6425091000000")).toBe("64,250.91");
    expect(fmt.fixed("100000000")).toBe("1.00");
    expect(fmt.fixed("-5")).toBe("-0.00000005");
    expect(fmt.fixed("0", 8, 0)).toBe("0");
  });

  it("rounds USD to cents half away from zero, keeping the sign", () => {
    expect(fmt.usd("123456")).toBe("$0.00");
    expect(fmt.usd("500000")).toBe("$0.01");
    expect(fmt.usd("-1234567890123")).toBe("-$12,345.68");
    expect(fmt.signedUsd("3525000000")).toBe("+$35.25");
    expect(fmt.signedUsd("0")).toBe("$0.00");
  });

  it("divides exactly to the requested significant digits", () => {
    const pos = fc.bigInt({ min: 1n, max: 2n ** 200n });
    fc.assert(fc.property(pos, pos, fc.integer({ min: 1, max: 12 }), (num, den, sig) => {
      const text = fmt.ratio(num, den, sig).replace(/,/g, "");
      const [int, frac = ""] = text.split(".");
      const shown = BigInt(int! + frac);
      const scale = 10n ** BigInt(frac.length);
      // |shown/scale − num/den| ≤ half a unit of the last shown digit (or of the trailing zeros' place).
      const digits = (int! + frac).replace(/^0+/, "");
      const unitScale = digits.length > sig ? 10n ** BigInt(digits.length - sig) : 1n;
      expect(2n * (shown * den - num * scale < 0n ? num * scale - shown * den : shown * den - num * scale)).toBeLessThanOrEqual(unitScale * den);
    }));
    expect(fmt.ratio(1n, 3n, 4)).toBe("0.3333");
    expect(fmt.ratio(2n, 3n, 3)).toBe("0.667");
    expect(fmt.ratio(31_500_000n, 10_000n, 6)).toBe("3,150");
    expect(fmt.ratio(5n, 0n)).toBe("—");
  });

  it("prices a V3 swap from sqrtPriceX96 and a V2 swap from its amounts, in token0/token1 order", () => {
    const usdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", weth = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
    // 1 WETH = 2000 USDC: token1/token0 raw = 1e18 / 2000e6 = 5e8; sqrtPriceX96 = sqrt(5e8)·2^96.
    const sq = isqrt(500_000_000n << 192n);
    const v3 = pools.swapPrice({ tokenIn: weth, tokenOut: usdc, tokenInDecimals: 18, tokenOutDecimals: 6, amountIn: "1", amountOut: "1", sqrtPriceX96After: sq.toString() })!;
    expect([v3.token0, v3.token1, v3.dec0, v3.dec1]).toEqual([usdc, weth, 6, 18]);
    expect(fmt.ratio(v3.price[1], v3.price[0], 6)).toBe("2,000");
    const v2 = pools.swapPrice({ tokenIn: usdc, tokenOut: weth, tokenInDecimals: 6, tokenOutDecimals: 18, amountIn: "3000000000", amountOut: "1000000000000000000" })!;
    expect(fmt.ratio(v2.price[1], v2.price[0], 6)).toBe("3,000");
    expect(pools.swapPrice({ tokenIn: usdc, tokenOut: weth, tokenInDecimals: 6, tokenOutDecimals: 18, amountIn: "0", amountOut: "1" })).toBeUndefined();
  });

  it("unpacks pair assetIds exactly as the protocol packs them", () => {
    const symbol = fc.stringMatching(/^[A-Z0-9]{1,6}$/);
    fc.assert(fc.property(symbol, symbol, (base, quote) => {
      expect(settings.unpackPair(pairAssetId(base, quote).toString())).toBe(`${base}/${quote}`);
    }));
    expect(settings.unpackPair("0")).toBeUndefined();
    expect(settings.unpackPair("0x12")).toBeUndefined();
  });

  it("measures the spread in bps of the mid, exactly", () => {
    expect(markets.spreadBps("9999000000", "10001000000")).toBe("2 bps");
    expect(markets.spreadBps("0", "10001000000")).toBe("—");
    expect(fmt.duration(3_725)).toBe("1h 02m");
    expect(fmt.count("1234567")).toBe("1,234,567");
  });
});

describe("dashboard client sources", () => {
  it("type-check (checkJs, strict, DOM, uPlot's declarations)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ap-dashboard-tsc-"));
    try {
      mkdirSync(join(dir, "client/vendor"), { recursive: true });
      for (const f of readdirSync(CLIENT).filter((n) => n.endsWith(".js"))) copyFileSync(join(CLIENT, f), join(dir, "client", f));
      copyFileSync(join(ROOT, "node_modules/uplot/dist/uPlot.d.ts"), join(dir, "client/vendor/uplot.esm.d.ts"));
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: {
          allowJs: true, checkJs: true, noEmit: true, strict: true, target: "ES2022", module: "ESNext", moduleResolution: "Bundler",
          lib: ["ES2022", "DOM", "DOM.Iterable"], skipLibCheck: true, types: [],
        },
        include: ["client/*.js", "client/vendor/*.d.ts"],
      }));
      const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
      const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
      const [cmd, args] = deno ? [deno.execPath(), ["run", "-A", tsc]] : [process.execPath, [tsc]];
      const r = spawnSync(cmd, [...args, "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 120_000 });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
