// Environment overrides, applied after the config file and before CLI flags. The table
// holds every variable the Go original read (voxray-go §1.1) plus a few that were
// documented but missing there (VOXRAY_SESSION_STORE, VOXRAY_REDIS_URL) or are new.
// When several variables set one key, the first one set wins (VOXRAY_PORT over PORT).
// Empty variables count as unset.

import { formatKeyPath, type ConfigIssue } from "./errors.ts";
import { suggest } from "./suggest.ts";

export type EnvKind = "string" | "integer" | "number" | "boolean" | "list";

export interface EnvOverride {
  readonly path: readonly string[];
  readonly vars: readonly string[];
  readonly kind: EnvKind;
}

const env = (path: string, kind: EnvKind, ...vars: string[]): EnvOverride => ({ path: path.split("."), vars, kind });

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  env("host", "string", "VOXRAY_HOST", "HOST"),
  env("port", "integer", "VOXRAY_PORT", "PORT"),
  env("transport", "string", "VOXRAY_TRANSPORT"),
  env("rtc_max_duration_secs", "number", "VOXRAY_RTC_MAX_DURATION_SECS"),
  env("daily_dialin_webhook_secret", "string", "VOXRAY_DAILY_DIALIN_WEBHOOK_SECRET"),
  env("session_store", "string", "VOXRAY_SESSION_STORE"),
  env("redis_url", "string", "VOXRAY_REDIS_URL"),
  env("session_ttl_secs", "integer", "VOXRAY_SESSION_TTL_SECS"),
  env("pipeline_input_queue_cap", "integer", "VOXRAY_PIPELINE_INPUT_QUEUE_CAP"),
  env("pipeline_input_overflow", "string", "VOXRAY_PIPELINE_INPUT_OVERFLOW"),
  env("ws_session_timeout_secs", "number", "VOXRAY_WS_SESSION_TIMEOUT_SECS"),
  env("ws_write_coalesce_ms", "integer", "VOXRAY_WS_WRITE_COALESCE_MS"),
  env("ws_write_coalesce_max_frames", "integer", "VOXRAY_WS_WRITE_COALESCE_MAX_FRAMES"),
  env("tls_enable", "boolean", "VOXRAY_TLS_ENABLE"),
  env("tls_cert_file", "string", "VOXRAY_TLS_CERT_FILE"),
  env("tls_key_file", "string", "VOXRAY_TLS_KEY_FILE"),
  env("log_level", "string", "VOXRAY_LOG_LEVEL"),
  env("json_logs", "boolean", "VOXRAY_JSON_LOGS"),
  env("metrics_enabled", "boolean", "VOXRAY_METRICS_ENABLED"),
  env("cors_allowed_origins", "list", "VOXRAY_CORS_ORIGINS"),
  env("max_request_body_bytes", "integer", "VOXRAY_MAX_BODY_BYTES"),
  env("server_api_key", "string", "VOXRAY_SERVER_API_KEY"),
  env("recording.enable", "boolean", "VOXRAY_RECORDING_ENABLE"),
  env("recording.bucket", "string", "VOXRAY_RECORDING_BUCKET"),
  env("recording.base_path", "string", "VOXRAY_RECORDING_BASE_PATH"),
  env("recording.format", "string", "VOXRAY_RECORDING_FORMAT"),
  env("recording.worker_count", "integer", "VOXRAY_RECORDING_WORKER_COUNT"),
  env("recording.queue_cap", "integer", "VOXRAY_RECORDING_QUEUE_CAP"),
  env("recording.max_retries", "integer", "VOXRAY_RECORDING_MAX_RETRIES"),
  env("transcripts.enable", "boolean", "VOXRAY_TRANSCRIPTS_ENABLE"),
  env("transcripts.driver", "string", "VOXRAY_TRANSCRIPTS_DRIVER"),
  env("transcripts.dsn", "string", "VOXRAY_TRANSCRIPTS_DSN"),
  env("transcripts.table_name", "string", "VOXRAY_TRANSCRIPTS_TABLE"),
];

/** Read by the Go original but without effect there too. */
const IGNORED_VARS = ["VOXRAY_VAD_BATCH_SIZE"];
/** Variables read elsewhere (load.ts), listed so they are not reported as typos. */
const OTHER_VARS = ["VOXRAY_CONFIG"];

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvOverrideResult {
  /** The input with overrides applied (a copy; the input is not changed). */
  readonly raw: Record<string, unknown>;
  /** Variables whose text is not a valid value (e.g. VOXRAY_PORT=abc). */
  readonly issues: ConfigIssue[];
  /** Key path → the variable that set it. */
  readonly provenance: Map<string, string>;
  readonly warnings: string[];
}

export function applyEnvOverrides(input: Readonly<Record<string, unknown>>, vars: Env): EnvOverrideResult {
  const raw: Record<string, unknown> = { ...input };
  const issues: ConfigIssue[] = [];
  const provenance = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const name = override.vars.find((v) => (vars[v] ?? "").trim() !== "");
    if (name === undefined) continue;
    const path = formatKeyPath(override.path);
    const parsed = parseEnvValue((vars[name] ?? "").trim(), override.kind);
    if ("problem" in parsed) {
      issues.push({ path, message: `${parsed.problem} (set by ${name})` });
      continue;
    }
    if (setPath(raw, override.path, parsed.value)) provenance.set(path, name);
  }
  return { raw, issues, provenance, warnings: envWarnings(vars) };
}

export function parseEnvValue(text: string, kind: EnvKind): { value: unknown } | { problem: string } {
  const got = `got ${JSON.stringify(text)}`;
  switch (kind) {
    case "string":
      return { value: text };
    case "integer":
      return /^[+-]?\d+$/.test(text) ? { value: Number(text) } : { problem: `expected an integer, ${got}` };
    case "number": {
      const value = Number(text);
      return Number.isFinite(value) ? { value } : { problem: `expected a number, ${got}` };
    }
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(text)) return { value: true };
      if (/^(false|0|no|off)$/i.test(text)) return { value: false };
      return { problem: `expected true/1 or false/0, ${got}` };
    case "list":
      return { value: text === "*" ? "*" : text.split(",").map((s) => s.trim()).filter((s) => s !== "") };
  }
}

/** Sets raw[a][b] = value, copying nested objects. False when a parent is not an object
 *  (that is already a file error, which validation will report). */
function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return false;
  if (rest.length === 0) {
    raw[head] = value;
    return true;
  }
  const inner = raw[head] ?? {};
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return false;
  const copy = { ...(inner as Record<string, unknown>) };
  raw[head] = copy;
  return setPath(copy, rest, value);
}

export const KNOWN_ENV_VARS: readonly string[] = [...ENV_OVERRIDES.flatMap((o) => o.vars), ...IGNORED_VARS, ...OTHER_VARS];

/** Likely typos of our variables (VOXRAY_PROT) and variables that do nothing. */
function envWarnings(vars: Env): string[] {
  const warnings: string[] = [];
  const ours = KNOWN_ENV_VARS.filter((v) => v.startsWith("VOXRAY_"));
  for (const [name, value] of Object.entries(vars)) {
    if (!name.startsWith("VOXRAY_") || (value ?? "") === "") continue;
    if (IGNORED_VARS.includes(name)) {
      warnings.push(`environment variable ${name} has no effect; ignored`);
    } else if (!KNOWN_ENV_VARS.includes(name)) {
      const near = suggest(name.slice("VOXRAY_".length), ours.map((v) => v.slice("VOXRAY_".length)));
      if (near !== undefined) warnings.push(`unknown environment variable ${name} (did you mean VOXRAY_${near}?); ignored`);
    }
  }
  return warnings;
}
