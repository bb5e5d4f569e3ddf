import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { platform } from "../../core/platform.ts";
import { PROCESS_SPAWNER } from "../../runtime/process/types.ts";
import { Supervisor, type ServiceSpec, type SupervisorEvent } from "../../runtime/supervisor.ts";

const child = fileURLToPath(new URL("./fixtures/child.mjs", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const proc = (globalThis as unknown as { process: { execPath: string } }).process;

/** pids that printed "ready" (their signal handlers are installed). */
const ready = new Set<number>();

function spec(name: string, ...args: string[]): ServiceSpec {
  const onOutput = (_s: "stdout" | "stderr", text: string) => {
    for (const m of text.matchAll(/ready (\d+)/g)) ready.add(Number(m[1]));
  };
  return deno
    ? { name, kind: "test", command: deno.execPath(), args: ["run", "-A", child, ...args], onOutput }
    : { name, kind: "test", command: proc.execPath, args: [child, ...args], onOutput };
}

function isReady(sup: Supervisor, name: string): boolean {
  const s = sup.status(name)!;
  return s.state === "running" && s.pid !== null && ready.has(s.pid);
}

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fast = { initialBackoffMs: 20, maxBackoffMs: 100, crashLoopLimit: 3, crashLoopWindowMs: 10_000 };

describe("Supervisor (real child processes)", () => {
  it("restarts a crashed service and leaves the others running", async () => {
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), { ...fast, crashLoopLimit: 100 }, (e) => events.push(e));
    sup.add(spec("steady", "run"));
    sup.add(spec("flaky", "crash", "150"));
    sup.startAll();
    await until(() => sup.status("steady")!.state === "running");
    const steadyPid = sup.status("steady")!.pid;
    await until(() => sup.status("flaky")!.restarts >= 2);
    expect(sup.status("steady")!.pid).toBe(steadyPid);
    expect(sup.status("steady")!.state).toBe("running");
    expect(events.some((e) => e.service === "flaky" && e.event === "exited" && e.exit?.code === 3)).toBe(true);
    await sup.shutdown(2_000);
    expect(sup.list().every((s) => s.state === "stopped" && s.pid === null)).toBe(true);
  });

  it("marks a crash loop failed and stops restarting it", async () => {
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), fast);
    sup.add(spec("loop", "crash", "5"));
    sup.start("loop");
    await until(() => sup.status("loop")!.state === "failed");
    const restarts = sup.status("loop")!.restarts;
    expect(restarts).toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.status("loop")!.restarts).toBe(restarts);
    expect(sup.status("loop")!.pid).toBeNull();
  });

  it("kills a child that ignores SIGTERM once the grace period ends", async () => {
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), fast);
    sup.add(spec("stubborn", "ignore-term"));
    sup.start("stubborn");
    await until(() => isReady(sup, "stubborn"));
    const t0 = Date.now();
    await sup.stop("stubborn", 400);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(sup.status("stubborn")!.lastExit?.signal).toBe("SIGKILL");
    expect(sup.status("stubborn")!.state).toBe("stopped");
  });

  it("restart() replaces the process and counts it", async () => {
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), fast);
    sup.add(spec("svc", "run"));
    sup.start("svc");
    await until(() => isReady(sup, "svc"));
    const pid = sup.status("svc")!.pid;
    await sup.restart("svc");
    await until(() => isReady(sup, "svc"));
    expect(sup.status("svc")!.pid).not.toBe(pid);
    expect(sup.status("svc")!.restarts).toBe(1);
    expect(sup.status("svc")!.lastExit).toEqual({ code: 0, signal: null });
    await sup.shutdown(2_000);
  });

  it("rejects duplicate and unknown names", async () => {
    const sup = new Supervisor(await platform().load(PROCESS_SPAWNER), fast);
    sup.add(spec("a", "run"));
    expect(() => sup.add(spec("a", "run"))).toThrow(/already registered/);
    expect(() => sup.start("nope")).toThrow(/no service named "nope"/);
  });
});
