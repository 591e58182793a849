// serve(): the `voxray serve` server, from a validated config.
//
//   validate plugins (an unknown plugin throws PluginError: the CLI prints it and exits 1)
//   → HTTP(S) server with the core routes and /ws → listen → print the URL
//   → on SIGTERM/SIGINT: stop accepting, end every session with an EndFrame (queued audio
//     plays out), cancel whatever is left after 10 s, close the server, exit 0. A second
//     signal at least SAME_SIGNAL_MS later exits at once; one sooner is the same stop twice.
//
// close() runs the same shutdown without exiting (tests, embedding).
//
// Other endpoints plug in as `extensions`, each called with the server's parts before it
// listens: `({ http, sessions }) => http.route("POST", "/start", handler, { auth: true })`.

import { readFileSync } from "node:fs";
import { config as rxConfig } from "rxjs";
import type { VoxrayConfig } from "../config/schema.ts";
import { createMetrics, type VoxrayMetrics } from "../observers/metrics.ts";
import type { Logger } from "../pipeline/context.ts";
import type { PluginRegistry } from "../pipeline/registry.ts";
import { registerCoreRoutes } from "./coreRoutes.ts";
import { HttpServer } from "./http.ts";
import { createLogger, logLevel } from "./logging.ts";
import { prepareSessionPipeline, type SessionStage } from "./sessionPipeline.ts";
import { SessionManager } from "./sessions.ts";
import { runnerExtension } from "./runnerRoutes.ts";
import { staticExtension } from "./static.ts";
import { prepareVoice, withPluginDefaults } from "./voiceStage.ts";
import { webrtcExtension } from "./webrtcRoutes.ts";

/** Signals this close together are one stop delivered twice (see onSignal). */
const SAME_SIGNAL_MS = 250;

/** The endpoints every server has beyond the core routes; each checks the config it needs. */
export const DEFAULT_EXTENSIONS: readonly ServerExtension[] = [webrtcExtension, runnerExtension, staticExtension];

/** What an extension gets to add routes, upgrades and readiness checks before the server listens. */
export interface ServerParts {
  readonly config: VoxrayConfig;
  readonly http: HttpServer;
  readonly sessions: SessionManager;
  readonly metrics: VoxrayMetrics;
  readonly log: Logger;
}

/** Adds endpoints (WebRTC offers, /start, telephony, static files…) to the server. */
export type ServerExtension = (parts: ServerParts) => void | Promise<void>;

export interface ServeOptions {
  /** Config warnings to log at start-up (unknown keys, ignored values…). */
  readonly warnings?: readonly string[];
  /** Where the config came from, for the start-up log. */
  readonly configSource?: string;
  /** Logger to use instead of a new pino logger at the configured level. */
  readonly logger?: Logger;
  /** Exit on SIGTERM/SIGINT after a graceful shutdown. @defaultValue true */
  readonly handleSignals?: boolean;
  /** Where the one "listening" line goes. @defaultValue stdout */
  readonly print?: (line: string) => void;
  /** Longest a graceful shutdown waits for sessions before cancelling them. @defaultValue 10000 */
  readonly shutdownTimeoutMs?: number;
  readonly registry?: PluginRegistry;
  /** Stages placed before the plugins in every session (see sessionPipeline.ts). @defaultValue from config (voiceStage.ts) */
  readonly stages?: readonly SessionStage[];
  /** Run in order after the core routes are registered and before listening. @defaultValue DEFAULT_EXTENSIONS */
  readonly extensions?: readonly ServerExtension[];
}

export interface RunningServer {
  readonly port: number;
  /** http(s)://host:port, with a host a client on this machine can reach. */
  readonly url: string;
  readonly http: HttpServer;
  readonly sessions: SessionManager;
  readonly metrics: VoxrayMetrics;
  readonly log: Logger;
  /** Graceful shutdown, as on SIGTERM, without exiting. Idempotent. */
  close(): Promise<void>;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsConfigError";
  }
}

function readPem(key: "tls_cert_file" | "tls_key_file", file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsConfigError(`${key}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The address to bind: "localhost" means 127.0.0.1 (the Go original's rule). */
export function bindHost(host: string): string {
  return host === "localhost" ? "127.0.0.1" : host;
}

/** A host a local client can connect to, formatted for a URL. */
function reachableHost(bound: string): string {
  if (bound === "" || bound === "0.0.0.0") return "127.0.0.1";
  if (bound === "::") return "[::1]";
  return bound.includes(":") ? `[${bound}]` : bound;
}

export async function serve(config: VoxrayConfig, options: ServeOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(logLevel(config.log_level));
  for (const warning of options.warnings ?? []) log.warn({ event: "config_warning" }, warning);
  log.info({ event: "config", source: options.configSource ?? "defaults" }, "configuration loaded");

  // Voice services, keys and turn taking are resolved once, here: a missing key or an unknown
  // provider stops the server before it accepts a connection (VoiceConfigError).
  const voice = options.stages === undefined ? prepareVoice(config) : undefined;
  const pipeline = prepareSessionPipeline(voice ? withPluginDefaults(config, voice) : config, {
    registry: options.registry,
    before: options.stages ?? voice?.stages,
    defaultPlugins: voice?.defaultPlugins,
  });
  if (voice) log.info({ event: "pipeline", mode: voice.mode }, voice.summary);
  const tls =
    config.tls_enable && config.tls_cert_file && config.tls_key_file
      ? { cert: readPem("tls_cert_file", config.tls_cert_file), key: readPem("tls_key_file", config.tls_key_file) }
      : undefined;

  // A throw inside a subscriber would otherwise be rethrown on a timer and end the process.
  rxConfig.onUnhandledError = (error: unknown) => log.error({ err: error }, "unhandled error in a stream");

  const metrics = createMetrics();
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const sessions = new SessionManager({ config, log, metrics, pipeline, endTimeoutMs: shutdownTimeoutMs });
  const http = new HttpServer({
    log,
    metrics,
    metricsEnabled: config.metrics_enabled,
    maxBodyBytes: config.max_request_body_bytes,
    corsAllowedOrigins: config.cors_allowed_origins,
    apiKey: config.server_api_key,
    tls,
  });
  registerCoreRoutes(http, {
    metrics,
    metricsEnabled: config.metrics_enabled,
    sessions,
    websocket: config.transport !== "smallwebrtc",
  });
  for (const extend of options.extensions ?? DEFAULT_EXTENSIONS) await extend({ config, http, sessions, metrics, log });

  const host = bindHost(config.host);
  const address = await http.listen(config.port, host);
  const url = `${tls ? "https" : "http"}://${reachableHost(host)}:${address.port}`;

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (closing ??= (async () => {
      log.info({ event: "shutdown", sessions: sessions.size }, "shutting down");
      http.stopAccepting();
      await sessions.shutdown(shutdownTimeoutMs);
      await http.close();
      log.info({ event: "stopped" }, "server stopped");
    })());
  // Called from outside, the server lets go of the process's signals; after a signal they stay
  // with it until exit, so a second one is judged by onSignal.
  const close = (): Promise<void> => {
    removeSignalHandlers();
    return shutdown();
  };

  let signalledAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    if (signalledAt !== undefined) {
      // One stop can arrive twice at once (a terminal's Ctrl-C reaches both the CLI that
      // relaunched this process and this process; a supervisor signals the whole group): only
      // a later signal means "now".
      if (now - signalledAt < SAME_SIGNAL_MS) return;
      log.warn({ event: "signal", signal }, "second signal: exiting without waiting for sessions");
      process.exit(1);
    }
    signalledAt = now;
    log.info({ event: "signal", signal }, "signal received");
    void shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const handleSignals = options.handleSignals !== false;
  if (handleSignals) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  function removeSignalHandlers(): void {
    if (!handleSignals) return;
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }

  // Signal handlers are in place before the line that tells a supervisor the server is up.
  log.info({ event: "listening", url, port: address.port, tls: tls !== undefined, auth: http.auth.enabled }, "listening");
  (options.print ?? ((line: string) => process.stdout.write(`${line}\n`)))(`Voxray listening on ${url}`);
  return { port: address.port, url, http, sessions, metrics, log, close };
}
