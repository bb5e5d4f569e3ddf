/**
 * The strategy-module loader (trading/strategies/plugin-loader.ts) with real files: the example module
 * (TypeScript) and a plain `.mjs` module load and run; each bad module — missing file, unknown package,
 * a throw or a syntax error at import, no default export, a definition of the wrong shape, a config its
 * schema refuses, a `create` that throws or returns something else — is a `StrategyModuleError` of its
 * kind naming the file and what is wrong.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMessage, MessageView, pairInstrument, Side, Venue } from "../../../protocol/mod.ts";
import { buildStrategy } from "../../../trading/strategies/registry.ts";
import { StrategyModuleError, StrategyModuleProblem, loadStrategyModule, resolveModuleSpec } from "../../../trading/strategies/plugin-loader.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLE = join(ROOT, "examples/my-strategy.ts");
const dir = mkdtempSync(join(tmpdir(), "ap-plugin-loader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A hand-written Standard Schema (no imports: the temp folder has no node_modules). */
const SCHEMA = `{ "~standard": { version: 1, vendor: "test", validate: (x) =>
  typeof x.threshold === "number" ? { value: x } : { issues: [{ message: "must be a number", path: [{ key: "threshold" }] }] } } }`;
const STRATEGY = `{ name: "counter", strategyId: 30, source: 30, n: 0, connect() {}, onMarketData() { this.n++; return 0; }, stats() { return { messages: this.n }; } }`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function refusal(spec: string, config: unknown = {}): Promise<StrategyModuleError> {
  try {
    await buildStrategy({ module: spec }, config, { configDir: dir });
  } catch (e) {
    expect(e).toBeInstanceOf(StrategyModuleError);
    return e as StrategyModuleError;
  }
  throw new Error(`${spec} loaded`);
}

const T0 = 1_700_000_000_000_000_000n;
const BTC = pairInstrument("BTC", "USD", Venue.Coinbase);

/** Trades around 100 with a spike every 40th: the mean-reversion example must fade the spikes. */
function trades(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 1; i <= 400; i++) {
    const px = i % 40 === 0 ? 101 : 100 + 0.01 * (i % 3);
    const t = T0 + BigInt(i) * 100_000_000n;
    out.push(encodeMessage({ relayDomain: 1, source: 3, sequence: BigInt(i), timestamp: t }, [
      { type: 1, name: "Trade", instrument: BTC, side: Side.Buy, flags: 0, price: BigInt(Math.round(px * 1e8)), size: 100_000_000n, execTimestamp: t },
    ]));
  }
  return out;
}

describe("strategy modules that load", () => {
  it("the example (.ts, valibot config schema) builds, validates its config and publishes MomentumSignals", async () => {
    const published: Uint8Array[] = [];
    const s = await buildStrategy({ module: EXAMPLE }, { thresholdBps: 20, minTrades: 10, cooldownMs: 0 }, { source: 25, sink: { publish: (b) => void published.push(b.slice()) } });
    expect(s.name).toBe("mean-reversion");
    expect(s.source).toBe(25);
    const view = new MessageView();
    let emitted = 0;
    for (const m of trades()) emitted += s.onMarketData(view.wrap(m));
    expect(emitted).toBe(10); // one per spike (i = 40, 80, … 400)
    expect(published.length).toBe(10);
    const signal = new MessageView().wrap(published[0]!);
    expect(signal.source).toBe(25);
    expect(s.stats().signals).toBe(10);
  });

  it("a relative path resolves against the config's folder; a package name is left as written", () => {
    expect(resolveModuleSpec("./my-strategy.ts", "/cfg")).toBe("/cfg/my-strategy.ts");
    expect(resolveModuleSpec("../x/s.mjs", "/cfg/a")).toBe("/cfg/x/s.mjs");
    expect(resolveModuleSpec("my-strategies/breakout", "/cfg")).toBe("my-strategies/breakout");
  });

  it("a plain .mjs module with a hand-written Standard Schema loads relative to configDir and runs", async () => {
    file("counter.mjs", `export default { name: "counter", configSchema: ${SCHEMA}, create: (config, ctx) => ({ ...${STRATEGY}, threshold: config.threshold, ctx }) };`);
    const s = await buildStrategy({ module: "./counter.mjs" }, { threshold: 3 }, { configDir: dir, source: 31 });
    const view = new MessageView();
    for (const m of trades().slice(0, 5)) s.onMarketData(view.wrap(m));
    expect(s.stats()).toEqual({ messages: 5 });
    const ctx = (s as unknown as { ctx: { source: number; module: string; configDir: string } }).ctx;
    expect(ctx).toMatchObject({ source: 31, module: join(dir, "counter.mjs"), configDir: dir });
    const loaded = await loadStrategyModule(join(dir, "counter.mjs"), "/elsewhere");
    expect(loaded.definition.name).toBe("counter");
  });
});

describe("bad strategy modules are typed errors naming the file and the problem", () => {
  it("missing file: not-found", async () => {
    const e = await refusal("./nope.ts");
    expect(e.problem).toBe(StrategyModuleProblem.NotFound);
    expect(e.module).toBe(join(dir, "nope.ts"));
    expect(e.message).toContain(join(dir, "nope.ts"));
    expect(e.message).toMatch(/no such file/);
  });

  it("unknown package: not-found", async () => {
    const e = await refusal("alphapulse-no-such-strategy-package");
    expect(e.problem).toBe(StrategyModuleProblem.NotFound);
    expect(e.message).toContain("alphapulse-no-such-strategy-package");
  });

  it("throws on import: import-failed with the thrown message", async () => {
    const path = file("throws.mjs", `throw new Error("exchange key missing");\nexport default {};`);
    const e = await refusal(path);
    expect(e.problem).toBe(StrategyModuleProblem.ImportFailed);
    expect(e.message).toContain(path);
    expect(e.message).toContain("exchange key missing");
  });

  it("syntax error: import-failed", async () => {
    const path = file("syntax.mjs", `export default { name: "x", create( };`);
    const e = await refusal(path);
    expect(e.problem).toBe(StrategyModuleProblem.ImportFailed);
    expect(e.message).toContain(path);
  });

  it("no default export: bad-export listing what it exports", async () => {
    const path = file("named.mjs", `export const strategy = { name: "x", create() {} };`);
    const e = await refusal(path);
    expect(e.problem).toBe(StrategyModuleProblem.BadExport);
    expect(e.reason).toMatch(/no default export.*its exports: strategy/);
  });

  it("default export of the wrong shape: bad-export naming the member", async () => {
    const cases: [string, RegExp][] = [
      [`export default function create() {}`, /default export is a function/],
      [`export default { name: "Bad Name", create() {} }`, /name is string "Bad Name"/],
      [`export default { name: "x" }`, /create is missing, expected a function/],
      [`export default { name: "x", create() {}, configSchema: { parse() {} } }`, /configSchema is an object without \["~standard"\]\.validate/],
    ];
    for (const [i, [text, reason]] of cases.entries()) {
      const e = await refusal(file(`shape${i}.mjs`, text));
      expect(e.problem).toBe(StrategyModuleProblem.BadExport);
      expect(e.reason).toMatch(reason);
    }
  });

  it("config its schema refuses: bad-config with the path inside the config (the example's valibot schema too)", async () => {
    const e = await refusal(file("schema.mjs", `export default { name: "x", configSchema: ${SCHEMA}, create: () => (${STRATEGY}) };`), { threshold: "high" });
    expect(e.problem).toBe(StrategyModuleProblem.BadConfig);
    expect(e.path).toBe("threshold");
    expect(e.message).toMatch(/config\.threshold: must be a number/);
    const ex = await refusal(EXAMPLE, { thresholdBps: -1 });
    expect(ex.problem).toBe(StrategyModuleProblem.BadConfig);
    expect(ex.path).toBe("thresholdBps");
    const unknown = await refusal(EXAMPLE, { thresholdBsp: 5 });
    expect(unknown.problem).toBe(StrategyModuleProblem.BadConfig);
    expect(unknown.message).toContain("thresholdBsp");
  });

  it("create throws: create-failed; create returns a non-strategy: bad-strategy naming what is missing", async () => {
    const t = await refusal(file("create-throws.mjs", `export default { name: "x", create() { throw new RangeError("window too long"); } };`));
    expect(t.problem).toBe(StrategyModuleProblem.CreateFailed);
    expect(t.message).toContain("RangeError: window too long");
    const b = await refusal(file("half.mjs", `export default { name: "x", create: () => ({ name: "x", strategyId: 1, source: 1, connect() {}, stats() { return {}; } }) };`));
    expect(b.problem).toBe(StrategyModuleProblem.BadStrategy);
    expect(b.reason).toMatch(/onMarketData\(\)/);
    const n = await refusal(file("nothing.mjs", `export default { name: "x", create: async () => undefined };`));
    expect(n.problem).toBe(StrategyModuleProblem.BadStrategy);
    expect(n.reason).toMatch(/returned nothing/);
  });

  it("neither or both of strategy and module: RangeError", async () => {
    await expect(buildStrategy({}, {})).rejects.toThrow(RangeError);
    await expect(buildStrategy({ strategy: "momentum", module: EXAMPLE }, {})).rejects.toThrow(/exactly one/);
  });
});
