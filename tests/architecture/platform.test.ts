/**
 * The runtime is chosen once, at the entry point (issue 16): `core/platform.ts` refuses to answer
 * before an entry installed a platform, refuses a second, different one, and names a missing service;
 * the installed platform is the running runtime's; and no product file below an entry looks at the
 * global `Deno` or imports a runtime's implementation directly — only `app/platform/` does.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { installRuntimePlatform, selectPlatform } from "../../app/platform/select.ts";
import {
  createPlatform, installPlatform, platform, platformService, PlatformAlreadyInstalledError, PlatformServiceMissingError,
} from "../../core/platform.ts";
import { TRANSPORT } from "../../relay/transport/types.ts";
import { apInvocation } from "../../runtime/process/invocation.ts";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const RUNNING = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node";

/** The product: every folder of the layered house plus the entry files at the root. */
const PRODUCT_DIRS = ["protocol", "core", "relay", "adapters", "trading", "bridge", "runtime", "api", "app", "cli"];
const ROOT_FILES = ["main.ts", "mod.ts"];

/**
 * Files allowed to mention `Deno` in code: the one selection, the Deno assembly (named deno.ts like every
 * Deno implementation), and `protocol/int64.ts`, which reads V8's version (not a runtime choice) from
 * `process.versions` or `Deno.version` and must stay free of imports (layer 0, importable from a URL).
 */
const ALLOWED = new Set(["app/platform/select.ts", "protocol/int64.ts", "relay/client/mod.ts"]);

/**
 * The entry of the `@alphapulse/client` package, which ships without app/ (no npm dependencies): when no
 * platform is installed (a user's own program) it picks the relay transport itself, as the one choice of
 * that program's runtime.
 */
const CLIENT_ENTRY = "relay/client/mod.ts";

/** Runtime implementation files; only `app/platform/` may import them. */
const IMPLEMENTATIONS = /(relay\/transport|runtime\/process|api\/serve)\/(node|deno)\.ts$/;

function productFiles(): string[] {
  const out: string[] = [...ROOT_FILES];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".ts")) out.push(rel);
    }
  };
  for (const d of PRODUCT_DIRS) walk(d);
  return out;
}

/** Source text without comments (block, JSDoc and line comments), so documentation may name Deno. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

describe("core/platform.ts: installed once, by the entry", () => {
  it("platform() before any install throws the typed error that says what to do", async () => {
    vi.resetModules(); // a fresh instance of core/platform.ts: nothing installed in it
    const fresh = await import("../../core/platform.ts");
    expect(fresh.installedPlatform()).toBeUndefined();
    let thrown: unknown;
    try {
      fresh.platform();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(fresh.PlatformNotInstalledError);
    expect((thrown as Error).name).toBe("PlatformNotInstalledError");
    expect((thrown as Error).message).toContain("installPlatform(selectPlatform())");
    expect((thrown as Error).message).toContain("app/platform/select.ts");
  });

  it("the setup file installed the running runtime's platform, and its transport is that runtime's", async () => {
    expect(platform().runtime).toBe(RUNNING);
    expect(platform().label.startsWith(`${RUNNING} `)).toBe(true);
    expect((await platform().load(TRANSPORT)).name).toBe(RUNNING);
    expect(await platform().load(TRANSPORT)).toBe(await platform().load(TRANSPORT)); // loaded once
  });

  it("installing the same platform again is a no-op; a different one is refused", () => {
    const current = platform();
    expect(installRuntimePlatform()).toBe(current);
    installPlatform(selectPlatform());
    expect(platform()).toBe(current);
    const other = createPlatform({ ...current, runtime: RUNNING === "node" ? "deno" : "node", services: [] });
    expect(() => installPlatform(other)).toThrow(PlatformAlreadyInstalledError);
    expect(platform()).toBe(current);
  });

  it("a service the platform lacks rejects with a typed error naming it and the file to add it to", async () => {
    const bare = createPlatform({ ...platform(), services: [] });
    const err = await bare.load(platformService<number>("test service")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformServiceMissingError);
    expect((err as Error).message).toContain("test service");
    expect((err as Error).message).toContain(`app/platform/${RUNNING}.ts`);
  });

  it("apInvocation runs main.ts with the installed runtime's binary", () => {
    const inv = apInvocation("/x/main.ts", false);
    expect(inv.command).toBe(platform().execPath);
    expect(inv.args.at(-1)).toBe("/x/main.ts");
  });
});

describe("no Deno sniffing below the entry points", () => {
  const files = productFiles();

  it("finds the product files (the scan is not empty)", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("app/platform/select.ts");
  });

  it("only app/platform/select.ts, the client package's entry (and Deno implementations named deno.ts) refer to the global Deno in code", () => {
    const offenders: string[] = [];
    for (const f of files) {
      if (path.basename(f) === "deno.ts" || ALLOWED.has(f)) continue;
      const lines = code(fs.readFileSync(path.join(ROOT, f), "utf8")).split("\n");
      lines.forEach((line, i) => {
        if (/\bDeno\b/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it("the selection itself checks Deno (the scan would see a check)", () => {
    const select = code(fs.readFileSync(path.join(ROOT, "app/platform/select.ts"), "utf8"));
    expect(select).toMatch(/\bDeno\b/);
  });

  it("only app/platform/ (and the client package's entry) imports a runtime's transport, spawner or HTTP serving implementation", () => {
    const offenders: string[] = [];
    for (const f of files) {
      if (f.startsWith("app/platform/") || f === CLIENT_ENTRY) continue;
      const text = code(fs.readFileSync(path.join(ROOT, f), "utf8"));
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]!));
        if (IMPLEMENTATIONS.test(target)) offenders.push(`${f} imports ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
