/**
 * The pieces under the state directory and the console, on real files: which state directory a config
 * gets (explicit, next to an explicit runtime directory, or per config under `$XDG_STATE_HOME`), the
 * size-rotated log file (keeps N files, never writes through a symlink), the old `AP_*` variable names
 * (still read, warned once), the child-output splitter of `ap start`, and the status line's P&L per
 * quote currency.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StartLogs } from "../../cli/start-logs.ts";
import { formatE8, pnlByQuote, statusLine } from "../../cli/start-console.ts";
import { configureLogging, createLogger, logLevelFromEnv } from "../../core/log.ts";
import { envSetting } from "../../runtime/config/env-vars.ts";
import { RotatingLogFile } from "../../runtime/launch/log-file.ts";
import { configPaths, defaultStateDir, resolveStateDir, runtimePaths } from "../../runtime/paths.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-state-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the state directory of a config", () => {
  it("an explicit stateDir wins; an explicit runtimeDir alone keeps everything there; else XDG_STATE_HOME, else ~/.local/state, per name", () => {
    expect(resolveStateDir({ runtimeDir: "/r", stateDir: "/s", name: "x" })).toBe("/s");
    expect(resolveStateDir({ runtimeDir: "/r", stateDir: "", name: "x" })).toBe("/r");
    expect(resolveStateDir({ runtimeDir: "", stateDir: "", name: "x" }, { XDG_STATE_HOME: "/xs", HOME: "/h" })).toBe("/xs/alphapulse/x");
    expect(resolveStateDir({ runtimeDir: "", name: "x" }, { HOME: "/h" })).toBe("/h/.local/state/alphapulse/x");
    expect(defaultStateDir("", { XDG_STATE_HOME: "relative", HOME: "/h" })).toBe("/h/.local/state/alphapulse/default"); // XDG: relative paths are ignored
  });

  it("paths: sockets in the runtime directory, state/, journal/ and logs/ in the state directory", () => {
    const p = configPaths({ runtimeDir: "/run/x", stateDir: "/var/x", name: "" });
    expect([p.dir, p.stateDir, p.relaySocket(1), p.controlSocket("api")]).toEqual(["/run/x", "/var/x", "/run/x/market-data.sock", "/run/x/api.ctl"]);
    expect([p.snapshotDir, p.journalDir, p.logDir]).toEqual(["/var/x/state", "/var/x/journal", "/var/x/logs"]);
    expect(runtimePaths("/run/x").stateDir).toBe("/run/x");
  });
});

describe("the rotating log file", () => {
  it("rotates by size and keeps maxFiles files, each under the limit", () => {
    const logs = mkdtempSync(join(dir, "logs-"));
    const file = RotatingLogFile.open(logs, { maxFileBytes: 1000, maxFiles: 3 });
    const line = JSON.stringify({ level: "info", msg: "x".repeat(80) }) + "\n";
    for (let i = 0; i < 100; i++) file.write(line);
    file.close();
    expect(readdirSync(logs).sort()).toEqual(["alphapulse.log", "alphapulse.log.1", "alphapulse.log.2"]);
    for (const n of readdirSync(logs)) expect(statSync(join(logs, n)).size).toBeLessThanOrEqual(1000);
    expect(statSync(join(logs, "alphapulse.log")).mode & 0o777).toBe(0o600);
    expect(file.rotations).toBeGreaterThan(5);
    expect(readFileSync(join(logs, "alphapulse.log.1"), "utf8").split("\n").filter(Boolean).every((l) => l === line.trim())).toBe(true);
  });

  it("a symlink in the log file's place is refused, its target untouched", () => {
    const logs = mkdtempSync(join(dir, "logs-"));
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(logs, "alphapulse.log"));
    expect(() => RotatingLogFile.open(logs, { maxFileBytes: 1000, maxFiles: 2 })).toThrow(/alphapulse\.log: is a symbolic link/);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });
});

describe("one prefix for every variable", () => {
  it("AP_LOG_LEVEL still sets the level, with one deprecation warning per process; ALPHAPULSE_LOG_LEVEL wins silently", () => {
    const lines: string[] = [];
    configureLogging({ write: (l) => lines.push(l) });
    try {
      expect(logLevelFromEnv({ ALPHAPULSE_LOG_LEVEL: "error", AP_LOG_LEVEL: "debug" })).toBe("error");
      expect(lines).toEqual([]);
      expect(logLevelFromEnv({ AP_LOG_LEVEL: "debug" })).toBe("debug");
      expect(logLevelFromEnv({ AP_LOG_LEVEL: "warn" })).toBe("warn");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", variable: "AP_LOG_LEVEL", replacement: "ALPHAPULSE_LOG_LEVEL" });
      const log = createLogger("t", { level: "info" });
      log.debug("dropped");
      log.info("kept");
      expect(lines.map((l) => JSON.parse(l).msg)).toContain("kept");
      expect(lines.map((l) => JSON.parse(l).msg)).not.toContain("dropped");
    } finally {
      configureLogging({ write: undefined });
    }
  });

  it("an ALPHAPULSE_ variable falls back to its AP_ name, warned once per name", () => {
    const warnings: string[] = [];
    const env = { AP_KRAKEN_WS_URL: "wss://old", ALPHAPULSE_BINANCE_WS_URL: "wss://new", AP_BINANCE_WS_URL: "wss://ignored" };
    expect(envSetting("ALPHAPULSE_KRAKEN_WS_URL", env, (l) => warnings.push(l))).toBe("wss://old");
    expect(envSetting("ALPHAPULSE_KRAKEN_WS_URL", env, (l) => warnings.push(l))).toBe("wss://old");
    expect(envSetting("ALPHAPULSE_BINANCE_WS_URL", env, (l) => warnings.push(l))).toBe("wss://new");
    expect(envSetting("ALPHAPULSE_COINBASE_WS_URL", env, (l) => warnings.push(l))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("AP_KRAKEN_WS_URL is deprecated; set ALPHAPULSE_KRAKEN_WS_URL instead");
  });
});

describe("ap start's log sink and status line", () => {
  it("child output is split into lines (partial lines wait), non-JSON text is wrapped, warnings and errors counted", () => {
    const out: string[] = [];
    const logs = new StartLogs((l) => out.push(l));
    logs.childOutput("execution", '{"level":"warn","msg":"a"}\n{"level":"er');
    expect(out).toHaveLength(1);
    logs.childOutput("execution", 'ror","msg":"b"}\nplain text\n');
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(["a", "b", "plain text"]);
    expect(JSON.parse(out[2]!)).toMatchObject({ level: "info", service: "execution" });
    expect([logs.warnings, logs.errors]).toEqual([1, 1]);
    expect(logs.takePending()).toHaveLength(3); // kept for the log file until it opens
  });

  it("P&L is shown per quote currency (the API's net per currency, two decimals)", () => {
    const row = (currency: string, net: string) => ({ currency, net: { amount: net, currency } });
    const pnl = pnlByQuote([row("USD", "11.00000001"), row("USDT", "-0.12345")]);
    expect(pnl).toEqual({ USD: "11.00", USDT: "-0.12" });
    expect(formatE8(-400_000n)).toBe("0.00");
    const line = statusLine({ messagesPerSecond: 12.4, signals: 3, orders: 2, fills: 1, pnl, tradingState: "ACTIVE", alerts: [], degraded: ["adapter-polygon"], warnings: 2, errors: 0 }, new Date(2026, 0, 1, 9, 5, 7));
    expect(line).toBe("09:05:07 · 12 msg/s · signals 3 · orders 2 · fills 1 · P&L 11.00 USD, -0.12 USDT · trading ACTIVE · degraded: adapter-polygon · log: 0 errors, 2 warnings");
  });
});
