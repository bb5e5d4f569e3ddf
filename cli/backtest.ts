/**
 * `ap backtest --config F --data PATH… [--from T --to T] [--report DIR]`: runs strategies → planner →
 * risk → paper venues → portfolio over recorded history in one process with simulated time
 * (runtime/backtest/), prints a summary, and with `--report` writes `report.json` and `report.html`.
 *
 * @example
 * ```sh
 * ap import tardis ../shared/data/tardis/*quotes*.csv ../shared/data/tardis/*trades*.csv --out tq.bin
 * ap backtest --config config/backtest/tardis-btcusdt.yaml --data tq.bin --report out/
 * ```
 * @module
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { StrategyConfigError } from "../trading/config.ts";
import { StrategyModuleError } from "../trading/strategies/plugin-loader.ts";
import { ConfigError } from "../runtime/config/load.ts";
import { loadBacktestConfig } from "../runtime/backtest/config.ts";
import { BacktestEngine } from "../runtime/backtest/engine.ts";
import { reportHtml } from "../runtime/backtest/html.ts";
import { ProgressBar } from "../runtime/backtest/progress.ts";
import { buildReport, reportJson } from "../runtime/backtest/report.ts";
import { loadSource, SourceError } from "../runtime/backtest/sources.ts";
import { summaryText } from "../runtime/backtest/summary.ts";
import { CommandError, type Command } from "./command.ts";
import { parseCommandArgs } from "./relay-options.ts";

const USAGE = `usage: ap backtest --config FILE --data PATH [--data PATH…] [--from T] [--to T] [--report DIR]

Runs the configured strategies, the execution planner, risk, the paper venue and the portfolio over
recorded history in one process, with simulated time taken from the messages' header stamps (no
sockets, no wall clock), and prints a summary: orders, fills, trades, win rate, and per quote currency
realized/unrealized P&L, fees, slippage, maximum drawdown, Sharpe/Sortino and exposure.

options:
  --config FILE   backtest config (YAML: strategies, execution {planner, risk, paper, portfolio},
                  backtest {equityIntervalMs, capital}); an application config's strategy and
                  execution services are also accepted. See docs/BACKTEST.md.
  --data PATH     a recording (ap record / ap import) or a capture (PROTOCOL §8; VENUE:FILE when the
                  file name does not name the venue); repeat to merge several files by timestamp
  --from T        only messages at or after T (ISO 8601 time, or ns since the epoch)
  --to T          only messages before T
  --report DIR    write DIR/report.json (every fill, the equity curve, per-strategy figures) and
                  DIR/report.html (charts and the fills table; opens from disk, no network)
  -h, --help      show this help

A progress bar is drawn on stderr when it is a terminal and the run takes over a second.
exit status: 0 done; 1 bad config or data; 2 usage error.`;

/** A time argument: ns since the epoch, or an ISO 8601 time. */
export function parseTimeArg(name: string, text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(text);
  const ms = Date.parse(m === null ? text : `${m[1]}${m[3] ?? "Z"}`);
  if (!Number.isFinite(ms)) throw new CommandError(`--${name} wants an ISO 8601 time or ns since the epoch, got ${JSON.stringify(text)}`, 2);
  const frac = m?.[2] === undefined ? 0n : BigInt(m[2].padEnd(9, "0"));
  return BigInt(ms) * 1_000_000n + frac;
}

/** The `ap backtest` command. */
export const backtestCommand: Command = {
  name: "backtest",
  summary: "run strategies, planner, risk, paper venue and portfolio over recorded history; P&L report",
  usage: USAGE,
  run: async ({ args }) => {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: "string" }, data: { type: "string", multiple: true }, from: { type: "string" }, to: { type: "string" }, report: { type: "string" },
    });
    if (positionals.length > 0) throw new CommandError(`unexpected argument ${JSON.stringify(positionals[0])} (data files go after --data)`, 2);
    if (typeof values.config !== "string") throw new CommandError("--config FILE is required", 2);
    const data = (values.data ?? []) as string[];
    if (data.length === 0) throw new CommandError("at least one --data PATH is required", 2);
    const fromNs = typeof values.from === "string" ? parseTimeArg("from", values.from) : undefined;
    const toNs = typeof values.to === "string" ? parseTimeArg("to", values.to) : undefined;
    try {
      const config = await loadBacktestConfig(values.config);
      const sources = [];
      for (const d of data) sources.push(await loadSource(d));
      const engine = await BacktestEngine.create(config);
      const bar = new ProgressBar(process.stderr);
      const started = performance.now();
      const result = engine.run(sources, { fromNs, toNs, onProgress: (done, total) => bar.update(done, total) });
      bar.done();
      const wall = (performance.now() - started) / 1000;
      const report = buildReport(result);
      const summary = summaryText(report);
      process.stdout.write(summaryText(report, wall));
      if (typeof values.report === "string") {
        await mkdir(values.report, { recursive: true });
        await writeFile(join(values.report, "report.json"), reportJson(report));
        await writeFile(join(values.report, "report.html"), await reportHtml(report, summary));
        process.stdout.write(`  report      ${join(values.report, "report.json")}, ${join(values.report, "report.html")}\n`);
      }
      return 0;
    } catch (e) {
      if (e instanceof ConfigError || e instanceof StrategyConfigError || e instanceof StrategyModuleError || e instanceof SourceError) throw new CommandError(e.message, 1);
      throw e;
    }
  },
};
