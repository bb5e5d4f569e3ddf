/**
 * The thread spawner (runtime/threads/thread-spawner.ts) under the unchanged Supervisor: a service
 * worker that fails to start (its resolved config file is missing) is restarted with the supervisor's
 * backoff until the crash-loop rule marks it failed — the same rules as a process — and a spec that is
 * not a thread is refused with a typed error.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { platform } from "../../core/platform.ts";
import { THREADS } from "../../relay/transport/threads.ts";
import { Supervisor, type SupervisorEvent } from "../../runtime/supervisor.ts";
import { THREAD_COMMAND, ThreadSpawner, ThreadSpawnError } from "../../runtime/threads/thread-spawner.ts";
import { until } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-thread-spawner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function spawner(lines: string[]): Promise<ThreadSpawner> {
  return new ThreadSpawner({
    threads: await platform().load(THREADS), script: new URL("../../app/service-thread.ts", import.meta.url),
    configFile: join(dir, "missing.json"), ringOf: () => undefined, identityOf: () => ({ kind: "none" }), apiTokenOf: () => "",
    logLevel: "error", pingIntervalMs: 200, hungAfterMs: 5_000, socketsOf: () => [],
    log: createLogger("test-threads", { level: "info", write: (l) => void lines.push(l) }),
  });
}

describe("the thread spawner under the supervisor", () => {
  it("restarts a worker whose service fails to start with backoff, then gives up on the crash loop", async () => {
    const lines: string[] = [];
    const s = await spawner(lines);
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor(s, { initialBackoffMs: 50, maxBackoffMs: 200, crashLoopLimit: 2, crashLoopWindowMs: 120_000 }, (e) => void events.push(e));
    sup.add({ name: "strategy-x", kind: "strategy", command: THREAD_COMMAND, args: ["strategy-x"] });
    sup.start("strategy-x");
    try {
      const st = await until("crash loop", async () => (sup.status("strategy-x")!.state === "failed" ? sup.status("strategy-x") : undefined), 150_000, 100);
      expect(st!.lastExit).toEqual({ code: 1, signal: null });
      expect(events.filter((e) => e.event === "started")).toHaveLength(3);
      expect(events.filter((e) => e.event === "restart-scheduled")).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ service: "strategy-x", event: "crash-loop" });
      expect(lines.filter((l) => l.includes("failed to start in its thread") && l.includes("missing.json"))).toHaveLength(3);
    } finally {
      await sup.shutdown(5_000);
      s.close();
    }
  }, 180_000);

  it("refuses a spec that is not a thread", async () => {
    const s = await spawner([]);
    try {
      expect(() => s.spawn({ command: "node", args: ["x.js"] })).toThrow(ThreadSpawnError);
    } finally {
      s.close();
    }
  });
});
