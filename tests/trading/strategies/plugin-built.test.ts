/**
 * A TypeScript strategy module under the built `ap` on plain Node (no tsx loader in the process):
 * `scripts/build.mjs` into a fresh folder of the project, then `node <build>/main.js strategy --module
 * examples/my-strategy.ts` — the loader hands the `.ts` file to tsx's `tsImport` — writes the example's
 * signals; a `.mjs` module loads natively. Under Deno too the build is run with `node`: plain Node is
 * what the build is for.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frameRecording } from "../../../runtime/backtest/sources.ts";
import { spikyMarket } from "./plugin-helpers.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const buildDir = join(ROOT, `.build-plugin-${process.pid}`);
const dir = mkdtempSync(join(tmpdir(), "ap-plugin-built-"));

beforeAll(() => {
  const r = spawnSync("node", [join(ROOT, "scripts/build.mjs"), buildDir], { cwd: ROOT, encoding: "utf8", timeout: 280_000 });
  if (r.status !== 0) throw new Error(`build failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
}, 300_000);

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function built(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn("node", [join(buildDir, "main.js"), ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise((resolve) => child.on("close", (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

describe("strategy modules under the built ap on plain Node", () => {
  it("a .ts module loads through tsx's tsImport and a .mjs module natively; both run over a recording", async () => {
    const data = join(dir, "in.bin");
    const out = join(dir, "out.bin");
    writeFileSync(data, spikyMarket());
    writeFileSync(join(dir, "cfg.yaml"), "thresholdBps: 20\nminTrades: 10\ncooldownMs: 0\n");
    const ts = await built(["strategy", "--module", "examples/my-strategy.ts", "--config", join(dir, "cfg.yaml"), "--in", data, "--out", out]);
    expect(ts.stderr).toContain("ap strategy mean-reversion: 1200 messages");
    expect(ts.code).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    expect(frameRecording(bytes, out).length).toBe(10);

    writeFileSync(join(dir, "quiet.mjs"), `export default { name: "quiet", create: () => ({ name: "quiet", strategyId: 33, source: 33, connect() {}, onMarketData: () => 0, stats: () => ({}) }) };`);
    const mjs = await built(["strategy", "--module", join(dir, "quiet.mjs"), "--in", data, "--out", out]);
    expect(mjs.stderr).toContain("ap strategy quiet: 1200 messages from");
    expect(mjs.code).toBe(0);
  }, 300_000);
});
