/**
 * `ap backtest` end to end on the real tardis.dev sample (`../shared/data/tardis/`, imported with `ap
 * import tardis`): the CLI spawned on BOTH runtimes (tsx under Node, deno) whatever runtime runs the
 * test; the three report forms; byte-identical report.json across runtimes; realized P&L recomputed from
 * the report's own fill list; and report.html opened from disk in headless Chromium (skipped, saying
 * why, only when Chromium cannot be found or launched).
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "../../setup/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TARDIS = join(ROOT, "../shared/data/tardis");
const DATA = [join(TARDIS, "binance-futures_quotes_BTCUSDT_2020-02-22.csv"), join(TARDIS, "binance-futures_trades_BTCUSDT_2020-02-22.csv")];
const CONFIG = join(ROOT, "config/backtest/tardis-btcusdt.yaml");
const DENO = join(ROOT, "tools/deno/node_modules/@deno/linux-x64-glibc/deno");
const NODE = (globalThis as { Deno?: unknown }).Deno === undefined ? process.execPath : "node";
const TIMEOUT_MS = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(runtime: "node" | "deno", args: readonly string[]): Promise<Run> {
  const [cmd, pre] = runtime === "deno" ? [DENO, ["run", "-A", "main.ts"]] : [NODE, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${runtime} ap ${args.join(" ")} did not finish within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => (clearTimeout(timer), reject(e)));
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout: out, stderr: err })));
  });
}

const E8 = 100_000_000n;
function fixed(s: string, decimals: number): bigint {
  const neg = s.startsWith("-");
  const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
  const v = BigInt(i!) * 10n ** BigInt(decimals) + BigInt((f + "0".repeat(decimals)).slice(0, decimals) || "0");
  return neg ? -v : v;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a % b !== 0n && a < 0n ? a / b - 1n : a / b);

/** Average-cost realized P&L per instrument (×1e16) from a fill list, written independently of the portfolio. */
function realizedFromFills(fills: readonly { instrument: string; side: string; price: string; quantity: string }[]): Map<string, bigint> {
  const pos = new Map<string, { q: bigint; cost: bigint; realized: bigint }>();
  for (const f of fills) {
    const p = pos.get(f.instrument) ?? { q: 0n, cost: 0n, realized: 0n };
    pos.set(f.instrument, p);
    const price = fixed(f.price, 8);
    const qty = fixed(f.quantity, 8);
    const dq = f.side === "buy" ? qty : -qty;
    if (p.q === 0n || p.q > 0n === dq > 0n) {
      p.q += dq;
      p.cost += price * dq;
      continue;
    }
    const open = p.q < 0n ? -p.q : p.q;
    const closing = qty < open ? qty : open;
    const removed = closing === open ? p.cost : (p.cost * closing) / open;
    const sign = p.q > 0n ? 1n : -1n;
    p.realized += sign * price * closing - removed;
    p.cost -= removed;
    p.q -= sign * closing;
    if (p.q === 0n) {
      p.cost = 0n;
      const rest = qty - closing;
      if (rest > 0n) {
        p.q = dq > 0n ? rest : -rest;
        p.cost = price * p.q;
      }
    }
  }
  return new Map([...pos].map(([k, p]) => [k, p.realized]));
}

let dir = "";
const runs: Partial<Record<"node" | "deno", Run>> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ap-backtest-"));
  const imp = await run("node", ["import", "tardis", ...DATA, "--out", join(dir, "tq.bin")]);
  expect(imp.code, imp.stderr).toBe(0);
  // One after the other: the machine is shared, and each run is timed only by its deadline.
  runs.node = await run("node", ["backtest", "--config", CONFIG, "--data", join(dir, "tq.bin"), "--report", join(dir, "node")]);
  runs.deno = await run("deno", ["backtest", "--config", CONFIG, "--data", join(dir, "tq.bin"), "--report", join(dir, "deno")]);
}, 2 * TIMEOUT_MS + 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("ap backtest on the imported tardis trades + quotes", () => {
  it("produces the terminal summary, report.json and report.html on both runtimes", () => {
    for (const rt of ["node", "deno"] as const) {
      const r = runs[rt]!;
      expect(r.code, `${rt}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/orders\s+\d+ .*fills \d+ .*win rate/);
      expect(r.stdout).toMatch(/USDT\s+realized -?\d/);
      expect(r.stdout).toMatch(/Sharpe .* per 1000 ms/);
      expect(r.stdout).toMatch(/max drawdown/);
      const report = JSON.parse(readFileSync(join(dir, rt, "report.json"), "utf8"));
      expect(report.format).toBe("alphapulse-backtest-report/2");
      expect(report.messages.handled).toBe(19_998);
      expect(report.fills.length).toBeGreaterThan(10);
      expect(report.equity.points.length).toBeGreaterThan(100);
      const html = readFileSync(join(dir, rt, "report.html"), "utf8");
      expect(html).toContain("uPlot");
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched: self-contained
    }
  });

  it("writes byte-identical report.json on Node and Deno", () => {
    const a = readFileSync(join(dir, "node", "report.json"));
    const b = readFileSync(join(dir, "deno", "report.json"));
    expect(a.length).toBeGreaterThan(1000);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it("reports realized P&L and fees equal to those recomputed from its own fill list", () => {
    const report = JSON.parse(readFileSync(join(dir, "node", "report.json"), "utf8"));
    const fills = report.fills as { instrument: string; side: string; price: string; quantity: string; fee: string; currency: string }[];
    const realized = realizedFromFills(fills);
    let exact = 0n;
    let floored = 0n;
    for (const r of realized.values()) {
      exact += r;
      floored += floorDiv(r, E8);
    }
    const usdt = report.summary.currencies.USDT;
    expect(fills.every((f) => f.currency === "USDT")).toBe(true);
    expect(fixed(usdt.realizedExact, 16)).toBe(exact);
    expect(fixed(usdt.realized, 8)).toBe(floored);
    expect(exact).not.toBe(0n);
    expect(fixed(usdt.fees, 8)).toBe(fills.reduce((s, f) => s + fixed(f.fee, 8), 0n));
    const net = fixed(usdt.realized, 8) + fixed(usdt.unrealized, 8) - fixed(usdt.fees, 8);
    expect(fixed(usdt.net, 8)).toBe(net);
    const last = report.equity.points.at(-1);
    expect(last.currencies.USDT.net).toBe(usdt.net);
  });

  it("counts trades as closes (> 0) with a win rate consistent with its own fill list", () => {
    const report = JSON.parse(readFileSync(join(dir, "node", "report.json"), "utf8"));
    // Independent recount: per strategy and instrument, every reducing fill is one close; its net P&L is the
    // price P&L minus the entry fees it carries and its share of the closing fee (pro rata by quantity).
    const pos = new Map<string, { q: bigint; cost: bigint; fee: bigint }>();
    let trades = 0;
    let wins = 0;
    let losses = 0;
    let profit = 0n;
    let loss = 0n;
    for (const f of report.fills as { strategyId: number; instrument: string; side: string; price: string; quantity: string; fee: string }[]) {
      const key = `${f.strategyId}|${f.instrument}`;
      const p = pos.get(key) ?? { q: 0n, cost: 0n, fee: 0n };
      pos.set(key, p);
      const price = fixed(f.price, 8);
      const qty = fixed(f.quantity, 8);
      const fee = fixed(f.fee, 16);
      const dq = f.side === "buy" ? qty : -qty;
      if (p.q === 0n || p.q > 0n === dq > 0n) {
        p.q += dq;
        p.cost += price * dq;
        p.fee += fee;
        continue;
      }
      const open = p.q < 0n ? -p.q : p.q;
      const closing = qty < open ? qty : open;
      const removed = closing === open ? p.cost : (p.cost * closing) / open;
      const entry = closing === open ? p.fee : (p.fee * closing) / open;
      const exit = closing === qty ? fee : (fee * closing) / qty;
      const sign = p.q > 0n ? 1n : -1n;
      const net = sign * price * closing - removed - entry - exit;
      trades++;
      if (net > 0n) (wins++, (profit += net));
      if (net < 0n) (losses++, (loss += net));
      p.cost -= removed;
      p.fee -= entry;
      p.q -= sign * closing;
      if (p.q === 0n) {
        const rest = qty - closing;
        p.q = rest === 0n ? 0n : dq > 0n ? rest : -rest;
        p.cost = price * p.q;
        p.fee = rest === 0n ? 0n : fee - exit;
      }
    }
    const s = report.summary;
    expect(trades).toBeGreaterThan(0);
    expect(s.trades).toBe(trades);
    expect(s.wins).toBe(wins);
    expect(s.losses).toBe(losses);
    expect(s.winRate).toBe(Number((wins / trades).toFixed(6)));
    expect(fixed(s.currencies.USDT.trades.grossProfit, 16)).toBe(profit);
    expect(fixed(s.currencies.USDT.trades.grossLoss, 16)).toBe(loss);
    expect(report.definitions.trade).toMatch(/reduces/);
    expect(runs.node!.stdout).toContain(`trades ${trades} (closes: ${wins} won, ${losses} lost`);
  });

  it("fills no earlier than decision time + the configured 20 ms latency, at a taker fee of 4 bps", () => {
    const report = JSON.parse(readFileSync(join(dir, "node", "report.json"), "utf8"));
    for (const f of report.fills) {
      expect(BigInt(f.timeNs) - BigInt(f.decisionTimeNs)).toBeGreaterThanOrEqual(20_000_000n);
      const fee = (fixed(f.notional, 16) / E8 * 4n) / 10_000n;
      expect(fixed(f.fee, 8)).toBe(fee);
    }
  });
});

const launched = await launchChromium();
const browser = typeof launched === "string" ? undefined : launched;
if (browser === undefined) console.warn(`report.html Chromium test skipped: ${launched}`);

describe.skipIf(browser === undefined)("report.html in headless Chromium", () => {
  afterAll(async () => {
    await browser?.close();
  });

  it("opens from disk with no network and shows drawn curves and the fills table", async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const page = await context.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(join(dir, "node", "report.html")).href);
    await page.waitForSelector("body[data-ready='1']", { timeout: 60_000 });
    const drawn = await page.evaluate(() =>
      Array.from(document.querySelectorAll("canvas")).map((c) => {
        const ctx = c.getContext("2d")!;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
        return { parent: c.closest(".chart")?.id ?? "", painted };
      })
    );
    const report = JSON.parse(readFileSync(join(dir, "node", "report.json"), "utf8"));
    const byId = new Map(drawn.map((d) => [d.parent, d.painted]));
    for (const id of ["equity", "drawdown", "positions"]) expect(byId.get(id) ?? 0, id).toBeGreaterThan(500);
    expect(drawn.some((d) => d.parent.startsWith("price-") && d.painted > 500)).toBe(true);
    expect(await page.locator("#fills tbody tr").count()).toBe(report.fills.length);
    expect(await page.locator("#fills tbody tr").first().locator("td").nth(6).textContent()).toBe(report.fills[0].price);
    if (process.env.BACKTEST_SCREENSHOT) await page.screenshot({ path: process.env.BACKTEST_SCREENSHOT, fullPage: false });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await context.close();
  }, 120_000);
});
