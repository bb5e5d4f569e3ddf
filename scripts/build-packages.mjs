#!/usr/bin/env node
/**
 * Builds the installable packages under `packages/` from the sources where they live (protocol/,
 * relay/client/ …): JavaScript + `.d.ts` by tsc (`rewriteRelativeImportExtensions` turns the sources'
 * `.ts` imports into `.js`), into `packages/<name>/dist/`.
 *
 * - `protocol` (`@alphapulse/protocol`): protocol/ alone (it imports nothing outside itself).
 * - `client` (`@alphapulse/client`): relay/client/mod.ts and what it imports (relay/wire, relay/transport,
 *   core); its imports of protocol/ are rewritten to `@alphapulse/protocol` (its one dependency), so the
 *   two packages share one copy of the codec.
 *
 * Usage: `node scripts/build-packages.mjs [protocol|client]...` (default: both). Fails (exit 1) naming
 * the package and the step; a client import of a protocol module that package does not export is an error.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** The packages: where their sources start, what tsc compiles, which source folders another package provides. */
const PACKAGES = {
  protocol: { rootDir: "protocol", entries: ["protocol/mod.ts"], provided: {} },
  client: { rootDir: ".", entries: ["relay/client/mod.ts"], provided: { protocol: "@alphapulse/protocol" } },
};

const COMPILER = [
  "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--lib", "ES2022,DOM",
  "--types", "node", "--strict", "--noUncheckedIndexedAccess", "--noImplicitOverride", "--verbatimModuleSyntax",
  "--isolatedModules", "--erasableSyntaxOnly", "--skipLibCheck", "--allowImportingTsExtensions",
  "--rewriteRelativeImportExtensions", "--declaration", "--sourceMap", "false",
];

function fail(message) {
  console.error(`build-packages: ${message}`);
  process.exit(1);
}

/** Every file under `dir`. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The subpaths `@alphapulse/protocol` exports, from its package.json (`./crc32` → `crc32`). */
function protocolSubpaths() {
  const pkg = JSON.parse(readFileSync(join(root, "packages/protocol/package.json"), "utf8"));
  return new Set(Object.keys(pkg.exports).map((k) => (k === "." ? "mod" : k.slice(2))));
}

/** `.d.ts` files keep the sources' `.ts` specifiers (tsc rewrites only JavaScript): point them at `.js` too. */
function fixDeclarations(dist) {
  for (const file of walk(dist).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8");
    const out = text.replace(/(from\s*|import\s*\(\s*|import\s+)(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
    if (out !== text) writeFileSync(file, out);
  }
}

/**
 * Rewrites relative imports of `dist/<folder>/…` (a folder another package provides) to that package,
 * then deletes the folder's compiled copy.
 */
function externalize(name, dist, provided) {
  const exported = protocolSubpaths();
  for (const [folder, pkgName] of Object.entries(provided)) {
    const base = join(dist, folder);
    for (const file of walk(dist).filter((f) => /\.(js|d\.ts)$/.test(f) && !f.startsWith(base + sep))) {
      const text = readFileSync(file, "utf8");
      const out = text.replace(/(from\s*|import\s*\(\s*|import\s+)(["'])(\.{1,2}\/[^"']+)\2/g, (all, lead, q, spec) => {
        // A `.ts` specifier is documentation (a JSDoc example keeps the sources' form): compiled imports are `.js`.
        if (spec.endsWith(".ts") && !spec.endsWith(".d.ts")) return all;
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(base + sep)) return all;
        const sub = relative(base, target).replace(/\.(d\.ts|js)$/, "");
        if (!exported.has(sub)) fail(`${name}: ${relative(dist, file)} imports ${folder}/${sub}, which ${pkgName} does not export`);
        return `${lead}${q}${sub === "mod" ? pkgName : `${pkgName}/${sub}`}${q}`;
      });
      if (out !== text) writeFileSync(file, out);
    }
    rmSync(base, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
for (const name of wanted) if (!(name in PACKAGES)) fail(`unknown package ${name} (known: ${Object.keys(PACKAGES).join(", ")})`);
for (const name of wanted.length > 0 ? wanted : Object.keys(PACKAGES)) {
  const spec = PACKAGES[name];
  const dist = join(root, "packages", name, "dist");
  rmSync(dist, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [
    tsc, ...COMPILER, "--rootDir", join(root, spec.rootDir), "--outDir", dist, ...spec.entries.map((e) => join(root, e)),
  ], { stdio: "inherit", cwd: root });
  if (r.status !== 0) fail(`${name}: tsc failed (${r.status ?? r.signal})`);
  fixDeclarations(dist);
  externalize(name, dist, spec.provided);
  if (!existsSync(join(dist, spec.rootDir === "." ? spec.entries[0].replace(/\.ts$/, ".js") : "mod.js"))) fail(`${name}: no entry module in ${dist}`);
  console.log(`build-packages: ${name} → ${relative(root, dist)}`);
}
