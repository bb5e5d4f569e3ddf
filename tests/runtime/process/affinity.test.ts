/**
 * runtime/process/affinity.ts: reading placement specs, and pinning a real child process where the OS
 * allows it (Linux with taskset), checked through /proc; elsewhere the helper must say it did nothing.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { describe, expect, it } from "vitest";
import { allowedCpus, cpusFor, parsePlacement, pinProcess, placementSupported, PlacementError } from "../../../runtime/process/affinity.ts";

describe("CPU placement", () => {
  it("reads role=cpus pairs, with * for the other roles", () => {
    const p = parsePlacement("relay=0; strategy=1,3 ;*=0-1");
    expect(p).toEqual({ relay: "0", strategy: "1,3", "*": "0-1" });
    expect(cpusFor(p, "relay")).toBe("0");
    expect(cpusFor(p, "consumer")).toBe("0-1");
    expect(cpusFor(parsePlacement("relay=0"), "consumer")).toBeUndefined();
  });

  it("refuses a spec it cannot read, saying which part and why", () => {
    expect(() => parsePlacement("relay")).toThrow(PlacementError);
    expect(() => parsePlacement("relay=zero")).toThrow(/"zero" is not a CPU list/);
    expect(() => parsePlacement(" ; ")).toThrow(/names no role/);
  });

  it("pins a running child to the role's cores (Linux with taskset), or reports why not", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const pid = child.pid!;
      const r = await pinProcess(pid, parsePlacement("relay=0;*=0-1"), "relay");
      if (!placementSupported()) {
        expect(r.pinned).toBe(false);
        return;
      }
      expect(r).toEqual({ pinned: true, cpus: "0" });
      expect(allowedCpus(pid)).toBe("0");
      const none = await pinProcess(pid, parsePlacement("relay=0"), "consumer");
      expect(none).toEqual({ pinned: false, reason: "no cores named for role consumer" });
      const bad = await pinProcess(pid, parsePlacement("relay=4095"), "relay");
      expect(bad.pinned).toBe(false);
      if (!bad.pinned) expect(bad.reason).toMatch(/taskset -a -p -c 4095/);
      expect(allowedCpus(pid)).toBe("0");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("reads this process's allowed cores on Linux", () => {
    if (process.platform !== "linux") return;
    expect(allowedCpus(process.pid)).toMatch(/^\d+([-,]\d+)*$/);
  });
});
