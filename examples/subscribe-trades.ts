/**
 * Subscribe to the trades of a running AlphaPulse system and print them, one line each.
 *
 *   npx tsx examples/subscribe-trades.ts [COUNT]      # Node (or, installed: import from "@alphapulse/client")
 *   deno run -A examples/subscribe-trades.ts [COUNT]  # Deno
 *
 * The system is found the way `ap start` placed it: `ALPHAPULSE_RUNTIME_DIR`, else the per-user default
 * directory (pass `{ runtimeDir }` or `{ url }` to `connect` to choose). Stops after COUNT trades (default:
 * runs until interrupted).
 */
import process from "node:process";
import { formatDecimal, formatInstrument } from "../protocol/mod.ts";
import { connect } from "../relay/client/mod.ts";

const count = Number(process.argv[2] ?? Infinity);
const marketData = await connect("market-data");
const SIDES = ["?", "buy", "sell"];

let seen = 0;
for await (const msg of marketData.subscribe({ types: ["Trade"] })) {
  const trade = msg.tlv(); // a TradeTlv: exact bigint price and size
  console.log(
    `${formatInstrument(trade.instrument)} ${SIDES[trade.side] ?? trade.side} ${formatDecimal(trade.size)} @ ${formatDecimal(trade.price)}` +
      ` (source ${msg.source} #${msg.sequence})`,
  );
  if (++seen >= count) break;
}
await marketData.close();
