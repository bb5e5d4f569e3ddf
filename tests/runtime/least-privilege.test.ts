/**
 * Least privilege per service (runtime/launch/service-grants.ts). The grants of the demo's services are
 * checked as data on both runtimes; then the demo runs under Deno — where the grants are enforced — with a
 * probe preloaded into every service process (tests/runtime/fixtures/permission-probe.ts): no service but
 * the API can read the tools token beside the sockets, none can read a file outside its grants or open a
 * TCP connection it was not granted, and the system still trades (every service up, fills in /portfolio).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { denoRunArgs } from "../../app/platform/deno-flags.ts";
import { loadConfigFile } from "../../runtime/config/load.ts";
import { AppConfigSchema } from "../../runtime/config/schema.ts";
import { serviceGrants } from "../../runtime/launch/service-grants.ts";
import { allServiceNames, describeService } from "../../runtime/service/system-services.ts";
import { until } from "./helpers.ts";
import { denoBinary } from "../setup/deno-binary.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROBE = join(ROOT, "tests/runtime/fixtures/permission-probe.ts");
const work = mkdtempSync(join(tmpdir(), "ap-least-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("least privilege per service", () => {
  it("grants each demo service only its sockets, its state and its files; never the runtime directory but to the API", async () => {
    const runtimeDir = join(work, "grants-run");
    const config = await loadConfigFile(join(ROOT, "config/default.yaml"), AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: "18080" });
    const resolved = { ...config, runtimeDir, stateDir: runtimeDir };
    const ctx = { projectRoot: ROOT, cwd: ROOT, configFile: join(runtimeDir, "config.json") };
    const covers = (grants: readonly string[], path: string) => grants.some((g) => path === g || path.startsWith(`${g}/`));
    for (const name of allServiceNames(resolved)) {
      const d = describeService(name, resolved);
      const g = serviceGrants(d, resolved, ctx);
      const token = join(runtimeDir, "tools.token");
      expect(covers(g.read, token), `${name} may read the tools token`).toBe(d.kind === "api");
      expect(covers(g.write, join(runtimeDir, "state", "execution.snapshot.json")), `${name} may write the execution snapshot`)
        .toBe(d.kind === "execution" || d.kind === "strategy" || d.kind === "api");
      expect(covers(g.write, join(runtimeDir, "journal")), `${name} may write the journal`).toBe(d.kind === "execution" || d.kind === "api");
      expect(covers(g.read, join(runtimeDir, "system.sock")), `${name} reaches the system relay`).toBe(true);
      // The demo replays captures: no service but the API has any TCP/UDP host, only its Unix sockets.
      const hosts = g.net === "any" ? ["any"] : g.net.filter((n) => !n.startsWith("unix:"));
      expect(hosts, name).toEqual(d.kind === "api" ? ["127.0.0.1:18080"] : []);
      const args = denoRunArgs({ grants: g });
      expect(args.some((a) => a === "-A" || a.startsWith("--allow-run") || a.startsWith("--allow-ffi") || a === "--allow-all"), args.join(" ")).toBe(false);
    }
  });

  it("a live adapter may reach any host but the API's; everything else stays as replaying", async () => {
    const config = await loadConfigFile(join(ROOT, "config/default.yaml"), AppConfigSchema, { ALPHAPULSE_RUNTIME_DIR: join(work, "live"), ALPHAPULSE_PORT: "18081" });
    const live = { ...config, services: config.services.map((s) => (s.kind === "adapter" ? { ...s, options: { venue: s.options.venue } } : s)) };
    const g = serviceGrants(describeService("adapter-coinbase", live), live, { projectRoot: ROOT, cwd: ROOT, configFile: "/x/config.json" });
    expect(g.net).toBe("any");
    expect(g.deniedNet).toEqual(["127.0.0.1:18081"]);
    expect(denoRunArgs({ grants: g })).toEqual(expect.arrayContaining(["--allow-net", "--deny-net=127.0.0.1:18081"]));
  });

  it("under Deno, no service reads outside its grants or connects where it may not, and the demo still trades", async () => {
    const runtimeDir = join(work, "run");
    const secret = join(work, "secret.txt");
    writeFileSync(secret, "not for services\n");
    // A TCP listener no service was granted: a connection attempt must be refused by the runtime, not by us.
    const accepted: number[] = [];
    const server: Server = createServer((s) => {
      accepted.push(1);
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const probePort = (server.address() as { port: number }).port;
    // A fixed API port, so the API's grant is that one address (with port 0 it would be any port of its host).
    const apiPort = await new Promise<number>((r) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => r(port));
      });
    });
    const config = parse(readFileSync(join(ROOT, "config/default.yaml"), "utf8")) as Record<string, unknown>;
    config.supervisor = { ...(config.supervisor as object | undefined), preload: [PROBE] };
    const configFile = join(work, "least.yaml");
    writeFileSync(configFile, stringify(config));

    const lines: string[] = [];
    let child: ChildProcess | undefined;
    try {
      child = spawn(denoBinary(), ["run", "-A", join(ROOT, "main.ts"), "start", "--config", configFile], {
        cwd: ROOT,
        env: { ...process.env, ALPHAPULSE_RUNTIME_DIR: runtimeDir, ALPHAPULSE_PORT: String(apiPort), ALPHAPULSE_API_TOKEN: "least-privilege-test-token", AP_PROBE_SECRET: secret, AP_PROBE_PORT: String(probePort), NO_COLOR: "1" },
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
      const probes = new Map<string, { toolsToken: string; secret: string; tcp: string }>();
      const names = 11; // 4 relays, 4 adapters, 2 strategies, execution, API
      await until("a probe report from every service", async () => {
        for (const l of lines) {
          const m = /permission-probe (\{.*?\})/.exec(l.replace(/\\"/g, '"'));
          if (m) {
            const r = JSON.parse(m[1]!) as { service: string; toolsToken: string; secret: string; tcp: string };
            probes.set(r.service, r);
          }
        }
        return probes.size >= names ? true : undefined;
      }, 150_000, 500);
      for (const [name, r] of probes) {
        expect(r.secret, `${name} read a file outside its grants`).toBe("denied");
        expect(r.tcp, `${name} connected to a TCP address it was not granted`).toBe("denied");
        expect(r.toolsToken, `${name} and the tools token`).toBe(name === "api" ? "read" : "denied");
      }
      expect(accepted).toEqual([]);

      // … and the system does its job: every service up, fills booked.
      const api = await until("the API address", async () => {
        try {
          return (JSON.parse(readFileSync(join(runtimeDir, "api.json"), "utf8")) as { url?: string }).url;
        } catch {
          return undefined;
        }
      }, 60_000, 250);
      const auth = { authorization: "Bearer least-privilege-test-token" };
      await until("every service up and paper fills in /portfolio", async () => {
        const health = await (await fetch(`${api}/health`)).json() as { dependencies: { status: string }[] };
        const portfolio = await (await fetch(`${api}/portfolio`, { headers: auth })).text();
        const fills = /"fills":\s*"?(\d+)/.exec(portfolio);
        return health.dependencies.every((d) => d.status === "up") && fills !== null && Number(fills[1]) > 0 ? true : undefined;
      }, 120_000, 1000);
    } finally {
      const exited = child && child.exitCode === null ? new Promise((r) => child!.once("exit", r)) : Promise.resolve();
      child?.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child && child.exitCode === null) child.kill("SIGKILL");
      server.close();
    }
  }, 300_000);
});
