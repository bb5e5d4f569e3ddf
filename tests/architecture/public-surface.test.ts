/**
 * The public surface (issue 16): `mod.ts` files list every name they export (no `export *`, as nats.js does),
 * the root `mod.ts` exports exactly what `protocol/mod.ts` does, and every name exported by the mod.ts files of
 * the root, bridge/, core/metrics/ and app/ carries JSDoc at its declaration.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { readTree } from "../../scripts/layering.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Product mod.ts files (not tests, bench, scripts or fixtures). */
const MOD_FILES = [...readTree(ROOT).keys()]
  .filter((f) => f.endsWith("mod.ts") && (f === "mod.ts" || f.endsWith("/mod.ts")))
  .filter((f) => !/^(tests|bench|scripts|fixtures)\//.test(f));

/** mod.ts files whose exports must all carry JSDoc. */
const DOCUMENTED = ["mod.ts", "bridge/mod.ts", "core/metrics/mod.ts", "app/mod.ts"];

/** Lines of `text` that re-export a whole module. */
function exportStars(text: string): number[] {
  return text.split("\n").flatMap((line, i) => (/^\s*export\s+(?:type\s+)?\*/.test(line) ? [i + 1] : []));
}

let program: ts.Program | undefined;
/** One TypeScript program over the mod.ts files (built once: it takes seconds). */
function checker(): { program: ts.Program; checker: ts.TypeChecker } {
  program ??= ts.createProgram(DOCUMENTED.map((f) => path.join(ROOT, f)).concat(path.join(ROOT, "protocol/mod.ts")), {
    allowImportingTsExtensions: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022, strict: true, types: ["node"], skipLibCheck: true,
  });
  return { program, checker: program.getTypeChecker() };
}

/** Every export of `file` with whether it is documented. */
function exportsOf(file: string): { name: string; documented: boolean }[] {
  const { program, checker: c } = checker();
  const source = program.getSourceFile(path.join(ROOT, file));
  if (source === undefined) throw new Error(`${file} is not in the program`);
  const moduleSymbol = c.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  return c.getExportsOfModule(moduleSymbol).map((e) => {
    const target = e.flags & ts.SymbolFlags.Alias ? c.getAliasedSymbol(e) : e;
    const docs = target.getDocumentationComment(c).map((p) => p.text).join("").trim();
    return { name: e.name, documented: docs.length > 0 };
  });
}

describe("public surface", () => {
  it("finds the mod.ts files", () => {
    expect(MOD_FILES).toEqual(expect.arrayContaining(["mod.ts", "bridge/mod.ts", "protocol/mod.ts", "core/metrics/mod.ts", "app/mod.ts"]));
  });

  it("sees an `export *` line, so the next check can fail", () => {
    expect(exportStars(`/** a */\nexport { a } from "./a.ts";\nexport * from "./b.ts";\nexport type * from "./c.ts";\n`)).toEqual([3, 4]);
  });

  it("no mod.ts of the product re-exports a whole module (`export *`)", () => {
    const found = MOD_FILES.flatMap((f) => exportStars(readFileSync(path.join(ROOT, f), "utf8")).map((line) => `${f}:${line}`));
    expect(found).toEqual([]);
  });

  it("the root mod.ts exports exactly what protocol/mod.ts does (values at run time, types in the checker)", async () => {
    const root = Object.keys(await import("../../mod.ts")).sort();
    const protocol = Object.keys(await import("../../protocol/mod.ts")).sort();
    expect(root).toEqual(protocol);
    expect(root.length).toBeGreaterThan(100);
    expect(exportsOf("mod.ts").map((e) => e.name).sort()).toEqual(exportsOf("protocol/mod.ts").map((e) => e.name).sort());
  }, 120_000);

  it("every name exported by the root, bridge, core/metrics and app mod.ts files carries JSDoc", () => {
    const undocumented = DOCUMENTED.flatMap((f) => exportsOf(f).filter((e) => !e.documented).map((e) => `${f}: ${e.name}`));
    expect(undocumented).toEqual([]);
  }, 120_000);
});
