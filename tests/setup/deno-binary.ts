/**
 * The Deno binary for tests that start Deno processes from either runtime: this one when running under
 * Deno, else the project's (`tools/deno/`), installing it if missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The Deno binary: this one when running under Deno, else the project's, installing it if missing. */
export function denoBinary(): string {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return deno.execPath();
  const local = join(ROOT, "tools/deno/node_modules/@deno/linux-x64-glibc/deno");
  if (existsSync(local)) return local;
  const out = execFileSync(process.execPath, [join(ROOT, "scripts/install-deno.mjs")], { encoding: "utf8", timeout: 300_000 });
  return out.trim().split("\n").at(-1)!;
}
