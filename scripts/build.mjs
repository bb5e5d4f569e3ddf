// `npm run build [-- OUTDIR]`: compiles the sources to plain JavaScript (tsconfig.build.json; default
// outDir dist/) and copies the files the compiled code reads beside itself — the dashboard's
// hand-written client (api/dashboard/client/, found next to api/dashboard/assets.js). OUTDIR must lie
// inside the project so the compiled modules find node_modules. Paths the config names (config/,
// fixtures/) are read from the working directory, as with the sources: run `node dist/main.js` from
// the project root.
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const outDir = resolve(process.argv[2] ?? join(root, "dist"));
if (!outDir.startsWith(root + "/")) {
  console.error(`build: ${outDir} is outside ${root}; the compiled modules would not find node_modules`);
  process.exit(2);
}
rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", outDir], { stdio: "inherit" });
if (r.status !== 0) {
  console.error(`build: tsc failed (${r.status ?? r.signal})`);
  process.exit(1);
}
cpSync(join(root, "api/dashboard/client"), join(outDir, "api/dashboard/client"), { recursive: true });
console.log(`build: ${outDir}`);
