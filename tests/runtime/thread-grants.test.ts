/**
 * Least privilege per worker in the threads deployment (runtime/threads/thread-spawner.ts `grantsOf`):
 * on Deno a worker gets its service's grants as its own permissions — a probe worker reads the file it
 * was granted and is refused one outside its grants and a write; on Node, whose permission model is per
 * process, the spawner says once that it cannot enforce them and the probe reads both.
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { platform } from "../../core/platform.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { denoWorkerOptionsEnabled } from "../../relay/transport/threads-deno.ts";
import { THREAD_COMMAND, ThreadSpawner } from "../../runtime/threads/thread-spawner.ts";
import { until } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ap-thread-grants-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("per-worker grants in the threads deployment", () => {
  it("knows when Deno runs with worker options: the flag, or the config Deno found lists them", () => {
    const files: Record<string, string> = {
      "/p/deno.json": `{ "nodeModulesDir": "manual", "unstable": ["kv", "worker-options"] }`,
      "/p/sub/deno.jsonc": `{ "unstable": ["kv"] }`,
      "/q/other.json": `{ "unstable": ["worker-options"] }`,
    };
    const read = (f: string): string | undefined => files[f];
    const deno = ["deno", "run", "-A", "main.ts"];
    expect(denoWorkerOptionsEnabled([...deno.slice(0, 3), "--unstable-worker-options", "main.ts"], "/x", read)).toBe(true);
    expect(denoWorkerOptionsEnabled(deno, "/p", read)).toBe(true);
    expect(denoWorkerOptionsEnabled(deno, "/p/src/deep", read)).toBe(true); // found walking up
    expect(denoWorkerOptionsEnabled(deno, "/p/sub", read)).toBe(false); // the nearest config wins
    expect(denoWorkerOptionsEnabled(["deno", "run", "--no-config", "-A", "main.ts"], "/p", read)).toBe(false);
    expect(denoWorkerOptionsEnabled(["deno", "run", "--config", "/q/other.json", "main.ts"], "/x", read)).toBe(true);
    expect(denoWorkerOptionsEnabled(["deno", "run", "--config=other.json", "main.ts"], "/q", read)).toBe(true);
    expect(denoWorkerOptionsEnabled(deno, "/x", read)).toBe(false);
  });


  it("Deno: the worker may read what it was granted and nothing else; Node: logged as not enforced", async () => {
    mkdirSync(join(dir, "granted"));
    mkdirSync(join(dir, "other"));
    const allowed = join(dir, "granted", "allowed.txt");
    const forbidden = join(dir, "other", "secret.txt");
    writeFileSync(allowed, "a");
    writeFileSync(forbidden, "s");
    process.env.AP_PROBE_ALLOWED = allowed;
    process.env.AP_PROBE_FORBIDDEN = forbidden;
    const lines: string[] = [];
    const probeLines: string[] = [];
    const threads = await platform().load(THREADS);
    // This project's deno.json turns worker options on: on Deno the grants must be applied.
    expect({ runtime: threads.name, grantsPerThread: threads.grantsPerThread }).toEqual({ runtime: threads.name, grantsPerThread: threads.name === "deno" });
    const spawner = new ThreadSpawner({
      threads, script: new URL("./fixtures/grant-probe-thread.ts", import.meta.url), configFile: join(dir, "unused.json"),
      ringOf: () => undefined, identityOf: () => ({ kind: "none" }), apiTokenOf: () => "", logLevel: "error", pingIntervalMs: 200, hungAfterMs: 10_000,
      socketsOf: () => [], log: createLogger("test-grants", { level: "info", write: (l) => void lines.push(l) }),
      grantsOf: () => ({ read: [ROOT, join(dir, "granted")], write: [], net: [], env: true, sys: false }),
    });
    // A Deno worker's first load on a cold module cache can stall (the threads deployment's hang watch
    // ends and restarts such a worker): as the supervisor would, a probe silent for 20 s is replaced.
    let child = spawner.spawn({ command: THREAD_COMMAND, args: ["probe"], onStdout: (l) => void probeLines.push(l) });
    try {
      let report: string | undefined;
      for (let attempt = 1; report === undefined; attempt++) {
        report = await until("the probe's report", async () => probeLines[0], 20_000, 50).catch(() => undefined);
        if (report !== undefined) break;
        if (attempt === 4) throw new Error(`no report from the probe in 4 attempts; spawner log: ${lines.join("")}`);
        child.kill("SIGKILL");
        await child.exited;
        child = spawner.spawn({ command: THREAD_COMMAND, args: ["probe"], onStdout: (l) => void probeLines.push(l) });
      }
      const outcome = JSON.parse(report) as Record<string, string>;
      expect(outcome.readAllowed).toBe("ok");
      if (threads.grantsPerThread) {
        expect(outcome.readForbidden).toMatch(/NotCapable|PermissionDenied/);
        expect(outcome.writeBeside).toMatch(/NotCapable|PermissionDenied/);
        expect(lines.filter((l) => l.includes("not enforced per service"))).toEqual([]);
      } else {
        expect(outcome.readForbidden).toBe("ok");
        expect(lines.filter((l) => l.includes("not enforced per service"))).toHaveLength(1);
      }
    } finally {
      child.kill("SIGKILL");
      await child.exited;
      spawner.close();
    }
  }, 150_000);
});
