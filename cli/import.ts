/**
 * `ap import <format> FILE… --out rec.bin`: turns historical data into a recording (PROTOCOL §5, the
 * bytes `ap record` writes and `ap replay`/`ap decode`/`ap backtest` read), one Protocol V2 message per
 * event. Formats: `tardis` (tardis.dev CSV: trades, quotes, book_snapshot_N, incremental_book_L2),
 * `cryptofeed` (cryptofeed's recorded sessions, through the venue adapter as `ap normalize` runs it),
 * `coinbase-matches` (Coinbase Exchange match JSON, through the Coinbase adapter) and `ethereum-etl`
 * (JSON-RPC / ethereum-etl log exports, through the EVM adapter's feed). Bad rows are reported with
 * file:line and make the exit status 1 unless `--skip-bad`.
 *
 * @example
 * ```sh
 * ap import tardis ../shared/data/tardis/*.csv --out tardis.bin
 * ap import ethereum-etl logs.jsonl --pool-cache pools.json --blocks blocks.jsonl --out dex.bin
 * ```
 * @module
 */

import process from "node:process";
import { coinbaseMatchEvents } from "../adapters/history/coinbase-matches.ts";
import { cryptofeedVenue, mergeCryptofeed } from "../adapters/history/cryptofeed.ts";
import { ImportError, ImportErrorKind } from "../adapters/history/errors.ts";
import { EvmLogImporter, readBlockTimes } from "../adapters/history/ethereum-etl.ts";
import { RecordingFile } from "../adapters/history/recording.ts";
import { ImportReport } from "../adapters/history/report.ts";
import { TardisImporter } from "../adapters/history/tardis.ts";
import { replayTagged, type TaggedEvent } from "../adapters/history/through-adapter.ts";
import { parseSymbolMap, parseVenueMap, SymbolResolver } from "../adapters/history/venues.ts";
import { evmChain } from "../adapters/evm/chains.ts";
import { PoolCache, PoolCacheError } from "../adapters/evm/pool-cache.ts";
import { SourceId } from "../protocol/mod.ts";
import { CommandError, type Command } from "./command.ts";
import { writeStderr } from "./io.ts";
import { parseCommandArgs, type Parsed } from "./relay-options.ts";
import { createAdapter, VENUE_OPTIONS, venueArg, venueOptions } from "./venue-args.ts";

const FORMATS = ["tardis", "cryptofeed", "coinbase-matches", "ethereum-etl"] as const;

const USAGE = `usage: ap import <format> FILE… --out FILE [options]

Turns historical market data into a recording (protocol messages back to back, as \`ap record\` writes;
read it with \`ap decode\`, \`ap replay\`). One message per event, decimals exact. A summary line per file
(rows, messages, bad) goes to stderr; every bad row is listed with FILE:LINE and the reason.

formats:
  tardis            tardis.dev CSV (format from the header): trades → Trade, quotes → Quote,
                    book_snapshot_N → OrderBook, incremental_book_L2 → OrderBook of the kept book after
                    each update. Venue from the exchange column (binance-futures 104, bitmex 105, …),
                    perpetual venues as assetType 2; header time = the venue's timestamp (µs → ns).
  cryptofeed        cryptofeed recorded sessions (BINANCE.0 BINANCE.http.0.0 BINANCE.ws.1.0 …), merged
                    by time and replayed through the venue adapter (as ap normalize does)
  coinbase-matches  Coinbase Exchange match messages (a JSON array or JSON lines), via the Coinbase adapter
  ethereum-etl      logs in JSON-RPC or ethereum-etl shape, one a line, via the EVM adapter's decoder

options:
  --out FILE          the recording to write (required)
  --skip-bad          exit 0 even when rows were bad (they are still reported)
  --quiet             only bad rows and errors on stderr
  tardis:
  --symbol-map S=B/Q  venue symbol → BASE/QUOTE where the guess is wrong or impossible (repeatable)
  --venue-map N=ID[:T] an exchange name without a PROTOCOL §6 id → venue id [and asset type] (repeatable)
  --source N          header source, 90–99 (default 90, the replay/recorder range)
  --book-depth N      levels a side published from incremental_book_L2 (default 25)
  cryptofeed, coinbase-matches:
  --venue NAME        adapter venue (default: from the file name, e.g. COINBASE.ws.28.0 → coinbase)
  --symbols A,B       venue symbols (default: every symbol in the data)
  --set NAME=VALUE    venue setting, repeatable (as ap normalize; coinbase-matches defaults backfill=0)
  ethereum-etl:
  --pool-cache FILE   pool metadata (PROTOCOL §8) — logs of pools not in it are bad rows
  --chain NAME        ethereum (default) or polygon
  --blocks FILE       block times: JSON lines with number and timestamp (ethereum-etl export_blocks)
  -h, --help          show this help

exit status: 0 done; 1 bad rows (without --skip-bad), unreadable input or unwritable output; 2 usage error.`;

/** The `ap import` command. */
export const importCommand: Command = {
  name: "import",
  summary: "import historical data (tardis CSV, cryptofeed, Coinbase matches, ethereum-etl) into a recording",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, {
      ...VENUE_OPTIONS, out: { type: "string" }, "skip-bad": { type: "boolean" }, quiet: { type: "boolean" },
      "symbol-map": { type: "string", multiple: true }, "venue-map": { type: "string", multiple: true },
      source: { type: "string" }, "book-depth": { type: "string" }, venue: { type: "string" },
      chain: { type: "string" }, blocks: { type: "string" },
    });
    const format = positionals[0];
    if (format === undefined || !(FORMATS as readonly string[]).includes(format)) {
      throw new CommandError(`expected a format: one of ${FORMATS.join(", ")}${format ? ` (got ${JSON.stringify(format)})` : ""}`, 2);
    }
    const files = positionals.slice(1);
    if (files.length === 0) throw new CommandError("expected at least one input FILE", 2);
    if (typeof values.out !== "string") throw new CommandError("--out FILE is required", 2);
    const report = new ImportReport();
    const started = performance.now();
    let out: RecordingFile | undefined;
    try {
      out = RecordingFile.create(values.out);
      await runFormat(format as (typeof FORMATS)[number], files, values, out, report);
    } catch (e) {
      if (e instanceof ImportError) throw new CommandError(e.message, e.kind === ImportErrorKind.BadOption ? 2 : 1);
      if (e instanceof PoolCacheError) throw new CommandError(e.message, 1);
      if (e instanceof RangeError) throw new CommandError(e.message, 2);
      throw e;
    } finally {
      try {
        out?.close();
      } catch (e) {
        if (!(e instanceof ImportError)) throw e;
        writeStderr(`import: ${e.message}`);
        process.exitCode = 1;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    for (const line of report.badLines(50)) writeStderr(`import: bad row ${line}`);
    if (!values.quiet) {
      for (const line of report.summaryLines()) writeStderr(`import: ${line}`);
      for (const note of report.notes) writeStderr(`import: note: ${note}`);
      writeStderr(
        `import: ${report.rows} rows → ${report.messages} messages (${out.bytes} bytes) in ${values.out}, ${report.badCount} bad; ` +
        `${seconds.toFixed(3)} s, ${Math.round(report.rows / Math.max(seconds, 1e-9))} rows/s`,
      );
    }
    if (report.badCount > 0 && values["skip-bad"] !== true) {
      writeStderr(`import: ${report.badCount} bad rows (listed above); --skip-bad accepts the recording as written`);
      return 1;
    }
    return 0;
  },
};

function intOption(values: Parsed["values"], name: string, min: number, max: number, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new CommandError(`--${name} must be an integer in ${min}…${max}, got ${JSON.stringify(v)}`, 2);
  return n;
}

async function runFormat(
  format: (typeof FORMATS)[number], files: readonly string[], values: Parsed["values"], out: RecordingFile, report: ImportReport,
): Promise<void> {
  const list = (k: string): string[] => (values[k] as string[] | undefined) ?? [];
  if (format === "tardis") {
    const tardis = new TardisImporter(out, {
      source: intOption(values, "source", SourceId.ReplayFirst, SourceId.ReplayFirst + 9, SourceId.ReplayFirst),
      symbols: new SymbolResolver(parseSymbolMap(list("symbol-map"))),
      venueMap: parseVenueMap(list("venue-map")),
      bookDepth: intOption(values, "book-depth", 1, 2000, 25),
    });
    for (const f of files) await tardis.importFile(f, report.file(f));
    if (tardis.inexact > 0) report.notes.push(`${tardis.inexact} values had more than 8 decimals and were rounded half-to-even (Trade flag bit0 set)`);
    return;
  }
  if (format === "ethereum-etl") {
    const chain = evmChain(typeof values.chain === "string" ? values.chain : "ethereum");
    if (chain === undefined) throw new CommandError(`--chain must be ethereum or polygon, got ${JSON.stringify(values.chain)}`, 2);
    if (typeof values["pool-cache"] !== "string") throw new CommandError("ethereum-etl needs --pool-cache FILE (pool metadata, PROTOCOL §8)", 2);
    const cache = await PoolCache.load(values["pool-cache"]);
    const blockTimes = typeof values.blocks === "string" ? await readBlockTimes(values.blocks, report.file(values.blocks)) : undefined;
    const imp = new EvmLogImporter(out, { chain, cache, ...(blockTimes ? { blockTimes } : {}) });
    for (const f of files) await imp.importFile(f, report.file(f));
    if (imp.ignored > 0) report.notes.push(`${imp.ignored} logs of other events (not pool Swap/Sync/Mint/Burn) ignored`);
    if (imp.duplicates > 0) report.notes.push(`${imp.duplicates} logs repeated an earlier one (same block, index, hash) and were dropped`);
    if (imp.withoutTime > 0) report.notes.push(`${imp.withoutTime} messages have no block time (header timestamp 0): give --blocks FILE`);
    return;
  }
  const venueName = typeof values.venue === "string" ? values.venue : format === "coinbase-matches" ? "coinbase" : cryptofeedVenue(files[0]!);
  if (venueName === undefined) throw new CommandError(`cannot tell the venue of ${files[0]} from its name: give --venue binance|coinbase|kraken`, 2);
  if (format === "cryptofeed" && values.venue === undefined) {
    const other = files.find((f) => cryptofeedVenue(f) !== venueName);
    if (other !== undefined) throw new CommandError(`${other} is not a ${venueName} session: import one venue at a time (or give --venue)`, 2);
  }
  const venue = await venueArg(venueName);
  const opts = venueOptions(venue, values);
  const settings = format === "coinbase-matches" ? { backfill: "0", ...opts.settings } : opts.settings;
  const adapter = await createAdapter(venue, { ...opts, settings, sink: out, anySymbol: opts.symbols === undefined });
  const events: AsyncIterable<TaggedEvent> = format === "cryptofeed" ? mergeCryptofeed(files, report) : coinbaseMatchEvents(files, report);
  for (const f of files) report.file(f);
  const m = adapter.metrics;
  await replayTagged(adapter, events, report, out, { errors: () => m.parseErrors, lastError: () => m.lastError }, (line) => report.notes.push(line));
  const s = m.snapshot();
  report.notes.push(
    `${venue.name} adapter: ${s.frames} frames, unknown frames ${s.unknownFrames}, unknown instruments ${s.unknownInstruments}, ` +
    `gaps ${s.gaps}, resyncs ${s.resyncs}, checksum mismatches ${s.checksumMismatches}, inexact ${s.inexact}`,
  );
}
