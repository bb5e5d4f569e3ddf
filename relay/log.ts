/**
 * A tiny structured logger: one JSON line per event on stderr with `level`, `time` (ISO-8601),
 * `service`, `msg` and the event's fields. Small on purpose; a runtime-wide logger may replace it.
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
  /** Lowest level written (default from `AP_LOG_LEVEL`, else `info`). */
  level?: LogLevel;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger for `service`. */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const envLevel = process.env.AP_LOG_LEVEL as LogLevel | undefined;
  const min = RANK[options.level ?? (envLevel && envLevel in RANK ? envLevel : "info")];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
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
