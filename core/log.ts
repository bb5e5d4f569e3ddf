/**
 * A tiny structured logger: one JSON line per event with `level`, `time` (ISO-8601), `service`, `msg`
 * and the event's fields. Lines go to stderr unless the process installs a sink
 * ({@link configureLogging}: `ap start` sends them to its rotating log file and, when stdout is not a
 * terminal, to stdout).
 *
 * The lowest level written comes from the logger's options, else `ALPHAPULSE_LOG_LEVEL`, else the
 * process default ({@link configureLogging}, `info`). The old `AP_LOG_LEVEL` still works, with one
 * deprecation warning per process.
 *
 * @example
 * ```ts
 * const log = createLogger("relay.market-data");
 * log.warn("closing connection", { peer: "unix:/tmp/x.sock", reason: "BadMagic" });
 * // {"level":"warn","time":"2025-…","service":"relay.market-data","msg":"closing connection","peer":"…","reason":"BadMagic"}
 * ```
 * @module
 */

import process from "node:process";

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The levels, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra key/values of a log line. bigint values are written as decimal strings. */
export type LogFields = Record<string, unknown>;

/** Writes structured log lines. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (default: `ALPHAPULSE_LOG_LEVEL`, else the process default, `info`). */
  level?: LogLevel;
  /** Where lines go (default: the process sink, else stderr). */
  write?: (line: string) => void;
}

/** The environment variable of the log level, and its deprecated old name. */
export const LOG_LEVEL_ENV = "ALPHAPULSE_LOG_LEVEL";
/** @deprecated name of {@link LOG_LEVEL_ENV}. */
export const OLD_LOG_LEVEL_ENV = "AP_LOG_LEVEL";

const stderrWrite = (line: string): void => void process.stderr.write(line);
let processSink: ((line: string) => void) | undefined;
let processLevel: LogLevel = "info";
let warnedOldName = false;

/**
 * Sets this process's sink (where loggers without their own `write` send lines; `undefined`: stderr)
 * and default level. Loggers already created follow the new sink at once.
 */
export function configureLogging(settings: { write?: ((line: string) => void) | undefined; level?: LogLevel }): void {
  if ("write" in settings) processSink = settings.write;
  if (settings.level) processLevel = settings.level;
}

/** Whether `x` names a level. */
export function isLogLevel(x: unknown): x is LogLevel {
  return typeof x === "string" && x in RANK;
}

/**
 * The level set in the environment: `ALPHAPULSE_LOG_LEVEL`, else the deprecated `AP_LOG_LEVEL` (then one
 * warning per process goes to the process sink), else undefined. A value that is no level is ignored.
 */
export function logLevelFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel | undefined {
  const current = env[LOG_LEVEL_ENV];
  if (isLogLevel(current)) return current;
  const old = env[OLD_LOG_LEVEL_ENV];
  if (!isLogLevel(old)) return undefined;
  if (!warnedOldName) {
    warnedOldName = true;
    if (RANK[old] <= RANK.warn) {
      const line = JSON.stringify({
        level: "warn", time: new Date().toISOString(), service: "log",
        msg: `${OLD_LOG_LEVEL_ENV} is deprecated; set ${LOG_LEVEL_ENV} instead`, variable: OLD_LOG_LEVEL_ENV, replacement: LOG_LEVEL_ENV,
      });
      (processSink ?? stderrWrite)(line + "\n");
    }
  }
  return old;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger for `service`. */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? logLevelFromEnv() ?? processLevel];
  const write = options.write ?? ((line: string) => (processSink ?? stderrWrite)(line));
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    const line = JSON.stringify({ level, time: new Date().toISOString(), service, msg, ...fields }, replacer);
    write(line + "\n");
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** A logger that writes nothing (tests, libraries embedded quietly). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
