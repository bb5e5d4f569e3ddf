/**
 * The import graph of `adapters/` has no cycle: venue modules import `venue-entry.ts`, the registry
 * imports the venues, never the other way round. Static imports, re-exports and dynamic `import()` all
 * count as edges; type-only imports too (a cycle of types still ties the files together).
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../adapters/", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Relative imports of a file inside `adapters/`, as absolute paths. */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, "utf8").matchAll(SPEC)) {
    const spec = m[1]!;
    if (!spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (target.startsWith(ROOT)) out.push(target);
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === "open") cycles.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

describe("adapters/ import graph", () => {
  const graph = new Map(tsFiles(ROOT).map((f) => [f, importsOf(f)] as const));

  it("has no cycle", () => {
    const cycles = findCycles(graph).map((c) => c.map((f) => f.slice(ROOT.length)).join(" → "));
    expect(cycles).toEqual([]);
  });

  it("the checker sees edges and finds a planted cycle (registry → venue → registry)", () => {
    expect(graph.get(join(ROOT, "registry.ts"))).toContain(join(ROOT, "coinbase/mod.ts"));
    const planted = new Map(graph);
    planted.set(join(ROOT, "coinbase/mod.ts"), [...graph.get(join(ROOT, "coinbase/mod.ts"))!, join(ROOT, "registry.ts")]);
    expect(findCycles(planted).length).toBeGreaterThan(0);
  });

  it("no venue module imports the registry", () => {
    const importers = [...graph].filter(([, to]) => to.includes(join(ROOT, "registry.ts"))).map(([f]) => f.slice(ROOT.length));
    expect(importers.filter((f) => f !== "start-venue-adapter.ts")).toEqual([]);
  });
});
