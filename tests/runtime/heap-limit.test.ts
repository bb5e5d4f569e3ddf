/**
 * Heap limits of services (`supervisor.heapLimitMb`, a service's own `heapLimitMb`): which one applies,
 * the runtime flag each runtime gets, and a real child of this runtime started the way the supervisor
 * starts a service — ended by the limit when it leaks past it, left alone without one. (The threads
 * deployment's limit is tested in threads-deployment.test.ts.)
 *
 * @module
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { denoRunArgs } from "../../app/platform/deno-flags.ts";
import { platform } from "../../core/platform.ts";
import { AppConfigSchema, heapLimitMbOf } from "../../runtime/config/schema.ts";

const LEAK = fileURLToPath(new URL("./fixtures/heap-leak.ts", import.meta.url));

/** Runs the leak fixture as a child of this runtime; resolves with its exit code and output. */
function runLeak(targetMb: number, heapLimitMb: number | undefined): Promise<{ code: number | null; out: string }> {
  const cmd = platform().scriptCommand(LEAK, true, heapLimitMb !== undefined ? { heapLimitMb } : {});
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, [...cmd.args, String(targetMb)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => void (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => void (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out })); // after the output streams end, unlike "exit"
  });
}

describe("service heap limits", () => {
  it("a service's own limit wins over the supervisor's; none set means the runtime's default", () => {
    const services = [{ name: "a", kind: "strategy", serviceId: 20, heapLimitMb: 64 }, { name: "b", kind: "strategy", serviceId: 21 }];
    const both = v.parse(AppConfigSchema, { supervisor: { heapLimitMb: 512 }, services });
    expect(heapLimitMbOf(both, "a")).toBe(64);
    expect(heapLimitMbOf(both, "b")).toBe(512);
    expect(heapLimitMbOf(both, "relay-market-data")).toBe(512);
    expect(heapLimitMbOf(v.parse(AppConfigSchema, { services }), "b")).toBeUndefined();
    expect(() => v.parse(AppConfigSchema, { supervisor: { heapLimitMb: 8 } })).toThrow(/16/);
  });

  it("becomes --max-old-space-size: Node's own flag, Deno's through --v8-flags", () => {
    expect(denoRunArgs({ heapLimitMb: 96 })).toEqual(["run", "-A", "--v8-flags=--max-old-space-size=96"]);
    expect(denoRunArgs({ heapLimitMb: 96, grants: { read: ["/app"], write: [], net: [], env: true, sys: false } }))
      .toEqual(["run", "--v8-flags=--max-old-space-size=96", "--allow-read=/app", "--allow-env"]);
    const args = platform().scriptCommand("/app/main.ts", true, { heapLimitMb: 96 }).args;
    expect(args.filter((a) => a.includes("max-old-space-size=96"))).toHaveLength(1);
  });

  it("ends a real child that leaks past its limit; the same child without one runs to the end", async () => {
    const limited = await runLeak(400, 64);
    expect(limited.code, limited.out).not.toBe(0);
    expect(limited.out).not.toContain("survived");
    expect(limited.out).toMatch(/heap limit|Last few GCs/i); // V8's out-of-memory report (its last line does not always reach the pipe)
    const free = await runLeak(400, undefined);
    expect(free.code, free.out).toBe(0);
    expect(free.out).toContain("survived");
  }, 120_000);
});
