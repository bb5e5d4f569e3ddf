/**
 * Node's permission model for services in `supervisor.permissions: least` (app/platform/node-permission-flags.ts).
 * The flags, as data, on every runtime: nothing for Node 20 or without grants, `--permission` with one
 * read/write flag per grant on Node ≥ 22 (the experimental flag before 22.13), tsx's needs from the
 * sources, and nothing for a service that writes files (Node's model disables fsync). Then, on Node ≥ 22
 * only (the suite's Node 24 run), a real `ap start` with a probe preloaded into every service: the relays
 * and the adapter run under the model and are refused the tools token, a file outside their grants, a
 * write outside them and a child process; the services that write durable state run without it; and the
 * system still trades (every service up, fills in /portfolio).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { platform } from "../../core/platform.ts";
import { nodeCanEnforce, nodePermissionArgs, nodePermissionFlag, TSX_NO_CACHE_IMPORT } from "../../app/platform/node-permission-flags.ts";
import { until } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROBE = join(ROOT, "tests/runtime/fixtures/node-permission-probe.ts");
const IS_DENO = "Deno" in globalThis;
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
const work = mkdtempSync(join(tmpdir(), "ap-node-perm-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SOCKETS = { read: ["/app", "/run/ap/market-data.sock"], write: ["/run/ap/market-data.sock", "/run/ap/adapter-x.ctl"], net: [], env: true, sys: true };

describe("Node permission flags", () => {
  it("nothing on Node 20 or without grants; --experimental-permission on 22.0–22.12, --permission from 22.13", () => {
    expect(nodePermissionArgs({ grants: SOCKETS }, false, "20.19.0")).toEqual([]);
    expect(nodePermissionArgs(undefined, false, "24.1.0")).toEqual([]);
    expect(nodePermissionArgs({}, true, "24.1.0")).toEqual([]);
    expect(nodePermissionFlag("22.12.0")).toBe("--experimental-permission");
    expect(nodePermissionFlag("22.13.0")).toBe("--permission");
    expect(nodePermissionFlag("23.4.0")).toBe("--experimental-permission");
    expect(nodePermissionFlag("24.0.0")).toBe("--permission");
  });

  it("one read and one write flag per grant; from the sources also what tsx needs", () => {
    expect(nodePermissionArgs({ grants: SOCKETS }, false, "24.1.0")).toEqual([
      "--permission", "--allow-fs-read=/app", "--allow-fs-read=/run/ap/market-data.sock",
      "--allow-fs-write=/run/ap/market-data.sock", "--allow-fs-write=/run/ap/adapter-x.ctl",
    ]);
    const fromSources = nodePermissionArgs({ grants: SOCKETS, preload: ["/probe.ts"] }, true, "24.1.0");
    expect(fromSources).toEqual(expect.arrayContaining(["--allow-fs-read=/probe.ts", "--allow-fs-read=/APP", "--allow-worker", "--import", TSX_NO_CACHE_IMPORT]));
    expect(fromSources).not.toContain("--allow-child-process");
    expect(fromSources.some((a) => a.startsWith("--allow-fs-write=/tmp"))).toBe(false); // never tsx's cache
    expect(() => nodePermissionArgs({ grants: { ...SOCKETS, read: ["/a,b"] } }, false, "24.1.0")).toThrow(/contains a comma/);
  });

  it("nothing for a service that writes files: Node's model disables fsync, which durable state needs", () => {
    const execution = { ...SOCKETS, write: [...SOCKETS.write, "/state/ap/state", "/state/ap/journal"] };
    expect(nodeCanEnforce(SOCKETS)).toBe(true);
    expect(nodeCanEnforce(execution)).toBe(false);
    expect(nodePermissionArgs({ grants: execution }, true, "24.1.0")).toEqual([]);
  });
});

// Registered by runtime rather than skipped: under CI a skip counts as a failure, and this is no missing
// prerequisite — Node 20 and Deno run the test below it instead.
if (IS_DENO || NODE_MAJOR < 22) {
  describe("on Node 20 or Deno", () => {
    it("the platform adds no Node permission flag to a service's command (Deno enforces its own flags; Node 20 nothing)", () => {
      const { args } = platform().scriptCommand("main.ts", true, { grants: SOCKETS });
      expect(args.filter((a) => /^--(?:experimental-)?permission$|^--allow-fs-/.test(a))).toEqual([]);
      expect(args.some((a) => a.startsWith("--allow-read="))).toBe(IS_DENO);
    });
  });
} else describe("under Node ≥ 22 (the suite's Node 24 run)", () => {
  it("relays and the adapter run under the permission model and are refused what they were not granted; the system still trades", async () => {
    const runtimeDir = join(work, "run");
    const secret = join(work, "secret.txt");
    writeFileSync(secret, "not for services\n");
    const configFile = join(work, "node-least.yaml");
    writeFileSync(configFile, [
      `runtimeDir: ${runtimeDir}`,
      `stateDir: ${join(work, "state")}`,
      "api: { port: 0 }",
      `supervisor: { initialBackoffMs: 100, permissions: least, preload: [${JSON.stringify(PROBE)}] }`,
      "services:",
      "  - { name: adapter-coinbase, kind: adapter, serviceId: 3, options: { venue: coinbase, replay: fixtures/demo/coinbase.sim.jsonl } }",
      "  - { name: strategy-momentum, kind: strategy, serviceId: 21, options: { strategy: momentum, config: { strategyId: 21, windows: [{ seconds: 5, thresholdBps: 3 }], minTrades: 3, cooldownMs: 5000 } } }",
      "  - { name: execution, kind: execution, serviceId: 40, options: {} }",
    ].join("\n"));
    const lines: string[] = [];
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "main.ts"), "start", "--config", configFile], {
        cwd: ROOT, env: { ...process.env, ALPHAPULSE_API_TOKEN: "node-permission-test-token", ALPHAPULSE_LOG_LEVEL: "warn", AP_PROBE_SECRET: secret },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let buffered = "";
      const take = (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const parts = buffered.split("\n");
        buffered = parts.pop() ?? "";
        lines.push(...parts);
      };
      child.stdout!.on("data", take);
      child.stderr!.on("data", take);
      interface Probe { service: string; model: boolean; toolsToken: string; secret: string; write: string; child: string }
      const probes = new Map<string, Probe>();
      await until("a probe report from every service", async () => {
        for (const l of lines) {
          const m = /node-permission-probe (\{.*?\})/.exec(l.replace(/\\"/g, '"'));
          if (m) {
            const r = JSON.parse(m[1]!) as Probe;
            probes.set(r.service, r);
          }
        }
        return probes.size >= 8 ? true : undefined; // 4 relays, the adapter, the strategy, execution, the API
      }, 150_000, 500);
      const enforced = ["relay-market-data", "relay-signal", "relay-execution", "relay-system", "adapter-coinbase"];
      for (const name of enforced) {
        const r = probes.get(name)!;
        expect(r, name).toMatchObject({ model: true, toolsToken: "denied", secret: "denied", write: "denied", child: "denied" });
      }
      for (const name of ["strategy-momentum", "execution", "api"]) expect(probes.get(name)!.model, `${name} (writes durable state)`).toBe(false);
      expect(existsSync(`${secret}.adapter-coinbase`)).toBe(false);

      const api = await until("the API address", async () => (JSON.parse(readFileSync(join(runtimeDir, "api.json"), "utf8")) as { url?: string }).url, 60_000, 250);
      const auth = { authorization: "Bearer node-permission-test-token" };
      await until("every service up and paper fills in /portfolio", async () => {
        const health = await (await fetch(`${api}/health`)).json() as { dependencies: { status: string }[] };
        const portfolio = await (await fetch(`${api}/portfolio`, { headers: auth })).text();
        const fills = /"fills":\s*"?(\d+)/.exec(portfolio);
        return health.dependencies.every((d) => d.status === "up") && fills !== null && Number(fills[1]) > 0 ? true : undefined;
      }, 120_000, 1000);
      const services = await (await fetch(`${api}/services`, { headers: auth })).json() as { name: string; restarts: number }[];
      expect(services.filter((s) => s.restarts > 0)).toEqual([]);
    } finally {
      const exited = child && child.exitCode === null ? new Promise((r) => child!.once("exit", r)) : Promise.resolve();
      child?.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child && child.exitCode === null) child.kill("SIGKILL");
    }
  }, 300_000);
});
