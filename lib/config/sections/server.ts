// Server keys: where to listen, which transports to offer, HTTP limits, security, logs.

import { z } from "zod";
import { DEFAULT_ICE_SERVERS, iceServerSchema } from "../iceServers.ts";
import { flag, integer, optionalText, seconds } from "../schemaHelpers.ts";

export const TRANSPORTS = ["websocket", "smallwebrtc", "both"] as const;
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

// An Origin header is scheme://host[:port] with no path, so "https://a.example/" never matches.
const origin = z
  .string()
  .trim()
  .regex(/^(\*|[a-z][a-z0-9+.-]*:\/\/[^/\s]+)$/i, "expected an origin like https://app.example.com (no path, no trailing /)");

export const serverShape = {
  host: z
    .string()
    .trim()
    .default("")
    .describe('Interface to listen on. "" = every interface (IPv4 and IPv6); "127.0.0.1" = this machine only.'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8080)
    .describe("TCP port. 0 = any free port chosen by the OS (useful in tests)."),
  transport: z
    .enum(TRANSPORTS)
    .default("websocket")
    .describe("Real-time transports offered: websocket (/ws), smallwebrtc (WebRTC offer/answer signalling), or both."),
  webrtc_ice_servers: z
    .array(iceServerSchema)
    .default(() => DEFAULT_ICE_SERVERS.map((s) => ({ urls: [...s.urls] })))
    .describe(
      'STUN/TURN servers for WebRTC: URL strings ("stun:host:port") or objects {urls, username?, credential?}. Default: Google STUN.',
    ),
  rtc_max_duration_secs: seconds(
    0,
    "Longest a real-time session may last, counted from its first inbound audio; the session is then cancelled. 0 = no limit.",
  ),
  ws_session_timeout_secs: seconds(300, "Close a WebSocket session after this long with no inbound message. 0 = never."),
  ws_write_coalesce_ms: integer(0, 0, "Batch outbound WebSocket frames for up to this many ms per write. 0 = write each frame at once."),
  ws_write_coalesce_max_frames: integer(1, 10, "Most frames in one coalesced WebSocket write."),
  max_request_body_bytes: integer(1, 262_144, "Largest HTTP request body accepted (256 KiB by default); larger bodies get 413."),
  server_api_key: optionalText(
    "When set, HTTP routes and /ws require this key in X-API-Key or Authorization: Bearer. Health, readiness, metrics and telephony stay open.",
  ),
  cors_allowed_origins: z
    .union([z.literal("*"), z.array(origin)])
    .default("*")
    .transform((v) => (Array.isArray(v) && v.includes("*") ? ("*" as const) : v))
    .describe(
      'Browser origins allowed by CORS. Absent or "*" = any origin (Access-Control-Allow-Origin: *); [] = no CORS header; a list = the request Origin is echoed back only when it is listed.',
    ),
  tls_enable: flag(false, "Serve HTTPS/WSS. Needs tls_cert_file and tls_key_file."),
  tls_cert_file: optionalText("PEM certificate chain for TLS."),
  tls_key_file: optionalText("PEM private key for TLS."),
  log_level: z.enum(LOG_LEVELS).default("info").describe("Least severe log level written."),
  json_logs: flag(false, "Write logs as one JSON object per line (for log shippers) instead of human-readable text."),
  metrics_enabled: flag(true, "Serve Prometheus metrics at /metrics and record HTTP metrics. When false, /metrics answers 204."),
};
