/**
 * Durable files: atomic replacement with 0600 files in a 0700 directory, symlinks at the path never
 * followed, unsafe directories refused, and the sealed JSON envelope catching corruption that is still JSON.
 */

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DurableFileError, ensurePrivateDir, readDurable, writeDurable } from "../../../runtime/state/durable-file.ts";
import { SealedJsonError, sealJson, unsealJson } from "../../../runtime/state/sealed-json.ts";

const root = mkdtempSync(join(tmpdir(), "ap-durable-"));
let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeDurable / readDurable", () => {
  it("creates the directory 0700 and the file 0600, replaces the content atomically, leaves no temp file", async () => {
    const dir = join(fresh("d"), "state");
    const path = join(dir, "x.json");
    await writeDurable(path, "one");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeDurable(path, "two");
    expect(await readDurable(path)).toBe("two");
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it("a missing file reads as undefined", async () => {
    expect(await readDurable(join(fresh("m"), "absent.json"))).toBeUndefined();
  });

  it("a symlink planted at the path is replaced, never followed: the victim keeps its content and mode", async () => {
    const dir = fresh("s");
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(root, `victim-${n++}`);
    writeFileSync(victim, "precious", { mode: 0o644 });
    const path = join(dir, "x.json");
    symlinkSync(victim, path);
    await expect(readDurable(path)).rejects.toMatchObject({ name: "DurableFileError", kind: "symlink", path });
    await writeDurable(path, "state");
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(await readDurable(path)).toBe("state");
  });

  it("a failed write names the file and the step, keeps the previous target and removes its temp file", async () => {
    const dir = fresh("f");
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, "x.json");
    mkdirSync(join(path, "occupied"), { recursive: true }); // rename of a file over a non-empty directory fails
    const err = await writeDurable(path, "data").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DurableFileError);
    expect((err as DurableFileError).kind).toBe("io");
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/rename/);
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it("refuses a directory open to group/other, a symlinked directory and a file where the directory should be", async () => {
    const open = fresh("o");
    mkdirSync(open);
    chmodSync(open, 0o755);
    await expect(writeDurable(join(open, "x.json"), "data")).rejects.toMatchObject({ kind: "unsafe-directory", message: expect.stringMatching(/755/) });
    expect(readdirSync(open)).toEqual([]);
    const real = fresh("r");
    mkdirSync(real, { mode: 0o700 });
    const link = fresh("l");
    symlinkSync(real, link);
    await expect(ensurePrivateDir(link)).rejects.toMatchObject({ kind: "unsafe-directory", message: expect.stringMatching(/symlink/) });
    const file = fresh("file");
    writeFileSync(file, "");
    await expect(ensurePrivateDir(file)).rejects.toThrow();
  });
});

describe("sealJson / unsealJson", () => {
  const path = "/state/x.json";
  it("round-trips the body", () => {
    const body = { state: "halted", reason: "operator", limits: { maxOpenOrders: 5, maxPosition: "1.5" }, n: [1, 2.5, 1e21] };
    expect(unsealJson(sealJson("trading-state", 2, body), "trading-state", 2, path)).toEqual(body);
  });

  const cases: [string, (text: string) => string, string][] = [
    ["truncated", (t) => t.slice(0, t.length / 2), "corrupt"],
    ["garbage", () => "\u0000\u0001garbage", "corrupt"],
    ["an empty file", () => "", "corrupt"],
    ["valid JSON of another shape", () => JSON.stringify({ state: "active" }), "incompatible"],
    ["an array", () => "[]", "corrupt"],
    ["another version", (t) => t.replace('"version":2', '"version":1'), "incompatible"],
    ["another kind", (t) => t.replace('"kind":"trading-state"', '"kind":"limits"'), "incompatible"],
    ["a value changed in valid JSON", (t) => t.replace('"halted"', '"active"'), "checksum"],
    ["a checksum changed", (t) => t.replace(/"sha256":"[0-9a-f]/, '"sha256":"g'), "checksum"],
  ];
  for (const [what, damage, kind] of cases) {
    it(`refuses ${what} as ${kind}, naming the file`, () => {
      const text = damage(sealJson("trading-state", 2, { state: "halted" }));
      const err = (() => {
        try {
          unsealJson(text, "trading-state", 2, path);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(SealedJsonError);
      expect((err as SealedJsonError).kind).toBe(kind);
      expect((err as Error).message).toContain(path);
    });
  }
});
