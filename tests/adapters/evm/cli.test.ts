/**
 * `ap normalize polygon|ethereum` as a user runs it: a spawned CLI (Deno under Deno) over the committed
 * SIMULATED fixtures, no network — JSON lines and binary output identical to the in-process replay,
 * stdin input, and typed usage errors.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeMessage, messageToJson, StreamFramer } from "../../../protocol/mod.ts";
import { parseCaptureText } from "../../../adapters/common/capture.ts";
import { CollectingSink } from "../../../adapters/common/sink.ts";
import { normalizeEvmCapture } from "../../../adapters/evm/normalize.ts";
import { runAp } from "./helpers.ts";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/evm/", import.meta.url));

async function inProcess(chain: "polygon" | "ethereum"): Promise<Uint8Array[]> {
  const events = parseCaptureText(await readFile(`${FIXTURES}${chain}.sim.capture.jsonl`, "utf8"));
  const sink = new CollectingSink();
  await normalizeEvmCapture(events, { chain, poolCache: `${FIXTURES}${chain}.sim.pool-cache.json`, sink });
  return sink.messages;
}

describe("ap normalize polygon|ethereum", () => {
  it("--json writes one PROTOCOL §7 line per message, equal to the in-process replay; summary on stderr", async () => {
    const run = await runAp(["normalize", "polygon", `${FIXTURES}polygon.sim.capture.jsonl`, "--pool-cache", `${FIXTURES}polygon.sim.pool-cache.json`, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = new TextDecoder().decode(run.stdout).trim().split("\n");
    const expected = (await inProcess("polygon")).map((m) => JSON.stringify(messageToJson(decodeMessage(m))));
    expect(lines).toEqual(expected);
    expect(run.stderr).toMatch(new RegExp(`→ ${expected.length} messages; parse errors 1, .*unknown instruments 0`));
  });

  it("binary output is the exact bytes of the in-process replay, back to back; stdin works", async () => {
    const capture = await readFile(`${FIXTURES}ethereum.sim.capture.jsonl`, "utf8");
    const run = await runAp(["normalize", "ethereum", "-", "--pool-cache", `${FIXTURES}ethereum.sim.pool-cache.json`, "--quiet"], capture);
    expect(run.code, run.stderr).toBe(0);
    const expected = await inProcess("ethereum");
    const got: Uint8Array[] = [];
    new StreamFramer().push(run.stdout, (bytes, off, len) => got.push(bytes.slice(off, off + len)));
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
    expect(run.stderr).toBe("");
  });

  it("usage errors exit 2 with the reason; an unreadable capture exits 1", async () => {
    const bad = await runAp(["normalize", "polygon", `${FIXTURES}polygon.sim.capture.jsonl`, "--set", "priorityFeeWei=lots"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/priorityFeeWei=lots must be an integer/);
    const missing = await runAp(["normalize", "ethereum", `${FIXTURES}no-such-file.jsonl`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read/);
    const badCache = await runAp(["normalize", "polygon", `${FIXTURES}polygon.sim.capture.jsonl`, "--pool-cache", `${FIXTURES}README.md`]);
    expect(badCache.code).toBe(2);
    expect(badCache.stderr).toMatch(/^ap normalize: pool cache .*README\.md: not valid JSON/);
  });
});
