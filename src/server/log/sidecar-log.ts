/**
 * The structured log: pino, one JSON object per line. The process writes it to stderr
 * (stdout keeps the few plain lines people and scripts wait for: listening, stopped);
 * tests pass a stream of their own and parse the lines. `LOG_LEVEL` sets the level.
 *
 * Every line has `event` (a stable name, docs/observability.md) besides pino's `level`,
 * `time`, `msg`. Nothing is logged per order at info: per-order facts are metrics.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import { ConfigError } from "../config/load-config.js";

export type SidecarLogger = Logger;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** `LOG_LEVEL` as a level (unset or empty: info); anything else is a ConfigError. */
export function parseLogLevel(text: string | undefined): LogLevel {
  if (text === undefined || text === "") return DEFAULT_LOG_LEVEL;
  const level = text.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`LOG_LEVEL: '${text}' is not a level; expected one of ${LOG_LEVELS.join(", ")}`);
  return level as LogLevel;
}

/** A logger writing JSON lines to `destination` (default: stderr, synchronously, so a failing process's last lines are not lost). */
export function createLogger(level: LogLevel = DEFAULT_LOG_LEVEL, destination: DestinationStream = pino.destination({ fd: 2, sync: true })): SidecarLogger {
  return pino(
    {
      name: "openpit-sidecar",
      level,
      // Level names, not numbers, and ISO times: readable by people and by log shippers.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    destination,
  );
}

/** Logs nothing (a server built without a logger: tests, benches, embedding). */
export function silentLogger(): SidecarLogger {
  return pino({ level: "silent" });
}

/** An error as log fields (pino's `err` serialiser keeps the stack; a non-Error is its text). */
export function errorFields(e: unknown): { err: Error } | { error: string } {
  return e instanceof Error ? { err: e } : { error: String(e) };
}
