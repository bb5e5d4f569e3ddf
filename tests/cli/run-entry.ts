/**
 * Runs one of the project's entry scripts (`bench/main.ts`, `bench/check.ts`) as a child process on the
 * runtime the test runs on (Deno: `deno run -A`; Node: `--import tsx`), collecting its output.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** What a finished entry script left. */
export interface EntryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` (relative to the project root) with `args` on this runtime. */
export function runEntry(script: string, args: readonly string[]): Promise<EntryResult> {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [cmd, lead] = deno ? [deno.execPath(), ["run", "-A", script]] : [process.execPath, ["--import", "tsx", script]];
  const child = spawn(cmd, [...lead, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
