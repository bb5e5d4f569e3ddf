/**
 * The runtime package `alphapulse` (the repository root) on plain Node: its `exports` name only built
 * JavaScript and declarations (never `.ts`, which Node refuses in node_modules), and `alphapulse`,
 * `alphapulse/protocol` and `alphapulse/client` import from a project that has it in node_modules — the
 * package built by scripts/build.mjs (what `npm pack` runs as prepack) into a folder of its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE, ok, ROOT, run } from "./helpers.ts";

const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string; exports: Record<string, string | Record<string, string>>; bin: Record<string, string>; workspaces: string[];
};
let pkgDir: string;
let project: string;

beforeAll(async () => {
  fs.mkdirSync(path.join(ROOT, ".scratch"), { recursive: true });
  pkgDir = fs.mkdtempSync(path.join(ROOT, ".scratch", "root-package-"));
  ok("scripts/build.mjs", await run(NODE, [path.join(ROOT, "scripts/build.mjs"), path.join(pkgDir, "dist")], { cwd: ROOT, timeoutMs: 400_000 }));
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(pkgDir, "package.json"));
  project = fs.mkdtempSync(path.join(os.tmpdir(), "ap-root-package-"));
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user", private: true, type: "module" }));
  fs.mkdirSync(path.join(project, "node_modules"));
  fs.symlinkSync(pkgDir, path.join(project, "node_modules", rootPkg.name)); // its own dependencies resolve from the repository's node_modules
}, 420_000);

afterAll(() => {
  fs.rmSync(pkgDir, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
});

describe("the alphapulse package", () => {
  it("exports only built .js/.d.ts under dist/ (types first), the client among them; the packages are workspaces", () => {
    expect(Object.keys(rootPkg.exports)).toEqual([".", "./protocol", "./client", "./package.json"]);
    for (const [key, target] of Object.entries(rootPkg.exports)) {
      if (key === "./package.json") continue;
      expect(Object.keys(target)).toEqual(["types", "import", "default"]);
      for (const file of Object.values(target as Record<string, string>)) expect(file).toMatch(/^\.\/dist\/.*\.(d\.ts|js)$/);
    }
    expect(rootPkg.bin.ap).toBe("dist/main.js");
    expect(rootPkg.workspaces).toEqual(["packages/protocol", "packages/client"]);
  });

  it("plain node imports alphapulse, alphapulse/protocol and alphapulse/client from node_modules (no tsx), and every export target exists", async () => {
    for (const target of Object.values(rootPkg.exports)) {
      for (const file of typeof target === "string" ? [target] : Object.values(target)) expect(fs.existsSync(path.join(pkgDir, file)), file).toBe(true);
    }
    fs.writeFileSync(path.join(project, "use.mjs"), `
const root = await import("alphapulse");
const protocol = await import("alphapulse/protocol");
const client = await import("alphapulse/client");
console.log(JSON.stringify({ root: typeof root.encodeMessage, same: root.encodeMessage === protocol.encodeMessage,
  connect: typeof client.connect, relayClient: typeof client.RelayClient, tsx: process.execArgv.join(" ").includes("tsx") }));
`);
    const r = ok("node use.mjs", await run(NODE, ["use.mjs"], { cwd: project, timeoutMs: 60_000 }));
    expect(JSON.parse(r.stdout.trim())).toEqual({ root: "function", same: true, connect: "function", relayClient: "function", tsx: false });
  }, 90_000);
});
