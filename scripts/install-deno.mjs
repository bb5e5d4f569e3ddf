#!/usr/bin/env node
/**
 * Installs Deno from the npm package `deno` into `tools/deno/` and prints the binary's path.
 *
 * Why not a package.json dependency: npm would put its JS shim at node_modules/.bin/deno, and
 * `deno task` run through that shim breaks. A private prefix keeps the real binary apart.
 *
 * Usage: `node scripts/install-deno.mjs` (idempotent; reuses an installed binary of the pinned major).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DENO_RANGE = "^2.5";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, "tools", "deno");

/** Finds the native binary that the `deno` npm package's platform dependency ships. */
function findBinary() {
  const scoped = join(prefix, "node_modules", "@deno");
  if (!existsSync(scoped)) return undefined;
  for (const dir of readdirSync(scoped)) {
    for (const name of ["deno", join("bin", "deno")]) {
      const candidate = join(scoped, dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

let binary = findBinary();
if (!binary) {
  mkdirSync(prefix, { recursive: true });
  execFileSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-package-lock", `deno@${DENO_RANGE}`], {
    // npm's own output goes to stderr: stdout carries only the binary's path (callers capture it).
    stdio: ["ignore", 2, 2],
  });
  binary = findBinary();
}
if (!binary) {
  console.error(`install-deno: no Deno binary under ${prefix} after npm install of deno@${DENO_RANGE}`);
  process.exit(1);
}
const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).split("\n")[0];
console.error(`install-deno: ${version} at ${binary}`);
console.log(binary);
