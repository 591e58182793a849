// Runtime keys: telephony/Daily runner modes, the session store, the pipeline's input queue,
// and optional persistence (recordings, transcripts).

import { z } from "zod";
import { flag, integer, optionalText } from "../schemaHelpers.ts";

export const RUNNER_TRANSPORTS = ["webrtc", "daily", "twilio", "telnyx", "plivo", "exotel"] as const;
export const SESSION_STORES = ["memory", "redis"] as const;
export const INPUT_OVERFLOW_POLICIES = ["pause", "drop_oldest", "error"] as const;
export const TRANSCRIPT_DRIVERS = ["postgres", "mysql"] as const;

export const recordingSchema = z
  .object({
    enable: flag(false, "Upload a WAV of each session to S3 when it ends (AWS credentials come from the environment)."),
    bucket: optionalText("S3 bucket. Required when enable is true."),
    base_path: z.string().trim().default("").describe("Key prefix; objects are <base_path>/YYYY/MM/DD/<session>.wav."),
    format: z.enum(["wav"]).default("wav").describe("File format."),
    worker_count: integer(1, 2, "Concurrent uploads."),
    queue_cap: integer(1, 32, "Uploads waiting before new ones are refused."),
    max_retries: integer(0, 3, "Retries per failed upload."),
  })
  .describe("Session audio recordings.");

export const transcriptsSchema = z
  .object({
    enable: flag(false, "Store user and assistant transcript rows in SQL. Needs driver and dsn."),
    driver: z.enum(TRANSCRIPT_DRIVERS).optional().describe("SQL database kind."),
    dsn: optionalText("Database connection string."),
    // Interpolated into SQL, so it must be a plain identifier.
    table_name: z
      .string()
      .regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/, "expected a table name like call_transcripts or schema.table")
      .default("call_transcripts")
      .describe("Table with columns (session_id, role, text, seq, created_at); it is not created for you."),
  })
  .describe("Conversation transcripts in SQL.");

export const runtimeShape = {
  runner_transport: z
    .enum(["", ...RUNNER_TRANSPORTS])
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .describe(
      "Runner mode. twilio/telnyx/plivo/exotel: answer the provider's call webhook at POST / and take media on /telephony/ws. daily: create Daily rooms via /start. Absent or webrtc: browser and WebSocket clients only.",
    ),
  proxy_host: optionalText("Public host name used in telephony webhook answers (behind a proxy). Absent = the request's Host header."),
  dialin: flag(false, "Daily mode: accept PSTN dial-in at POST /daily-dialin-webhook."),
  daily_dialin_webhook_secret: optionalText("Daily dial-in webhook secret, checked against the X-Webhook-Secret header."),
  session_store: z
    .enum(SESSION_STORES)
    .default("memory")
    .describe('Where /start sessions are kept: "memory" (one process) or "redis" (several processes; needs redis_url).'),
  redis_url: z
    .string()
    .trim()
    .refine((s) => s === "" || /^rediss?:\/\/\S+$/.test(s), "expected a redis:// or rediss:// URL")
    .transform((s) => (s === "" ? undefined : s))
    .optional()
    .describe('Redis URL for session_store "redis".'),
  session_ttl_secs: integer(1, 3600, "How long a stored session lives."),
  pipeline_input_queue_cap: integer(1, 256, "Frames queued between a transport and its pipeline before the overflow policy applies."),
  pipeline_input_overflow: z
    .enum(INPUT_OVERFLOW_POLICIES)
    .default("pause")
    .describe(
      'When the input queue is full: "pause" stops reading the transport until it drains, "drop_oldest" drops the oldest queued audio, "error" ends the session. System frames are never dropped.',
    ),
  recording: recordingSchema.prefault({}),
  transcripts: transcriptsSchema.prefault({}),
};
