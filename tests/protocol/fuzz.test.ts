/**
 * CI's short run of the decoder fuzzer (`bench/fuzz-protocol.ts`): 20,000 mutated messages through
 * validate, decode, MessageView and StreamFramer must end in success or a typed ProtocolError only.
 * Spawned as a child process on the runtime under test (tsx on Node, `deno run` under Deno).
 */

import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ProtocolErrorKind } from "../../protocol/mod.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Command that runs a TypeScript file on the current runtime. */
function tsRunner(): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), ["run", "-A"]];
  return [process.execPath, ["--import", "tsx"]];
}

interface FuzzResult {
  count: number;
  nonTypedErrors: number;
  failures: { stage: string; error: string; hex: string }[];
  outcomes: Record<string, Record<string, number>>;
}

function runFuzz(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, pre] = tsRunner();
  return new Promise((done) => {
    execFile(cmd, [...pre, "bench/fuzz-protocol.ts", ...args], { cwd: ROOT, timeout: 240_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("fuzz-protocol (short run)", () => {
  it("20,000 mutated messages yield only typed ProtocolErrors or success", async () => {
    const { code, stdout, stderr } = await runFuzz(["--count", "20000", "--seed", "7", "--json"]);
    const result = JSON.parse(stdout) as FuzzResult;
    expect(result.failures).toEqual([]);
    expect(result.nonTypedErrors).toBe(0);
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
    expect(result.count).toBe(20_000);
    const validate = result.outcomes.validate!;
    expect(Object.values(validate).reduce((a, b) => a + b, 0)).toBe(20_000);
    // The mutations reach every layer: valid messages and all structural error kinds occur.
    expect(validate.ok).toBeGreaterThan(1000);
    for (const kind of ["BadMagic", "Truncated", "TooLarge", "ChecksumMismatch", "TlvOverrun", "WrongTlvSize", "TypeNotInDomain"]) {
      expect(validate[kind], kind).toBeGreaterThan(0);
    }
    for (const kind of Object.keys(validate)) expect(kind === "ok" || kind in ProtocolErrorKind).toBe(true);
    expect(result.outcomes.framer!.ok).toBeGreaterThan(1000);
  }, 300_000);

  it("rejects bad arguments with exit status 2", async () => {
    const { code, stderr } = await runFuzz(["--count", "many"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--count needs a non-negative integer");
  }, 60_000);
});
