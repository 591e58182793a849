// Loading: which file is read, how JSON errors are reported, precedence of
// flag > environment > file > default, and warnings for keys that would be ignored.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors.ts";
import { BUILTIN_CONFIG_PATH, loadConfig } from "../../lib/config/load.ts";

const root = mkdtempSync(join(tmpdir(), "voxray-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory holding the given files. */
function dirWith(files: Record<string, unknown>): string {
  const dir = join(root, String(dirs++));
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

function loadError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("which file", () => {
  const cwd = dirWith({ "config.json": { port: 1001 }, "flag.json": { port: 1002 }, "env.json": { port: 1003 } });

  it("takes the explicit path first, then VOXRAY_CONFIG, then ./config.json", () => {
    const env = { VOXRAY_CONFIG: "env.json" };
    expect(loadConfig({ path: "flag.json", env, cwd })).toMatchObject({
      config: { port: 1002 },
      source: join(cwd, "flag.json"),
      origin: "path",
    });
    expect(loadConfig({ env, cwd })).toMatchObject({ config: { port: 1003 }, source: join(cwd, "env.json"), origin: "VOXRAY_CONFIG" });
    expect(loadConfig({ env: {}, cwd })).toMatchObject({ config: { port: 1001 }, source: join(cwd, "config.json"), origin: "cwd" });
  });

  it("falls back to the built-in echo agent with turn detection", () => {
    const loaded = loadConfig({ env: {}, cwd: dirWith({}) });
    expect(loaded.source).toBe(BUILTIN_CONFIG_PATH);
    expect(loaded.origin).toBe("default");
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toMatchObject({
      port: 8080,
      transport: "both",
      plugins: ["echo"],
      turn_detection: "vad",
      vad_type: "silero",
      allow_interruptions: true,
    });
    expect(loaded.config.provider).toBeUndefined();
  });

  it("fails on a named file that does not exist, saying who named it", () => {
    const cwd = dirWith({});
    expect(loadError(() => loadConfig({ path: "nope.json", env: {}, cwd })).issues).toEqual([
      { path: "", message: `config file not found: ${join(cwd, "nope.json")}` },
    ]);
    expect(loadError(() => loadConfig({ env: { VOXRAY_CONFIG: "gone.json" }, cwd })).issues[0]?.message).toBe(
      `config file not found: ${join(cwd, "gone.json")} (named by VOXRAY_CONFIG)`,
    );
    expect(loadError(() => loadConfig({ path: ".", env: {}, cwd })).issues[0]?.message).toContain("is a directory");
  });
});

describe("JSON errors", () => {
  it("name the file, line and column", () => {
    const cwd = dirWith({ "bad.json": '{\n  "port": 8080,\n  "host": "x",\n}\n' });
    const error = loadError(() => loadConfig({ path: "bad.json", env: {}, cwd }));
    expect(error.file).toBe(join(cwd, "bad.json"));
    expect(error.issues[0]?.message).toBe(`${join(cwd, "bad.json")}:4:1: invalid JSON: trailing comma before }`);
  });

  it("refuse a file whose top level is not an object", () => {
    const cwd = dirWith({ "list.json": "[1, 2]" });
    expect(loadError(() => loadConfig({ path: "list.json", env: {}, cwd })).issues[0]?.message).toContain(
      "the top level must be a JSON object",
    );
  });

  it("accept a UTF-8 byte order mark", () => {
    const cwd = dirWith({ "bom.json": '\uFEFF{"port": 1234}' });
    expect(loadConfig({ path: "bom.json", env: {}, cwd }).config.port).toBe(1234);
  });
});

describe("precedence", () => {
  const cwd = dirWith({ "c.json": { port: 2001, host: "127.0.0.1", transport: "smallwebrtc" } });

  it("is flag > environment > file > default", () => {
    const env = { VOXRAY_PORT: "2002", VOXRAY_HOST: "10.0.0.1" };
    const base = { path: "c.json", cwd };
    expect(loadConfig({ ...base, env: {} }).config).toMatchObject({ port: 2001, host: "127.0.0.1", transport: "smallwebrtc" });
    expect(loadConfig({ ...base, env }).config).toMatchObject({ port: 2002, host: "10.0.0.1" });
    expect(loadConfig({ ...base, env, overrides: { port: 2003, host: undefined } }).config).toMatchObject({
      port: 2003,
      host: "10.0.0.1",
    });
    expect(loadConfig({ path: "c.json", cwd, env: {}, overrides: { transport: "both" } }).config.transport).toBe("both");
    // The default applies only where nobody set the key.
    expect(loadConfig({ ...base, env }).config.max_request_body_bytes).toBe(262_144);
  });

  it("names the environment variable or flag behind an invalid value", () => {
    const error = loadError(() =>
      loadConfig({ path: "c.json", cwd, env: { VOXRAY_PORT: "70000", VOXRAY_TLS_ENABLE: "perhaps" }, overrides: { transport: "udp" as never } }),
    );
    expect(Object.fromEntries(error.issues.map((i) => [i.path, i.message]))).toEqual({
      port: "expected a number ≤ 65535, got 70000 (set by VOXRAY_PORT)",
      tls_enable: 'expected true/1 or false/0, got "perhaps" (set by VOXRAY_TLS_ENABLE)',
      transport: 'expected one of "websocket", "smallwebrtc", "both", got "udp" (set by --transport)',
    });
  });
});

describe("warnings", () => {
  function warningsFor(content: unknown, env: Record<string, string> = {}): string[] {
    return loadConfig({ path: "c.json", cwd: dirWith({ "c.json": content }), env }).warnings;
  }

  it("report an unknown key with the closest known one, and still load", () => {
    const cwd = dirWith({ "c.json": { trun_stop_secs: 1.5, port: 3000 } });
    const loaded = loadConfig({ path: "c.json", cwd, env: {} });
    expect(loaded.config.port).toBe(3000);
    expect(loaded.config.turn_stop_secs).toBe(0.8);
    expect(loaded.warnings).toEqual(['unknown key "trun_stop_secs" (did you mean "turn_stop_secs"?); ignored']);
  });

  it("look inside sections and ICE server objects, and know camelCase is not a new key", () => {
    expect(
      warningsFor({
        turnStopSecs: 1,
        recording: { buckett: "b" },
        transcripts: { tabel_name: "t" },
        mcp: { command: "x", tool_filter: [] },
        webrtc_ice_servers: [{ urls: "stun:s:1", user: "u" }],
        zzqqxx: 1,
      }),
    ).toEqual([
      'unknown key "turnStopSecs" (did you mean "turn_stop_secs"?); ignored',
      'unknown key "zzqqxx"; ignored',
      'unknown key "recording.buckett" (did you mean "recording.bucket"?); ignored',
      'unknown key "transcripts.tabel_name" (did you mean "transcripts.table_name"?); ignored',
      'unknown key "mcp.tool_filter" (did you mean "mcp.tools_filter"?); ignored',
      'unknown key "webrtc_ice_servers[0].user" (did you mean "webrtc_ice_servers[0].username"?); ignored',
    ]);
  });

  it("explain Go keys that do nothing", () => {
    expect(warningsFor({ runner_port: 7860, vad_batch_size: 1 })).toEqual([
      'key "runner_port" has no effect (the runner shares the server\'s port); ignored',
      'key "vad_batch_size" has no effect (it was never used); ignored',
    ]);
  });

  it("catch misspelt VOXRAY_ variables but leave unrelated ones alone", () => {
    expect(warningsFor({}, { VOXRAY_PROT: "9000", VOXRAY_SOMETHING_ELSE_ENTIRELY: "1", VOXRAY_VAD_BATCH_SIZE: "4" })).toEqual([
      "unknown environment variable VOXRAY_PROT (did you mean VOXRAY_PORT?); ignored",
      "environment variable VOXRAY_VAD_BATCH_SIZE has no effect; ignored",
    ]);
  });

  it("point out settings that cannot take effect", () => {
    expect(warningsFor({ stt_provider: "groq" })).toEqual([
      "stt_provider is set but the voice pipeline is off: set provider or llm_provider to turn it on",
    ]);
    expect(warningsFor({ provider: "opnai", tts_provider: "anthropic" })).toEqual([
      'provider "opnai" is not a known provider',
      'tts_provider "anthropic" does not offer TTS',
    ]);
    expect(warningsFor({ interruption_strategy: "min_words", allow_interruptions: false })).toEqual([
      "interruption_strategy has no effect while allow_interruptions is false",
    ]);
    expect(warningsFor({ turn_stop_secs: 3, user_turn_stop_timeout_secs: 2 })[0]).toContain("shorter than turn_stop_secs");
  });

  it("are empty for the shipped examples", () => {
    for (const name of ["openai", "groq", "ollama"]) {
      const loaded = loadConfig({ path: `config/examples/${name}.json`, cwd: process.cwd(), env: {} });
      expect(loaded.warnings, name).toEqual([]);
    }
  });
});
