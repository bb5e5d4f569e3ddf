/**
 * Safe directories (finding 4 of issue 14), each a real `ap start` process: a planted `config.json`
 * symlink, a 0755 runtime or state directory, a runtime directory owned by another user, a symlinked
 * runtime directory, and an unsafe default directory (`$XDG_RUNTIME_DIR/alphapulse`) are each refused
 * with one line giving the reason, before anything starts; a victim file is never written.
 */

import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAp, smallConfig, startArtifacts } from "./ap-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-safe-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `ap start` on a config whose runtime directory is `run`; expects a refusal and returns its one line. */
async function refused(name: string, run: string, env: Record<string, string> = {}, text = smallConfig(run)): Promise<string> {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, text);
  const r = await runAp(["start", "--config", config], env);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ap start: /);
  return lines[0]!;
}

describe("ap start refuses an unsafe runtime directory", () => {
  it("a planted config.json symlink in a private directory: refused, the victim untouched", async () => {
    const run = join(dir, "planted");
    mkdirSync(run, { mode: 0o700 });
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious\n", { mode: 0o644 });
    symlinkSync(victim, join(run, "config.json"));
    const line = await refused("planted", run);
    expect(line).toContain(`${join(run, "config.json")}: is a symbolic link; refusing to write through it`);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(join(run, "config.json")).isSymbolicLink()).toBe(true);
    expect(startArtifacts(run)).toEqual(["config.json"]); // only the planted link: no lock, socket or api.json
  }, 60_000);

  it("an existing 0755 directory: refused with its mode, left as it was", async () => {
    const run = join(dir, "open");
    mkdirSync(run);
    chmodSync(run, 0o755);
    const line = await refused("open", run);
    expect(line).toContain(`runtime directory ${run}: has mode 0755: group/other may read or write it`);
    expect(statSync(run).mode & 0o777).toBe(0o755);
    expect(startArtifacts(run)).toEqual([]);
  }, 60_000);

  it("a 0755 state/ subdirectory: refused", async () => {
    const run = join(dir, "open-state");
    mkdirSync(run, { mode: 0o700 });
    mkdirSync(join(run, "state"));
    chmodSync(join(run, "state"), 0o755);
    const line = await refused("open-state", run);
    expect(line).toContain(`${join(run, "state")}: has mode 0755`);
    expect(startArtifacts(run)).toEqual([]);
  }, 60_000);

  it("a directory owned by another user (uid 65534): refused naming the owner", async () => {
    const run = join(dir, "foreign");
    mkdirSync(run, { mode: 0o700 });
    chownSync(run, 65534, 65534);
    const line = await refused("foreign", run);
    expect(line).toMatch(/is owned by uid 65534, not by this user \(uid \d+\)/);
    expect(startArtifacts(run)).toEqual([]);
  }, 60_000);

  it("a runtime directory that is a symlink (to a private directory): refused", async () => {
    const target = join(dir, "target");
    mkdirSync(target, { mode: 0o700 });
    const run = join(dir, "linked");
    symlinkSync(target, run);
    const line = await refused("linked", run);
    expect(line).toContain(`runtime directory ${run}: is a symbolic link`);
    expect(startArtifacts(target)).toEqual([]);
  }, 60_000);

  it("the default directory ($XDG_RUNTIME_DIR/alphapulse) is verified the same way", async () => {
    const xdg = join(dir, "xdg");
    mkdirSync(join(xdg, "alphapulse"), { recursive: true, mode: 0o777 });
    chmodSync(join(xdg, "alphapulse"), 0o777);
    const line = await refused("default", "", { XDG_RUNTIME_DIR: xdg }, smallConfig('""'));
    expect(line).toContain(`runtime directory ${join(xdg, "alphapulse")}: has mode 0777`);
    expect(startArtifacts(join(xdg, "alphapulse"))).toEqual([]);
  }, 60_000);

  it("a fresh runtime directory is created 0700 with state/ and journal/ 0700 (and a port in use leaves nothing behind)", async () => {
    const run = join(dir, "fresh", "run");
    const config = join(dir, "fresh.yaml");
    // An API port that is taken stops the start after the directory was claimed: what it created is left to inspect.
    const net = await import("node:net");
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    writeFileSync(config, smallConfig(run).replace("api: { port: 0 }", `api: { port: ${port} }`));
    const r = await runAp(["start", "--config", config]);
    server.close();
    expect(r.code).toBe(1);
    for (const d of [run, join(run, "state"), join(run, "journal")]) expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(startArtifacts(run)).toEqual([]);
  }, 60_000);
});
