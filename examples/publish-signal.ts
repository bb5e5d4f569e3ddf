/**
 * Publish a custom signal to the signal relay of a running AlphaPulse system and print what the relay
 * did with it.
 *
 *   npx tsx examples/publish-signal.ts [MOMENTUM_BPS]      # Node
 *   deno run -A examples/publish-signal.ts [MOMENTUM_BPS]  # Deno
 *
 * The TLV is named (`MomentumSignal`), its instrument too (symbol, venue name, asset type name); the
 * client fills the header (domain, source = its service id 90, next sequence, now). Exits 1 when the relay
 * refused it.
 */
import process from "node:process";
import { parseDecimal } from "../protocol/mod.ts";
import { connect } from "../relay/client/mod.ts";

const momentumBps = Number(process.argv[2] ?? 42);
const signals = await connect("signal");

const sequence = signals.publish({
  name: "MomentumSignal",
  instrument: { symbol: "BTC/USD", venue: "coinbase", assetType: "Spot" },
  direction: momentumBps >= 0 ? 1 : -1,
  windowSeconds: 60,
  momentumBps,
  referencePrice: parseDecimal("60000").value, // fixed point, 8 decimals
});
const report = await signals.report();
console.log(JSON.stringify({ sequence: String(sequence), ...report }));
await signals.close();
process.exitCode = report.accepted === report.published ? 0 : 1;
