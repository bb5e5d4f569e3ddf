#!/usr/bin/env node
/**
 * Installs a second Node (the current LTS, 24) from npm into `tools/node24/` and prints the binary's path.
 *
 * Why `node-<platform>-<arch>` and not the npm package `node` (what `npx -y node@24` runs): `node` is a
 * shim whose preinstall script installs this same platform package at install time; the platform package
 * is the plain binary in `bin/node`, needs no install script, and cannot end up as a project dependency.
 *
 * Usage: `node scripts/install-node.mjs [MAJOR]` (default 24; idempotent: reuses an installed binary of that major).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const major = process.argv[2] ?? "24";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, "tools", `node${major}`);
const platform = process.platform === "win32" ? "win" : process.platform;
const pkg = `node-${platform}-${process.arch}`;
const binary = join(prefix, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");

/** The installed binary's version, or undefined when it is missing or of another major. */
function installedVersion() {
  if (!existsSync(binary)) return undefined;
  const v = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  return v.startsWith(`v${major}.`) ? v : undefined;
}

let version = installedVersion();
if (!version) {
  mkdirSync(prefix, { recursive: true });
  execFileSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-package-lock", `${pkg}@^${major}`], {
    // npm's own output goes to stderr: stdout carries only the binary's path (callers capture it).
    stdio: ["ignore", 2, 2],
  });
  version = installedVersion();
}
if (!version) {
  console.error(`install-node: no Node ${major} binary at ${binary} after npm install of ${pkg}@^${major}`);
  process.exit(1);
}
console.error(`install-node: Node ${version} at ${binary}`);
console.log(binary);
