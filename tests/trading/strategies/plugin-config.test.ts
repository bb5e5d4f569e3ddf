/**
 * `module:` in an application config, as `ap start` reads it: the path is resolved against the config
 * file's folder (whatever the working directory) and the module checked before any service starts — a
 * bad module is a ConfigError at `services[i].options.module` (or `.config.<path>` for a config its
 * schema refuses) naming the file and the problem; `ap start` and `ap backtest` with such a module exit 1
 * with that message on BOTH runtimes (spawned from the sources), and `ap start` starts nothing.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../runtime/config/load.ts";
import { loadAppConfig } from "../../../runtime/launch/load-app-config.ts";
import { ap, spikyMarket } from "./plugin-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-plugin-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `export default { name: "quiet", configSchema: { "~standard": { version: 1, vendor: "test", validate: (x) =>
  typeof x.level === "number" ? { value: x } : { issues: [{ message: "must be a number", path: ["level"] }] } } },
  create: (config, ctx) => ({ name: "quiet", strategyId: 33, source: ctx.source ?? 33, connect() {}, onMarketData: () => 0, stats: () => ({}) }) };`;
writeFileSync(join(dir, "quiet.mjs"), GOOD);
writeFileSync(join(dir, "throws.mjs"), `throw new Error("no API key");`);

function config(name: string, options: string, extra = ""): string {
  const file = join(dir, name);
  writeFileSync(file, `runtimeDir: ${join(dir, "run-" + name)}\napi: { port: 0 }\nservices:\n  - name: strategy-mine\n    kind: strategy\n    serviceId: 33\n${extra}    options: ${options}\n`);
  return file;
}

async function configError(file: string): Promise<ConfigError> {
  try {
    await loadAppConfig(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`${file} loaded`);
}

describe("module: in an application config", () => {
  it("resolves against the config file's folder, not the working directory, and checks the module", async () => {
    const c = await loadAppConfig(config("good.yaml", `{ module: ./quiet.mjs, config: { level: 2 } }`));
    expect(c.services[0]?.options.module).toBe(join(dir, "quiet.mjs"));
  });

  it("a missing module: ConfigError at services[0].options.module naming the resolved file", async () => {
    const e = await configError(config("missing.yaml", `{ module: ./missing.ts }`));
    expect(e.path).toBe("services[0].options.module");
    expect(e.message).toContain(join(dir, "missing.ts"));
    expect(e.message).toContain("not-found");
  });

  it("a module that throws on import: import-failed with the reason", async () => {
    const e = await configError(config("throws.yaml", `{ module: ./throws.mjs }`));
    expect(e.path).toBe("services[0].options.module");
    expect(e.message).toMatch(/import-failed.*no API key/);
  });

  it("a config its schema refuses: ConfigError at services[0].options.config.<path>", async () => {
    const e = await configError(config("bad-config.yaml", `{ module: ./quiet.mjs, config: { level: loud } }`));
    expect(e.path).toBe("services[0].options.config.level");
    expect(e.message).toMatch(/bad-config.*must be a number/);
  });

  it("both strategy and module, or neither: ConfigError at services[0].options", async () => {
    for (const [name, options] of [["both.yaml", `{ strategy: momentum, module: ./quiet.mjs }`], ["neither.yaml", `{ config: {} }`]] as const) {
      const e = await configError(config(name, options));
      expect(e.path).toBe("services[0].options");
      expect(e.message).toMatch(/exactly one of `strategy`.*and `module`/);
    }
  });

  it("a disabled service's module is not imported (it may name a file that only exists where it runs)", async () => {
    const c = await loadAppConfig(config("disabled.yaml", `{ module: ./missing.ts }`, "    enabled: false\n"));
    expect(c.services[0]?.enabled).toBe(false);
  });

  for (const runtime of ["node", "deno"] as const) {
    it(`ap start and ap backtest on ${runtime}: a bad module is exit 1 with the typed message; nothing starts`, async () => {
      const file = config(`cli-${runtime}.yaml`, `{ module: ./throws.mjs }`);
      const start = await ap(runtime, ["start", "--config", file]);
      expect(start.code).toBe(1);
      expect(start.stderr).toContain("invalid config");
      expect(start.stderr).toContain(join(dir, "throws.mjs"));
      expect(start.stderr).toMatch(/import-failed.*no API key/);
      expect(existsSync(join(dir, `run-cli-${runtime}.yaml`, "market-data.sock"))).toBe(false);

      const data = join(dir, `spiky-${runtime}.bin`);
      writeFileSync(data, spikyMarket(50));
      const bt = join(dir, `bt-${runtime}.yaml`);
      writeFileSync(bt, `strategies:\n  - module: ./quiet.mjs\n    config: { level: loud }\n`);
      const backtest = await ap(runtime, ["backtest", "--config", bt, "--data", data]);
      expect(backtest.code).toBe(1);
      expect(backtest.stderr).toContain(join(dir, "quiet.mjs"));
      expect(backtest.stderr).toMatch(/bad-config: config\.level: must be a number/);
    }, 150_000);
  }
});
