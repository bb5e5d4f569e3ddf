#!/usr/bin/env node
/**
 * The layering check (issue 16): reads every product source file, builds the import graph from its static and
 * dynamic relative imports, and reports each import that goes against the layer order of the house
 * (docs: README "Architecture"), npm packages imported where none may be, `Deno` sniffing or `Deno` API use
 * below an entry point, and import cycles.
 *
 * Run alone: `node scripts/layering.mjs [root]` prints one line per offence (`file:line rule: message`) and
 * exits 1 when there is any. `tests/architecture/layering.test.ts` drives {@link checkSources} with synthetic
 * trees (each rule must catch its violation) and with the real tree (no offence allowed).
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Layer of each top-level product folder, lowest first; a folder may import only from lower layers. */
export const LAYERS = Object.freeze({
  protocol: 0,
  core: 1,
  relay: 2,
  adapters: 3,
  trading: 3,
  bridge: 3,
  runtime: 4,
  api: 5,
  app: 6,
  cli: 7,
});

/** Layer of the root entry files (`main.ts`, `mod.ts`): they may import the whole product. */
const ENTRY_LAYER = 8;

/** Folders outside the product: they may import anything in it, and nothing in the product may import them. */
export const TOOLING = Object.freeze(["bench", "tests", "fixtures", "scripts"]);

/**
 * What each part of relay/ may import from relay/ (besides itself, core and protocol). `transport` here is
 * the Transport interface (relay/transport/types.ts) that client, server and socket-path code all speak;
 * the per-runtime implementations are reached only through the installed platform (checked by
 * tests/architecture/platform.test.ts).
 */
export const RELAY_PARTS = Object.freeze({
  wire: ["transport"],
  client: ["wire", "transport"],
  server: ["wire", "transport"],
  transport: ["wire"],
});

/** Folders (path prefixes) whose files may import no npm package (node: built-ins are fine). */
export const NO_NPM = Object.freeze(["protocol/", "core/", "relay/client/", "relay/wire/"]);

/** Folders where a file named `deno.ts` may use the `Deno` global: the one implementation per runtime. */
export const DENO_IMPLEMENTATION_DIRS = Object.freeze(["relay/transport/", "runtime/process/", "api/serve/", "app/platform/"]);

/** Rule names, as printed. */
export const RULE = Object.freeze({
  layer: "layer",
  sideways: "sideways",
  relayPart: "relay-part",
  tooling: "tooling",
  npm: "npm",
  denoSniff: "deno-sniff",
  denoGlobal: "deno-global",
  cycle: "cycle",
  unresolved: "unresolved",
});

const SOURCE_EXT = /\.(?:ts|mts|mjs|js)$/;
/** Root folders that hold no product or tooling source. */
const SKIP_ROOT_DIRS = new Set(["node_modules", "tools", "dist", "docs", "config", "packages"]); // packages/: built npm packages
/** Browser code served to the dashboard: its imports are URLs, not files of the tree. */
const BROWSER_DIR = "api/dashboard/client/";

/**
 * Blank out comments (and, when `strings` is set, the contents of string and template literals) keeping every
 * newline, so line numbers and offsets stay those of the source.
 */
export function blank(text, strings) {
  let out = "";
  let i = 0;
  const n = text.length;
  const keepNl = (s) => s.replace(/[^\n]/g, " ");
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === "/" && d === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      out += keepNl(text.slice(i, stop));
      i = stop;
    } else if (c === "/" && d === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      out += keepNl(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < n && text[j] !== c) {
        if (text[j] === "\\") j++;
        else if (c !== "`" && text[j] === "\n") break;
        j++;
      }
      const body = text.slice(i + 1, j);
      out += c + (strings ? keepNl(body) : body) + (j < n ? text[j] : "");
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const lineOf = (text, index) => {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
};

const IMPORT_PATTERNS = [
  /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
  /(?:^|[\n;])\s*import\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*[,)]/g,
];

/** Every import specifier in a source text, with its 1-based line (comments are ignored). */
export function importsOf(text) {
  // Match on the text with comments and string contents blanked (so code inside a template literal is not
  // read), then take the specifier from the source at the same offset.
  const code = blank(text, true);
  const found = [];
  const seen = new Set();
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of code.matchAll(pattern)) {
      const at = m.index + m[0].lastIndexOf(m[1] + m[2]);
      if (seen.has(at)) continue;
      seen.add(at);
      found.push({ specifier: text.slice(at + 1, at + 1 + m[2].length), line: lineOf(code, at) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Where a product path belongs: its top folder, layer, and relay part when under relay/. */
export function placeOf(path) {
  const parts = path.split("/");
  if (parts.length === 1) return { top: "", layer: ENTRY_LAYER, entry: true };
  const top = parts[0];
  if (TOOLING.includes(top)) return { top, layer: Infinity, tooling: true };
  const layer = LAYERS[top];
  return { top, layer: layer ?? ENTRY_LAYER, relayPart: top === "relay" ? parts[1] : undefined };
}

/** True for files where choosing the runtime (sniffing `Deno`) is allowed: entries, platform, bench and tests. */
export function isEntry(path) {
  const name = path.split("/").pop();
  if (name === "main.ts" || name === "mod.ts") return true;
  if (path.startsWith("app/platform/")) return true;
  const top = path.split("/")[0];
  return TOOLING.includes(top) || !path.includes("/");
}

const SNIFF = [
  /\btypeof\s+Deno\b/,
  /\bglobalThis\s*(?:\.\s*Deno\b|\[\s*["']Deno["']\s*\])/,
  /["']Deno["']\s+in\b/,
  /\.\s*Deno\b/,
];

function resolveSpecifier(from, specifier, sources) {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (sources.has(base)) return base;
  for (const alt of [base.replace(/\.js$/, ".ts"), `${base}.ts`, `${base}/mod.ts`, `${base}/index.ts`]) {
    if (sources.has(alt)) return alt;
  }
  return /\.(?:ts|mts|mjs|js)$/.test(base) || !/\.[a-z]+$/.test(base) ? undefined : base;
}

function layerOffence(from, to) {
  const a = placeOf(from);
  const b = placeOf(to);
  if (b.tooling && !a.tooling) return { rule: RULE.tooling, message: `${to} is tooling (${b.top}/); the product never imports it` };
  if (a.tooling) return undefined;
  if (b.entry && !a.entry) return { rule: RULE.layer, message: `${to} is an entry file; nothing below imports it` };
  if (a.top === b.top) {
    if (a.top === "relay" && a.relayPart !== b.relayPart && a.relayPart in RELAY_PARTS) {
      const allowed = RELAY_PARTS[a.relayPart];
      if (!allowed.includes(b.relayPart)) {
        return { rule: RULE.relayPart, message: `relay/${a.relayPart} may import only ${["core", "protocol", ...allowed.map((p) => `relay/${p}`)].join(", ")}, not relay/${b.relayPart}` };
      }
    }
    return undefined;
  }
  if (b.layer > a.layer) return { rule: RULE.layer, message: `${a.top}/ (layer ${a.layer}) imports ${b.top}/ (layer ${b.layer}), a higher layer` };
  if (b.layer === a.layer) return { rule: RULE.sideways, message: `${a.top}/ imports ${b.top}/ sideways (both layer ${a.layer})` };
  return undefined;
}

function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let counter = 0;
  const connect = (root) => {
    const work = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const next = [...(graph.get(v) ?? [])];
      if (i < next.length) {
        frame[1]++;
        const w = next[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const component = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (graph.get(v) ?? new Set()).has(v)) components.push(component.sort());
      }
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components;
}

/**
 * Check a tree given as a map of repository-relative POSIX paths to source text. Returns every offence,
 * sorted by file and line: `{ file, line, rule, message }`.
 */
export function checkSources(sources) {
  const offences = [];
  const graph = new Map();
  for (const [file, text] of sources) {
    const place = placeOf(file);
    const edges = new Set();
    graph.set(file, edges);
    for (const { specifier, line } of importsOf(text)) {
      if (specifier.startsWith(".")) {
        const target = resolveSpecifier(file, specifier, sources);
        if (target === undefined) {
          if (file.startsWith(BROWSER_DIR)) continue;
          offences.push({ file, line, rule: RULE.unresolved, message: `cannot resolve ${specifier}` });
          continue;
        }
        if (sources.has(target)) edges.add(target);
        const offence = layerOffence(file, target);
        if (offence) offences.push({ file, line, ...offence, message: `${offence.message} (${specifier})` });
      } else if (!specifier.startsWith("node:") && !place.tooling) {
        if (NO_NPM.some((prefix) => file.startsWith(prefix))) {
          offences.push({ file, line, rule: RULE.npm, message: `npm package "${specifier}" imported from ${NO_NPM.find((p) => file.startsWith(p))}` });
        }
      }
    }
    const isImplementation = file.endsWith("/deno.ts") && DENO_IMPLEMENTATION_DIRS.some((d) => file.startsWith(d));
    if (!isEntry(file) && !isImplementation) {
      const code = blank(text, false);
      const lines = code.split("\n");
      lines.forEach((content, i) => {
        if (SNIFF.some((re) => re.test(content))) {
          offences.push({ file, line: i + 1, rule: RULE.denoSniff, message: "sniffs Deno below an entry point; take the platform chosen at the entry" });
        }
      });
      blank(text, true).split("\n").forEach((content, i) => {
        if (/(?<![.\w$])Deno\s*[.[]/.test(content) && !SNIFF.some((re) => re.test(lines[i]))) {
          offences.push({ file, line: i + 1, rule: RULE.denoGlobal, message: "uses the Deno global outside a deno.ts implementation file" });
        }
      });
    }
  }
  const product = new Map([...graph].filter(([file]) => !placeOf(file).tooling));
  for (const component of findCycles(product)) {
    const first = component[0];
    const line = importsOf(sources.get(first)).find(({ specifier }) =>
      specifier.startsWith(".") && component.includes(resolveSpecifier(first, specifier, sources)))?.line ?? 1;
    offences.push({ file: first, line, rule: RULE.cycle, message: `import cycle: ${component.join(" -> ")}` });
  }
  return offences.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** Read every source file of the repository at `root` (skipping node_modules, tools, dist and data folders). */
export function readTree(root) {
  const sources = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".") || name === "node_modules" || (dir === root && SKIP_ROOT_DIRS.has(name))) continue;
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (SOURCE_EXT.test(name) && !name.endsWith(".d.ts")) {
        sources.set(relative(root, full).split(sep).join("/"), readFileSync(full, "utf8"));
      }
    }
  };
  walk(root);
  return sources;
}

/** Format one offence as `file:line rule: message`. */
export const format = (o) => `${o.file}:${o.line} ${o.rule}: ${o.message}`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), "..", ".."));
  const offences = checkSources(readTree(root));
  for (const o of offences) console.log(format(o));
  console.log(offences.length === 0 ? "layering: clean" : `layering: ${offences.length} offence(s)`);
  process.exitCode = offences.length === 0 ? 0 : 1;
}
