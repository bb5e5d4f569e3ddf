#!/usr/bin/env -S deno run -A
/**
 * Regenerates the project's own EVM fixtures (SIMULATED data, no real chain): for Polygon and Ethereum,
 * a capture of a scripted live session of the real adapter against the simulated node
 * (`<chain>.sim.capture.jsonl`, PROTOCOL.md §8) and the pool cache that session wrote
 * (`<chain>.sim.pool-cache.json`).
 *
 * Usage: `npx tsx adapters/evm/sim/capture-fixture.ts [outDir]` (default `fixtures/evm`), or with Deno.
 *
 * @module
 */

import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { openTextOut } from "../../common/capture.ts";
import { CollectingSink } from "../../common/sink.ts";
import { PoolCache } from "../pool-cache.ts";
import { recordSimSession } from "./session.ts";
import { installRuntimePlatform } from "../../../app/platform/select.ts";

installRuntimePlatform(); // a process entry: the runtime is chosen here, once

const outDir = process.argv[2] ?? "fixtures/evm";
await mkdir(outDir, { recursive: true });
for (const [chain, seed, blocksPerPhase] of [["polygon", 6, 2], ["ethereum", 7, 2]] as const) {
  const cacheFile = join(outDir, `${chain}.sim.pool-cache.json`);
  await rm(cacheFile, { force: true });
  const poolCache = await PoolCache.load(cacheFile, { writeDelayMs: 10 });
  const sink = new CollectingSink();
  const captureFile = join(outDir, `${chain}.sim.capture.jsonl`);
  const summary = await recordSimSession({ chain, seed, blocksPerPhase, out: await openTextOut(captureFile), poolCache, sink });
  process.stdout.write(`${captureFile}: ${JSON.stringify({ ...summary, messages: sink.messages.length })}\n`);
}
