/**
 * The layering check (issue 16): each rule of `scripts/layering.mjs` catches a small synthetic violation (so the
 * check can fail), a clean synthetic tree passes, and the real tree has no offence at all.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkSources, format, importsOf, readTree, RULE } from "../../scripts/layering.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A small clean tree every synthetic case starts from. */
const CLEAN: Record<string, string> = {
  "protocol/mod.ts": `export const a = 1;\n`,
  "core/log.ts": `import { a } from "../protocol/mod.ts";\nexport const b = a;\n`,
  "relay/wire/control.ts": `import { b } from "../../core/log.ts";\nexport const c = b;\n`,
  "relay/transport/types.ts": `export type T = number;\n`,
  "relay/transport/deno.ts": `const d = (globalThis as { Deno?: unknown }).Deno;\nexport const x = typeof Deno;\nDeno.exit(0);\n`,
  "relay/client/client.ts": `import { c } from "../wire/control.ts";\nexport const e = c;\n`,
  "relay/server/server.ts": `import { c } from "../wire/control.ts";\nimport type { T } from "../transport/types.ts";\nimport { WebSocket } from "ws";\nexport const f: T = c;\n`,
  "adapters/a.ts": `import { e } from "../relay/client/client.ts";\n// Deno is named in a comment: typeof Deno\nexport const g = "Deno 2";\n`,
  "runtime/run.ts": `import { g } from "../adapters/a.ts";\nexport const h = async () => (await import("../core/log.ts")).b + g;\n`,
  "api/api.ts": `import { h } from "../runtime/run.ts";\nexport const i = h;\n`,
  "app/registry.ts": `import { i } from "../api/api.ts";\nexport const j = i;\n`,
  "cli/cmd.ts": `import { j } from "../app/registry.ts";\nexport const k = j;\n`,
  "main.ts": `import { k } from "./cli/cmd.ts";\nconst deno = typeof Deno !== "undefined";\nk(deno);\n`,
  "bench/main.ts": `import { k } from "../cli/cmd.ts";\nimport { z } from "../tests/helpers.ts";\nk(z, globalThis.Deno);\n`,
  "tests/helpers.ts": `import { k } from "../cli/cmd.ts";\nexport const z = k;\n`,
};

/** Check the clean tree with `changes` applied (a file mapped to `null` is removed). */
function check(changes: Record<string, string | null>) {
  const sources = new Map(Object.entries(CLEAN));
  for (const [file, text] of Object.entries(changes)) {
    if (text === null) sources.delete(file);
    else sources.set(file, text);
  }
  return checkSources(sources);
}

/** The offences of one rule, printed. */
const of = (offences: ReturnType<typeof check>, rule: string) => offences.filter((o) => o.rule === rule).map(format);

describe("layering check, synthetic trees", () => {
  it("passes the clean tree", () => {
    expect(check({}).map(format)).toEqual([]);
  });

  it("reads static, re-export, side-effect and dynamic imports, with their lines, not those in comments", () => {
    const found = importsOf(
      `import a from "./a.ts";\nexport { b } from "./b.ts";\nimport "./c.ts";\n// import d from "./d.ts";\nconst e = await import("./e.ts");\nimport type {\n  F,\n} from "./f.ts";\n`,
    );
    expect(found).toEqual([
      { specifier: "./a.ts", line: 1 },
      { specifier: "./b.ts", line: 2 },
      { specifier: "./c.ts", line: 3 },
      { specifier: "./e.ts", line: 5 },
      { specifier: "./f.ts", line: 8 },
    ]);
  });

  it("catches runtime importing api (upward), statically and dynamically", () => {
    const offences = check({
      "runtime/run.ts": `import { i } from "../api/api.ts";\nexport const h = () => import("../app/registry.ts");\n`,
    });
    expect(of(offences, RULE.layer)).toEqual([
      "runtime/run.ts:1 layer: runtime/ (layer 4) imports api/ (layer 5), a higher layer (../api/api.ts)",
      "runtime/run.ts:2 layer: runtime/ (layer 4) imports app/ (layer 6), a higher layer (../app/registry.ts)",
    ]);
  });

  it("catches protocol importing core and api importing cli", () => {
    const offences = check({
      "protocol/mod.ts": `import { b } from "../core/log.ts";\nexport const a = 1;\n`,
      "api/api.ts": `import { k } from "../cli/cmd.ts";\nexport const i = k;\n`,
    });
    expect(of(offences, RULE.layer)).toEqual([
      "api/api.ts:1 layer: api/ (layer 5) imports cli/ (layer 7), a higher layer (../cli/cmd.ts)",
      "protocol/mod.ts:1 layer: protocol/ (layer 0) imports core/ (layer 1), a higher layer (../core/log.ts)",
    ]);
  });

  it("catches adapters importing trading sideways", () => {
    const offences = check({ "trading/t.ts": `export const t = 1;\n`, "adapters/b.ts": `import { t } from "../trading/t.ts";\n` });
    expect(of(offences, RULE.sideways)).toEqual([
      "adapters/b.ts:1 sideways: adapters/ imports trading/ sideways (both layer 3) (../trading/t.ts)",
    ]);
  });

  it("catches relay/client importing relay/server", () => {
    const offences = check({ "relay/client/client.ts": `import { f } from "../server/server.ts";\nexport const e = f;\n` });
    expect(of(offences, RULE.relayPart)).toEqual([
      "relay/client/client.ts:1 relay-part: relay/client may import only core, protocol, relay/wire, relay/transport, not relay/server (../server/server.ts)",
    ]);
  });

  it("catches the product importing bench or tests", () => {
    const offences = check({ "cli/cmd.ts": `import { j } from "../app/registry.ts";\nexport const k = () => import("../bench/main.ts");\n` });
    expect(of(offences, RULE.tooling)).toEqual([
      "cli/cmd.ts:2 tooling: bench/main.ts is tooling (bench/); the product never imports it (../bench/main.ts)",
    ]);
  });

  it("catches npm packages imported from protocol, core and relay/client (node: built-ins are fine)", () => {
    const offences = check({
      "protocol/mod.ts": `import { createHash } from "node:crypto";\nimport * as v from "valibot";\nexport const a = 1;\n`,
      "core/log.ts": `import { a } from "../protocol/mod.ts";\nexport { b } from "yaml";\n`,
      "relay/client/client.ts": `import { c } from "../wire/control.ts";\nconst ws = await import("ws");\n`,
    });
    expect(of(offences, RULE.npm)).toEqual([
      `core/log.ts:2 npm: npm package "yaml" imported from core/`,
      `protocol/mod.ts:2 npm: npm package "valibot" imported from protocol/`,
      `relay/client/client.ts:2 npm: npm package "ws" imported from relay/client/`,
    ]);
  });

  it("catches every form of Deno sniffing below an entry point", () => {
    const offences = check({
      "core/log.ts": [
        `const a = typeof Deno !== "undefined";`,
        `const b = globalThis.Deno;`,
        `const c = "Deno" in globalThis;`,
        `const d = (globalThis as { Deno?: unknown }).Deno;`,
        `const e = globalThis["Deno"];`,
      ].join("\n"),
    });
    expect(of(offences, RULE.denoSniff).map((line) => line.split(" ")[0])).toEqual([
      "core/log.ts:1",
      "core/log.ts:2",
      "core/log.ts:3",
      "core/log.ts:4",
      "core/log.ts:5",
    ]);
  });

  it("catches the Deno global used outside a deno.ts implementation file, and allows it in one", () => {
    const offences = check({
      "relay/transport/node.ts": `export const n = Deno.pid;\n`,
      "runtime/process/deno.ts": `export const p = Deno.pid;\n`,
      "adapters/deno.ts": `export const q = Deno.pid;\n`,
    });
    expect(of(offences, RULE.denoGlobal)).toEqual([
      "adapters/deno.ts:1 deno-global: uses the Deno global outside a deno.ts implementation file",
      "relay/transport/node.ts:1 deno-global: uses the Deno global outside a deno.ts implementation file",
    ]);
  });

  it("catches an import cycle inside a folder", () => {
    const offences = check({
      "adapters/registry.ts": `import { m } from "./x/mod.ts";\nexport const r = m;\n`,
      "adapters/x/mod.ts": `import { r } from "../registry.ts";\nexport const m = r;\n`,
    });
    expect(of(offences, RULE.cycle)).toEqual([
      "adapters/registry.ts:1 cycle: import cycle: adapters/registry.ts -> adapters/x/mod.ts",
    ]);
  });

  it("catches an import that resolves to no file", () => {
    const offences = check({ "api/api.ts": `import { h } from "../runtime/gone.ts";\n` });
    expect(of(offences, RULE.unresolved)).toEqual(["api/api.ts:1 unresolved: cannot resolve ../runtime/gone.ts"]);
  });
});

describe("layering check, the real tree", () => {
  it("finds no offence in the product", () => {
    expect(checkSources(readTree(ROOT)).map(format)).toEqual([]);
  });

  it("runs alone and prints each offence with file:line (exit 1), or 'clean' (exit 0)", () => {
    const onDeno = "Deno" in globalThis;
    const args = onDeno ? ["run", "-A", "scripts/layering.mjs"] : ["scripts/layering.mjs"];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    const offences = checkSources(readTree(ROOT));
    expect(run.status).toBe(offences.length === 0 ? 0 : 1);
    for (const o of offences) expect(run.stdout).toContain(format(o));
    expect(run.stdout).toMatch(offences.length === 0 ? /layering: clean/ : /layering: \d+ offence/);
  });
});
