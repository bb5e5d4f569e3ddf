/**
 * Finding 1 of issue 14, with real processes: after `kill -9` of the `ap start` supervisor every service
 * process stops by itself (its supervisor pipe closes), and a second `ap start` on the same directory
 * takes over the dead supervisor's lock and runs.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { recordedChildren, running, smallConfig, startAp, startArtifacts, until, type RunningAp } from "./ap-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-death-"));
const run = join(dir, "run");
const config = join(dir, "small.yaml");
writeFileSync(config, smallConfig(run));
const started: RunningAp[] = [];

afterAll(async () => {
  for (const ap of started) {
    if (ap.child.exitCode === null) ap.child.kill("SIGTERM");
    await ap.exited;
  }
  for (const c of recordedChildren(run)) if (running(c.pid)) process.kill(c.pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("children follow their supervisor", () => {
  it("kill -9 of the supervisor: every service is gone within seconds, then a second start on the directory succeeds", async () => {
    const first = await startAp(config);
    started.push(first);
    const children = await until("7 children recorded", () => {
      const c = recordedChildren(run);
      return c.length === 7 ? c : undefined;
    });
    expect(children.every((c) => running(c.pid))).toBe(true);

    const t0 = performance.now();
    process.kill(first.pid, "SIGKILL");
    await until("every child gone", () => (children.some((c) => running(c.pid)) ? undefined : true), 20_000, 20);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`children gone ${seconds.toFixed(2)} s after kill -9 of the supervisor (${children.length} services)`);
    expect(seconds).toBeLessThanOrEqual(5);

    const second = await startAp(config);
    started.push(second);
    const r = await until("kill switch answers", async () => {
      const res = await fetch(`${second.apiUrl}/kill-switch`, { headers: { authorization: `Bearer ${second.token}` } });
      return res.status === 200 ? ((await res.json()) as { tradingState: string }) : undefined;
    });
    expect(r.tradingState).toBe("ACTIVE");
    // A graceful stop removes exactly what this start created. (Deno's child_process reports a child it
    // signalled as ended by that signal even when it exited 0, so the exit code is not compared.)
    second.child.kill("SIGTERM");
    await second.exited;
    expect(startArtifacts(run)).toEqual([]);
  }, 180_000);
});
