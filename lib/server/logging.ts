// Server logs: pino, one JSON object per line on stdout. The level is VOXRAY_LOG_LEVEL when
// set, else the config's log_level. Session loggers are children with `session_id` bound,
// so every line a session writes carries it. Nothing logs per audio frame above debug.

import { pino, type Logger as PinoLogger } from "pino";

export const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LEVELS)[number];

export function logLevel(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const wanted = (env["VOXRAY_LOG_LEVEL"] ?? configured ?? "info").trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(wanted) ? (wanted as LogLevel) : "info";
}

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): PinoLogger {
  const options = {
    level,
    base: { svc: "voxray" },
    // Errors logged as `err` keep their message and stack; nothing else is transformed.
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
