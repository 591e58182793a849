// Every environment override reaches its key, values are parsed by kind, and bad values
// are reported with the variable's name.

import { describe, expect, it } from "vitest";
import { ENV_OVERRIDES, applyEnvOverrides, parseEnvValue } from "../../lib/config/envOverrides.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { BUILTIN_CONFIG_PATH, loadConfig } from "../../lib/config/load.ts";
import type { VoxrayConfig } from "../../lib/config/schema.ts";

// Each variable, a value for it, and where that value must land in the validated config.
// Values differ from the defaults, so a variable that did nothing would fail its case;
// the fifth element holds other variables a value needs (TLS needs its files).
type Case = readonly [string, string, (c: VoxrayConfig) => unknown, unknown, Record<string, string>?];
const CASES: readonly Case[] = [
  ["VOXRAY_HOST", "127.0.0.1", (c) => c.host, "127.0.0.1"],
  ["HOST", "10.1.1.1", (c) => c.host, "10.1.1.1"],
  ["VOXRAY_PORT", "9001", (c) => c.port, 9001],
  ["PORT", "9002", (c) => c.port, 9002],
  ["VOXRAY_TRANSPORT", "smallwebrtc", (c) => c.transport, "smallwebrtc"],
  ["VOXRAY_RTC_MAX_DURATION_SECS", "90.5", (c) => c.rtc_max_duration_secs, 90.5],
  ["VOXRAY_DAILY_DIALIN_WEBHOOK_SECRET", "s3cret", (c) => c.daily_dialin_webhook_secret, "s3cret"],
  ["VOXRAY_SESSION_STORE", "redis", (c) => c.session_store, "redis", { VOXRAY_REDIS_URL: "redis://r:6379" }],
  ["VOXRAY_REDIS_URL", "redis://cache:6379", (c) => c.redis_url, "redis://cache:6379"],
  ["VOXRAY_SESSION_TTL_SECS", "60", (c) => c.session_ttl_secs, 60],
  ["VOXRAY_PIPELINE_INPUT_QUEUE_CAP", "64", (c) => c.pipeline_input_queue_cap, 64],
  ["VOXRAY_PIPELINE_INPUT_OVERFLOW", "drop_oldest", (c) => c.pipeline_input_overflow, "drop_oldest"],
  ["VOXRAY_WS_SESSION_TIMEOUT_SECS", "30", (c) => c.ws_session_timeout_secs, 30],
  ["VOXRAY_WS_WRITE_COALESCE_MS", "5", (c) => c.ws_write_coalesce_ms, 5],
  ["VOXRAY_WS_WRITE_COALESCE_MAX_FRAMES", "4", (c) => c.ws_write_coalesce_max_frames, 4],
  ["VOXRAY_TLS_ENABLE", "1", (c) => c.tls_enable, true, { VOXRAY_TLS_CERT_FILE: "c.pem", VOXRAY_TLS_KEY_FILE: "k.pem" }],
  ["VOXRAY_TLS_CERT_FILE", "/tls/cert.pem", (c) => c.tls_cert_file, "/tls/cert.pem"],
  ["VOXRAY_TLS_KEY_FILE", "/tls/key.pem", (c) => c.tls_key_file, "/tls/key.pem"],
  ["VOXRAY_LOG_LEVEL", "debug", (c) => c.log_level, "debug"],
  ["VOXRAY_JSON_LOGS", "TRUE", (c) => c.json_logs, true],
  ["VOXRAY_METRICS_ENABLED", "0", (c) => c.metrics_enabled, false],
  ["VOXRAY_CORS_ORIGINS", "https://a.example, http://localhost:5173", (c) => c.cors_allowed_origins, ["https://a.example", "http://localhost:5173"]],
  ["VOXRAY_MAX_BODY_BYTES", "1024", (c) => c.max_request_body_bytes, 1024],
  ["VOXRAY_SERVER_API_KEY", "k-123", (c) => c.server_api_key, "k-123"],
  ["VOXRAY_RECORDING_ENABLE", "yes", (c) => c.recording.enable, true, { VOXRAY_RECORDING_BUCKET: "b" }],
  ["VOXRAY_RECORDING_BUCKET", "calls", (c) => c.recording.bucket, "calls"],
  ["VOXRAY_RECORDING_BASE_PATH", "prod", (c) => c.recording.base_path, "prod"],
  ["VOXRAY_RECORDING_FORMAT", "wav", (c) => c.recording.format, "wav"],
  ["VOXRAY_RECORDING_WORKER_COUNT", "4", (c) => c.recording.worker_count, 4],
  ["VOXRAY_RECORDING_QUEUE_CAP", "8", (c) => c.recording.queue_cap, 8],
  ["VOXRAY_RECORDING_MAX_RETRIES", "0", (c) => c.recording.max_retries, 0],
  ["VOXRAY_TRANSCRIPTS_ENABLE", "true", (c) => c.transcripts.enable, true, { VOXRAY_TRANSCRIPTS_DRIVER: "postgres", VOXRAY_TRANSCRIPTS_DSN: "postgres://db/x" }],
  ["VOXRAY_TRANSCRIPTS_DRIVER", "mysql", (c) => c.transcripts.driver, "mysql"],
  ["VOXRAY_TRANSCRIPTS_DSN", "user@tcp(db)/x", (c) => c.transcripts.dsn, "user@tcp(db)/x"],
  ["VOXRAY_TRANSCRIPTS_TABLE", "turns", (c) => c.transcripts.table_name, "turns"],
];

const load = (env: Record<string, string>) => loadConfig({ path: BUILTIN_CONFIG_PATH, env }).config;

describe("environment overrides", () => {
  for (const [name, value, read, expected, others = {}] of CASES) {
    it(`${name}=${value} sets its key`, () => {
      expect(read(load({ ...others, [name]: value }))).toEqual(expected);
    });
  }

  it("covers every variable in the table", () => {
    const tested = new Set(CASES.map(([name]) => name));
    expect(ENV_OVERRIDES.flatMap((o) => o.vars).filter((v) => !tested.has(v))).toEqual([]);
  });

  it("prefers VOXRAY_PORT over PORT and VOXRAY_HOST over HOST", () => {
    expect(load({ PORT: "1", VOXRAY_PORT: "2", HOST: "a", VOXRAY_HOST: "b" })).toMatchObject({ port: 2, host: "b" });
  });

  it("treats empty variables as unset", () => {
    expect(load({ VOXRAY_PORT: "", PORT: "7000", VOXRAY_LOG_LEVEL: "  " })).toMatchObject({ port: 7000, log_level: "info" });
  });

  it("fills a section the file does not have, without touching the file's object", () => {
    const file = { recording: { bucket: "from-file" } };
    const { raw } = applyEnvOverrides(file, { VOXRAY_RECORDING_ENABLE: "1", VOXRAY_TRANSCRIPTS_DRIVER: "postgres" });
    expect(raw).toEqual({ recording: { bucket: "from-file", enable: true }, transcripts: { driver: "postgres" } });
    expect(file).toEqual({ recording: { bucket: "from-file" } });
  });

  it("lets VOXRAY_SESSION_STORE=redis demand VOXRAY_REDIS_URL", () => {
    expect(() => load({ VOXRAY_SESSION_STORE: "redis" })).toThrow(ConfigError);
    expect(load({ VOXRAY_SESSION_STORE: "redis", VOXRAY_REDIS_URL: "rediss://r:6380" }).redis_url).toBe("rediss://r:6380");
  });

  it("reports every unparsable variable with its key path", () => {
    try {
      load({ VOXRAY_PORT: "80a", VOXRAY_RTC_MAX_DURATION_SECS: "soon", VOXRAY_JSON_LOGS: "y" });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        { path: "port", message: 'expected an integer, got "80a" (set by VOXRAY_PORT)' },
        { path: "rtc_max_duration_secs", message: 'expected a number, got "soon" (set by VOXRAY_RTC_MAX_DURATION_SECS)' },
        { path: "json_logs", message: 'expected true/1 or false/0, got "y" (set by VOXRAY_JSON_LOGS)' },
      ]);
    }
  });
});

describe("parseEnvValue", () => {
  it("reads booleans as true/1/yes/on and false/0/no/off in any case", () => {
    for (const text of ["true", "TRUE", "True", "1", "yes", "ON"]) expect(parseEnvValue(text, "boolean")).toEqual({ value: true });
    for (const text of ["false", "FALSE", "0", "no", "Off"]) expect(parseEnvValue(text, "boolean")).toEqual({ value: false });
    expect(parseEnvValue("2", "boolean")).toHaveProperty("problem");
  });

  it("reads integers strictly and numbers as finite decimals", () => {
    expect(parseEnvValue("-3", "integer")).toEqual({ value: -3 });
    expect(parseEnvValue("1.5", "integer")).toHaveProperty("problem");
    expect(parseEnvValue("1e3", "number")).toEqual({ value: 1000 });
    expect(parseEnvValue("Infinity", "number")).toHaveProperty("problem");
  });

  it('reads lists as comma-separated, with "*" meaning any', () => {
    expect(parseEnvValue("a, b,,c ", "list")).toEqual({ value: ["a", "b", "c"] });
    expect(parseEnvValue("*", "list")).toEqual({ value: "*" });
  });
});
