#!/usr/bin/env node
/**
 * Runs test files while busy loops occupy every core, to prove no test depends on the machine being idle.
 * Starts one busy-looping Node process per core (`--busy N` to choose), runs vitest on the given files
 * (default: the relay and end-to-end suites) on Node, or inside Deno with `--deno`, then stops the loops.
 * Exits with vitest's status; the last line is vitest's own summary plus the load average seen.
 *
 * Usage: node scripts/test-loaded.mjs [--deno] [--busy N] [files or folders…] [-- vitest options…]
 *        npm run test:loaded -- tests/relay
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import process from "node:process";

const all = process.argv.slice(2);
const split = all.indexOf("--");
const args = split >= 0 ? all.slice(0, split) : all;
const vitestOptions = split >= 0 ? all.slice(split + 1) : [];
const deno = args.includes("--deno");
const busyAt = args.indexOf("--busy");
const busy = busyAt >= 0 ? Number(args[busyAt + 1]) : availableParallelism();
if (!Number.isInteger(busy) || busy < 0) {
  console.error("test-loaded: --busy takes a whole number of busy processes");
  process.exit(2);
}
const files = args.filter((a, i) => a !== "--deno" && a !== "--busy" && !(busyAt >= 0 && i === busyAt + 1));
const targets = files.length > 0 ? files : ["tests/relay", "tests/e2e"];

const loops = Array.from({ length: busy }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
const stopLoops = () => {
  for (const l of loops) l.kill("SIGKILL");
};
process.on("exit", stopLoops);
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(130));

let command = "npx";
let commandArgs = ["vitest", "run", ...targets, ...vitestOptions];
if (deno) {
  const installed = spawnSync(process.execPath, ["scripts/install-deno.mjs"], { encoding: "utf8" });
  if (installed.status !== 0) {
    console.error(`test-loaded: could not install Deno: ${installed.stderr}`);
    process.exit(1);
  }
  command = installed.stdout.trim();
  commandArgs = ["run", "-A", "node_modules/vitest/vitest.mjs", "run", ...targets, ...vitestOptions];
}
console.log(`test-loaded: ${busy} busy loop(s) beside ${deno ? "Deno" : "Node"} vitest on ${targets.join(" ")}`);
const peak = { load: 0 };
const sampler = setInterval(() => (peak.load = Math.max(peak.load, loadavg()[0])), 1000);
const run = spawn(command, commandArgs, { stdio: "inherit" });
run.on("exit", (code, signal) => {
  clearInterval(sampler);
  stopLoops();
  console.log(`test-loaded: vitest exit ${code ?? signal}; peak 1-minute load average ${peak.load.toFixed(1)} on ${availableParallelism()} cores`);
  process.exit(code ?? 1);
});
