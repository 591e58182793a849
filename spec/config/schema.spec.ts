// The schema: defaults, the accepted forms of each kind of value, and error paths that a
// reader can find in their file.

import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigIssue } from "../../lib/config/errors.ts";
import { parseConfig } from "../../lib/config/load.ts";
import { DEFAULT_CONFIG, DEFAULT_SYSTEM_PROMPT } from "../../lib/config/schema.ts";

function issuesOf(input: unknown): ConfigIssue[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

function messageAt(input: unknown, path: string): string | undefined {
  return issuesOf(input).find((issue) => issue.path === path)?.message;
}

describe("defaults", () => {
  it("gives every documented default for an empty config", () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      host: "",
      port: 8080,
      transport: "websocket",
      webrtc_ice_servers: [{ urls: ["stun:stun.l.google.com:19302"] }],
      rtc_max_duration_secs: 0,
      system_prompt: DEFAULT_SYSTEM_PROMPT,
      plugins: [],
      plugin_options: {},
      api_keys: {},
      turn_detection: "vad",
      vad_type: "silero",
      vad_confidence: 0.7,
      vad_start_secs_vad: 0.2,
      vad_stop_secs: 0.2,
      vad_min_volume: 0.6,
      vad_threshold: 0.02,
      turn_pre_speech_ms: 500,
      user_turn_stop_timeout_secs: 5,
      user_idle_timeout_secs: 0,
      allow_interruptions: true,
      interruption_strategy: "none",
      min_words: 1,
      false_interruption_timeout_secs: 2,
      session_store: "memory",
      session_ttl_secs: 3600,
      pipeline_input_queue_cap: 256,
      pipeline_input_overflow: "pause",
      ws_session_timeout_secs: 300,
      ws_write_coalesce_ms: 0,
      ws_write_coalesce_max_frames: 10,
      max_request_body_bytes: 262_144,
      cors_allowed_origins: "*",
      tls_enable: false,
      log_level: "info",
      json_logs: false,
      metrics_enabled: true,
      dialin: false,
      recording: { enable: false, format: "wav", worker_count: 2, queue_cap: 32, max_retries: 3 },
      transcripts: { enable: false, table_name: "call_transcripts" },
    });
    expect(DEFAULT_SYSTEM_PROMPT).toBe(
      "You are a helpful voice assistant. Reply briefly and naturally in the same language as the user.",
    );
    for (const key of ["provider", "model", "llm_provider", "redis_url", "server_api_key", "mcp", "runner_transport"] as const) {
      expect(DEFAULT_CONFIG[key]).toBeUndefined();
    }
  });

  it("is what parsing an empty object gives, and is frozen to the bottom", () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.webrtc_ice_servers[0]?.urls)).toBe(true);
    expect(() => (DEFAULT_CONFIG.plugins as string[]).push("echo")).toThrow(TypeError);
  });

  it("gives each parse its own default objects", () => {
    const a = parseConfig({});
    const b = parseConfig({});
    a.plugins.push("echo");
    a.webrtc_ice_servers[0]?.urls.push("stun:other:3478");
    expect(b.plugins).toEqual([]);
    expect(b.webrtc_ice_servers).toEqual([{ urls: ["stun:stun.l.google.com:19302"] }]);
  });
});

describe("webrtc_ice_servers", () => {
  it("accepts URL strings and {urls, username?, credential?} objects, normalized to objects with a urls list", () => {
    const config = parseConfig({
      webrtc_ice_servers: [
        "stun:stun.example.org:3478",
        { urls: "stun:stun2.example.org:3478" },
        { urls: ["turn:turn.example.org:3478", "turns:turn.example.org:5349"], username: "u", credential: "p" },
      ],
    });
    expect(config.webrtc_ice_servers).toEqual([
      { urls: ["stun:stun.example.org:3478"] },
      { urls: ["stun:stun2.example.org:3478"] },
      { urls: ["turn:turn.example.org:3478", "turns:turn.example.org:5349"], username: "u", credential: "p" },
    ]);
  });

  it("names the element and field of a bad entry", () => {
    const issues = issuesOf({
      webrtc_ice_servers: ["stun:ok:3478", { urls: "http://not-ice" }, 7, { urls: [] }, "ftp://x", { urls: "turn:t:3478" }],
    });
    expect(issues.map((i) => i.path)).toEqual([
      "webrtc_ice_servers[1].urls",
      "webrtc_ice_servers[2]",
      "webrtc_ice_servers[3].urls",
      "webrtc_ice_servers[4]",
      "webrtc_ice_servers[5].username",
      "webrtc_ice_servers[5].credential",
    ]);
    expect(issues[0]?.message).toContain("expected a stun:, stuns:, turn: or turns: URL");
    expect(issues[1]?.message).toBe("expected a STUN/TURN URL string or an object {urls, username?, credential?}");
    expect(issues[3]?.message).toContain('got "ftp://x"');
    expect(issues[4]?.message).toBe("required for turn: URLs");
  });
});

describe("bad values", () => {
  it("reports every problem at once, each with its key path and what was expected", () => {
    const issues = issuesOf({
      port: 70_000,
      transport: "ws",
      vad_confidence: 2,
      min_words: 0,
      log_level: "verbose",
      plugins: "echo",
      pipeline_input_overflow: "block",
      recording: { worker_count: 1.5 },
      llm_base_url: "ftp://models.example",
    });
    expect(Object.fromEntries(issues.map((i) => [i.path, i.message]))).toEqual({
      port: "expected a number ≤ 65535, got 70000",
      transport: 'expected one of "websocket", "smallwebrtc", "both", got "ws"',
      vad_confidence: "expected a number ≤ 1, got 2",
      min_words: "expected a number ≥ 1, got 0",
      log_level: 'expected one of "debug", "info", "warn", "error", "silent", got "verbose"',
      plugins: 'expected a list, got "echo"',
      pipeline_input_overflow: 'expected one of "pause", "drop_oldest", "error", got "block"',
      "recording.worker_count": "expected an integer, got 1.5",
      llm_base_url: 'expected an http(s):// or ws(s):// URL, got "ftp://models.example"',
    });
  });

  it("says a required field is required", () => {
    expect(messageAt({ mcp: { args: ["x"] } }, "mcp.command")).toBe("required");
  });

  it("never echoes secret values", () => {
    const issues = issuesOf({ server_api_key: 123456789, api_keys: { openai: 987654321 }, redis_url: "http://:hunter2@r" });
    expect(issues.map((i) => i.path).sort()).toEqual(["api_keys.openai", "redis_url", "server_api_key"]);
    const text = JSON.stringify(issues);
    for (const secret of ["123456789", "987654321", "hunter2"]) expect(text).not.toContain(secret);
  });

  it("rejects an origin with a path, which no Origin header could match", () => {
    expect(messageAt({ cors_allowed_origins: ["https://app.example.com/"] }, "cors_allowed_origins[0]")).toContain(
      "expected an origin like https://app.example.com",
    );
  });
});

describe("rules between keys", () => {
  it("needs redis_url when session_store is redis", () => {
    expect(messageAt({ session_store: "redis" }, "redis_url")).toBe('required when session_store is "redis"');
    expect(messageAt({ session_store: "redis", redis_url: "" }, "redis_url")).toBe('required when session_store is "redis"');
    expect(parseConfig({ session_store: "redis", redis_url: "redis://localhost:6379/0" }).redis_url).toBe(
      "redis://localhost:6379/0",
    );
    expect(messageAt({ session_store: "redis", redis_url: "localhost:6379" }, "redis_url")).toBe(
      "expected a redis:// or rediss:// URL",
    );
  });

  it("needs a driver and a DSN for transcripts, a bucket for recordings, files for TLS", () => {
    const issues = issuesOf({ transcripts: { enable: true }, recording: { enable: true }, tls_enable: true });
    expect(issues.map((i) => i.path).sort()).toEqual([
      "recording.bucket",
      "tls_cert_file",
      "tls_key_file",
      "transcripts.driver",
      "transcripts.dsn",
    ]);
    expect(() =>
      parseConfig({ transcripts: { enable: true, driver: "postgres", dsn: "postgres://db/voxray" } }),
    ).not.toThrow();
  });

  it("still checks them when other keys are invalid", () => {
    expect(issuesOf({ port: "eighty", session_store: "redis" }).map((i) => i.path)).toEqual(["port", "redis_url"]);
  });

  it("refuses a transcripts table name that is not a plain identifier", () => {
    expect(messageAt({ transcripts: { table_name: "t; drop table x" } }, "transcripts.table_name")).toContain(
      "expected a table name",
    );
  });
});

describe("forms carried over from Go configs", () => {
  it('treats "" as not set, and provider names case-insensitively', () => {
    const config = parseConfig({ provider: " OpenAI ", model: "", stt_provider: "", runner_transport: "", redis_url: "" });
    expect(config.provider).toBe("openai");
    expect(config.model).toBeUndefined();
    expect(config.stt_provider).toBeUndefined();
    expect(config.runner_transport).toBeUndefined();
    expect(config.redis_url).toBeUndefined();
  });

  it('reads interruption_strategy "keyword" as "min_words", and "" as "none"', () => {
    expect(parseConfig({ interruption_strategy: "keyword" }).interruption_strategy).toBe("min_words");
    expect(parseConfig({ interruption_strategy: "" }).interruption_strategy).toBe("none");
    expect(parseConfig({ turn_detection: "" }).turn_detection).toBe("none");
    expect(parseConfig({ turn_detection: "silence" }).turn_detection).toBe("silence");
  });

  it("reads cors_allowed_origins: absent = any, [] = none, a list = those, a list with * = any", () => {
    expect(parseConfig({}).cors_allowed_origins).toBe("*");
    expect(parseConfig({ cors_allowed_origins: [] }).cors_allowed_origins).toEqual([]);
    expect(parseConfig({ cors_allowed_origins: ["https://a.example", "http://localhost:5173"] }).cors_allowed_origins).toEqual([
      "https://a.example",
      "http://localhost:5173",
    ]);
    expect(parseConfig({ cors_allowed_origins: ["https://a.example", "*"] }).cors_allowed_origins).toBe("*");
  });

  it("ignores _comment keys and $schema at any depth, and null values", () => {
    const config = parseConfig({
      $schema: "./voxray.schema.json",
      _comment: "top",
      _comment_server: "section",
      port: 9000,
      redis_url: null,
      recording: { _comment: "inner", enable: false },
      webrtc_ice_servers: [{ _comment: "in a list", urls: "stun:s:3478" }],
    });
    expect(config.port).toBe(9000);
    expect(config.redis_url).toBeUndefined();
    expect(config.webrtc_ice_servers).toEqual([{ urls: ["stun:s:3478"] }]);
    expect(Object.keys(config).some((k) => k.startsWith("_") || k.startsWith("$"))).toBe(false);
  });

  it("accepts port 0 (a free port from the OS)", () => {
    expect(parseConfig({ port: 0 }).port).toBe(0);
  });
});
