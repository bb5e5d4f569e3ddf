/**
 * Helpers of the strategy-module tests: a small market (books, quotes, trades of BTC/USDT on Binance)
 * whose price sits near 100 and spikes every 40th step, so the example mean-reversion strategy
 * (examples/my-strategy.ts) fades each spike and the planner can price its orders; and `ap` run from the
 * sources as a process on either runtime.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { concat, encodeMessage, pairInstrument, Side, Venue, type Tlv } from "../../../protocol/mod.ts";

const BTC = pairInstrument("BTC", "USDT", Venue.Binance);
const P = (x: number): bigint => BigInt(Math.round(x * 1e8));
const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;

/** `steps` × (book, quote, trade) messages, 100 ms apart, as one recording (concatenated messages). */
export function spikyMarket(steps = 400): Uint8Array {
  const out: Uint8Array[] = [];
  let seq = 0n;
  const message = (at: bigint, tlvs: Tlv[]): Uint8Array => encodeMessage({ relayDomain: 1, source: 1, sequence: ++seq, timestamp: at }, tlvs);
  for (let i = 1; i <= steps; i++) {
    const px = i % 40 === 0 ? 101 : 100 + 0.01 * (i % 3);
    const t = T0 + BigInt(i) * 100n * MS;
    out.push(message(t, [{ type: 3, name: "OrderBook", instrument: BTC, bookTimestamp: t, exchangeSequence: BigInt(i), bids: [{ price: P(px - 0.05), size: P(2) }], asks: [{ price: P(px + 0.05), size: P(2) }] }]));
    out.push(message(t + 1n, [{ type: 2, name: "Quote", instrument: BTC, bidPrice: P(px - 0.05), bidSize: P(2), askPrice: P(px + 0.05), askSize: P(2), quoteTimestamp: t }]));
    out.push(message(t + 2n, [{ type: 1, name: "Trade", instrument: BTC, side: Side.Buy, flags: 0, price: P(px), size: P(1), execTimestamp: t + 2n }]));
  }
  return concat(out);
}

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DENO = join(ROOT, "tools/deno/node_modules/@deno/linux-x64-glibc/deno");
const NODE = (globalThis as { Deno?: unknown }).Deno === undefined ? process.execPath : "node";

/** Runs `ap <args>` from the sources on `runtime`; resolves with the exit code and output. */
export function ap(runtime: "node" | "deno", args: readonly string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, pre] = runtime === "deno" ? [DENO, ["run", "-A", "main.ts"]] : [NODE, ["--import", "tsx", "main.ts"]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALPHAPULSE_LOG_LEVEL: "error" } });
    let out = "";
    let err = "";
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error(`${runtime} ap ${args.join(" ")}: no exit within ${timeoutMs} ms`))), timeoutMs);
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => (clearTimeout(timer), reject(e)));
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout: out, stderr: err })));
  });
}
