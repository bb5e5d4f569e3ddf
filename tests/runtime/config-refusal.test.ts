/**
 * Config refused up front (finding 7 of issue 14), each a real `ap start` process that exits 1 with one
 * line naming the problem and starts nothing: an empty file, no services, unknown keys at the top level,
 * in a service block and deep in a service's options (with the nearest known key), a bad value in risk
 * options, a port in use, an unwritable runtime directory, an over-long socket path.
 */

import net from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { findUnknownKey, nearestKey } from "../../runtime/config/unknown-keys.ts";
import { validateServiceOptions } from "../../runtime/launch/validate-services.ts";
import { ROOT, runAp, smallConfig, startArtifacts } from "./ap-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-cfg-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `ap start` on `text`; expects exit 1 with one line on stderr, nothing on stdout; returns the line. */
async function refused(name: string, text: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const t0 = Date.now();
  const r = await runAp(["start", "--config", file]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ap start: /);
  expect(Date.now() - t0).toBeLessThan(30_000); // refused at once, not after the API's start timeout
  return lines[0]!;
}

function runDir(name: string): string {
  return join(dir, `${name}-run`);
}

describe("ap start refuses a bad config before anything starts", () => {
  it("an empty file", async () => {
    const line = await refused("empty", "# nothing here\n");
    expect(line).toContain("empty.yaml: the config is empty");
  }, 60_000);

  it("a config without services", async () => {
    const line = await refused("no-services", `runtimeDir: ${runDir("no-services")}\napi: { port: 0 }\n`);
    expect(line).toContain("no-services.yaml at services: no services configured");
    expect(existsSync(runDir("no-services"))).toBe(false);
  }, 60_000);

  it("an unknown top-level key, with the nearest known one", async () => {
    const line = await refused("top", smallConfig(runDir("top")) + "\nsupervsor: { initialBackoffMs: 100 }\n");
    expect(line).toContain(`top.yaml at supervsor: unknown key "supervsor" (did you mean "supervisor"?)`);
    expect(existsSync(runDir("top"))).toBe(false);
  }, 60_000);

  it("an unknown key in a service block", async () => {
    const text = smallConfig(runDir("block")) + "\n  - { name: strategy-momentum, kind: strategy, serviceId: 21, enabeld: false, options: { strategy: momentum } }\n";
    const line = await refused("block", text);
    expect(line).toContain(`block.yaml at services[2].enabeld: unknown key "enabeld" (did you mean "enabled"?)`);
  }, 60_000);

  it("a typo deep in risk options (the one that used to crash-loop execution after \"running\")", async () => {
    const text = smallConfig(runDir("risk")).replace("options: {} }", "options: { risk: { limits: { maxPositon: \"5\" } } } }");
    const line = await refused("risk", text);
    expect(line).toContain(`risk.yaml at services[1].options.risk.limits.maxPositon: unknown key "maxPositon" (did you mean "maxPosition"?)`);
    expect(existsSync(runDir("risk"))).toBe(false);
  }, 60_000);

  it("a bad value in a strategy's own config", async () => {
    const text = smallConfig(runDir("strategy")) + "\n  - { name: strategy-momentum, kind: strategy, serviceId: 21, options: { strategy: momentum, config: { minTrades: -3 } } }\n";
    const line = await refused("strategy", text);
    expect(line).toContain("strategy.yaml at services[2].options.config.minTrades: ");
  }, 60_000);

  it("an API port in use, named at once", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const line = await refused("port", smallConfig(runDir("port")).replace("api: { port: 0 }", `api: { port: ${port} }`));
      expect(line).toBe(`ap start: the API address 127.0.0.1:${port} is already in use by another process; choose another with --port or api.port`);
    } finally {
      server.close();
    }
    expect(startArtifacts(runDir("port"))).toEqual([]);
  }, 60_000);

  it("an unwritable runtime directory (under a regular file)", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "");
    const line = await refused("unwritable", smallConfig(join(file, "run")));
    expect(line).toBe(`ap start: runtime directory ${join(file, "run")}: cannot create the directory (ENOTDIR)`);
  }, 60_000);

  it("a socket path over the Unix limit, before anything is created", async () => {
    const long = join(dir, "x".repeat(100));
    const line = await refused("long", smallConfig(long));
    expect(line).toMatch(/^ap start: socket path .* is \d+ bytes; Unix sockets allow at most 107 — choose a shorter directory$/);
    expect(existsSync(long)).toBe(false);
  }, 60_000);
});

describe("service options of services that will not start", () => {
  it("are held to their keys only: live.yaml loads without its node URLs; a typo in such a service is still refused", async () => {
    const text = readFileSync(join(ROOT, "config/live.yaml"), "utf8");
    const live = parseConfig(text, AppConfigSchema, {});
    await validateServiceOptions(live, "live.yaml", {});
    await expect(validateServiceOptions(live, "live.yaml", { POLYGON_WS_URL: "wss://x", POLYGON_RPC_URL: "" })).resolves.toBeUndefined();
    const typo = parseConfig(text.replace("wsUrl: ${POLYGON_WS_URL:-}", "wsURL: ${POLYGON_WS_URL:-}"), AppConfigSchema, {});
    await expect(validateServiceOptions(typo, "live.yaml", {})).rejects.toThrow(/live\.yaml at services\[\d\]\.options\.wsURL: unknown key "wsURL" \(did you mean "wsUrl"\?\)/);
  });
});

describe("unknown-key search", () => {
  it("suggests only near keys", () => {
    expect(nearestKey("maxPositon", ["maxPosition", "maxOpenOrders"])).toBe("maxPosition");
    expect(nearestKey("zzz", ["maxPosition", "maxOpenOrders"])).toBeUndefined();
    expect(nearestKey("API", ["api", "relays"])).toBe("api");
  });

  it("walks optional, piped and array schemas of the app config", () => {
    expect(findUnknownKey(AppConfigSchema, { services: [{ name: "a", kind: "adapter", serviceId: 1 }, { name: "b", kinds: "x" }] })).toEqual({
      path: "services[1].kinds", key: "kinds", known: ["name", "kind", "serviceId", "enabled", "requiresEnv", "options", "heapLimitMb"], suggestion: "kind",
    });
    expect(findUnknownKey(AppConfigSchema, { relays: { nats: { url: "x", streams: { signal: { maxAge: 1 } } } } })?.path).toBe("relays.nats.streams.signal.maxAge");
    expect(findUnknownKey(AppConfigSchema, { api: { port: 1 }, services: [{ options: { anything: 1 } }] })).toBeUndefined();
  });
});
