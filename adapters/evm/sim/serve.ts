#!/usr/bin/env -S deno run -A
/**
 * Runs the SIMULATED Ethereum/Polygon JSON-RPC node on 127.0.0.1 until SIGINT/SIGTERM, mining blocks on
 * a timer (with an occasional 1-block reorg), for demos and manual runs of the EVM adapter:
 *
 *   npx tsx adapters/evm/sim/serve.ts [--chain polygon|ethereum] [--port N] [--seed N] [--block-ms MS] [--reorg-every N]
 *   ap adapter polygon --ws-url ws://127.0.0.1:N/ --rest-url http://127.0.0.1:N/ --set simulated=1
 *
 * Prints one JSON line with the URLs once listening. Everything it serves is simulated.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { SimNode } from "./node.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    chain: { type: "string", default: "polygon" },
    port: { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
    "block-ms": { type: "string" },
    "reorg-every": { type: "string", default: "50" },
  },
});
const chain = values.chain;
if (chain !== "polygon" && chain !== "ethereum") {
  process.stderr.write(`serve: --chain must be polygon or ethereum, got ${JSON.stringify(chain)}\n`);
  process.exit(2);
}
const num = (name: string, v: string | undefined, fallback: number): number => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`serve: --${name} must be a non-negative integer, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
};
const node = await SimNode.start({
  chain: { chain, seed: num("seed", values.seed, 1) },
  port: num("port", values.port, 0),
  autoMineMs: num("block-ms", values["block-ms"], chain === "polygon" ? 2000 : 12000),
  autoReorgEvery: num("reorg-every", values["reorg-every"], 50),
});
process.stdout.write(JSON.stringify({ simulated: true, chain, chainId: node.chain.chainId, wsUrl: node.wsUrl, httpUrl: node.httpUrl }) + "\n");
const stop = (): void => {
  void node.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
