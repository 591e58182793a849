// The voxray CLI as users run it: `node bin/voxray.js …` in a child process, checked by
// exit code and output. Each child takes about a second to start (tsx compiles on load),
// so only what needs a real process is here; the commands' logic is covered in-process
// by spec/config/cli.spec.ts.

import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const BIN = resolve("bin/voxray.js");
const SERVE_MODULE = resolve("lib/server/serve.ts");
const dir = mkdtempSync(join(tmpdir(), "voxray-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The child sees no provider keys and no VOXRAY_* settings from the developer's shell.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.startsWith("VOXRAY_") && !name.endsWith("_API_KEY") && name !== "PORT" && name !== "HOST",
  ),
);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function voxray(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...cleanEnv, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return name;
}

describe("voxray config check", () => {
  it("prints OK, the pipeline and the warnings, and exits 0", async () => {
    const run = await voxray(["config", "check", file("ok.json", { port: 9100, trun_stop_secs: 1, plugins: ["echo"] })]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.split("\n")).toEqual([
      `OK ${join(dir, "ok.json")}`,
      "  plugin pipeline: echo",
      "  listens on *:9100 (websocket)",
      'warning: unknown key "trun_stop_secs" (did you mean "turn_stop_secs"?); ignored',
      "",
    ]);
  });

  it("lists every problem with its key path, including environment overrides, and exits 1", async () => {
    const bad = file("bad.json", { port: -1, webrtc_ice_servers: ["stun:a:1", { urls: "http://b" }], session_store: "redis" });
    const run = await voxray(["config", "check", bad], { VOXRAY_LOG_LEVEL: "loud" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")).toEqual([
      `voxray: invalid configuration in ${join(dir, "bad.json")} (4 problems):`,
      "  port: expected a number ≥ 0, got -1",
      '  webrtc_ice_servers[1].urls: expected a stun:, stuns:, turn: or turns: URL, got "http://b"',
      '  log_level: expected one of "debug", "info", "warn", "error", "silent", got "loud" (set by VOXRAY_LOG_LEVEL)',
      '  redis_url: required when session_store is "redis"',
      "",
    ]);
  });

  it("reports a JSON syntax error at its line and column, and exits 1", async () => {
    const run = await voxray(["config", "check", file("broken.json", '{\n  "port": 8080\n  "host": ""\n}')]);
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `voxray: ${join(dir, "broken.json")}:3:3: invalid JSON: expected ',' or '}' after the value (missing comma?)\n`,
    });
  });
});

describe("voxray config schema", () => {
  it("prints the JSON Schema", async () => {
    const run = await voxray(["config", "schema"]);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { title: string; properties: Record<string, { default?: unknown }> };
    expect(schema.title).toBe("Voxray configuration");
    expect(schema.properties["port"]?.default).toBe(8080);
  });
});

describe("voxray serve", () => {
  it("names the missing key and exits 1 instead of falling back to echo", async () => {
    const run = await voxray(["serve", "--config", file("voice.json", { provider: "openai" })]);
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'voxray: STT, LLM and TTS provider "openai" needs an API key: set api_keys.openai in the config file or set the OPENAI_API_KEY environment variable\n',
    });
  });

  it("rejects a bad --port flag", async () => {
    const run = await voxray(["serve", "--port", "http"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("expected a port number from 0 to 65535");
  });

  it.runIf(existsSync(SERVE_MODULE))("starts the server with flag overrides, then shuts down cleanly on SIGTERM", async () => {
    const { child, url, stderr, exited } = await serve();
    expect(url, stderr()).toBeDefined();
    // A served request proves start-up has finished (signal handlers included).
    expect((await fetch(`${url}/health`)).status).toBeLessThan(500);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  // On one core the CLI restarts itself with --single-threaded-gc (lib/server/nodeFlags.ts);
  // VOXRAY_NODE_FLAGS asks for it here whatever the machine has.
  it.runIf(existsSync(SERVE_MODULE) && existsSync("/proc/self/task"))(
    "restarts itself with the node flags it needs; one stop signalled to both processes at once is one graceful stop",
    async () => {
      const { child, url, stderr, exited } = await serve({ VOXRAY_NODE_FLAGS: "--single-threaded-gc" });
      expect(url, stderr()).toBeDefined();
      expect((await fetch(`${url}/health`)).status).toBeLessThan(500);
      const server = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/)[0]);
      expect(readFileSync(`/proc/${server}/cmdline`, "utf8").split("\0")).toContain("--single-threaded-gc");
      // As a supervisor that signals the whole group: the parent passes its copy on as well.
      process.kill(server, "SIGTERM");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr()).not.toContain("second signal");
    },
  );
});

/** `voxray serve` on an echo config and a free port: the process, the URL it printed (undefined if it exited first). */
async function serve(env: Record<string, string> = {}) {
  const config = file("echo.json", { port: 8080, host: "0.0.0.0", plugins: ["echo"], log_level: "warn" });
  const child = spawn(process.execPath, [BIN, "serve", "--config", config, "--port", "0", "--host", "127.0.0.1"], {
    cwd: dir,
    env: { ...cleanEnv, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const url = await new Promise<string | undefined>((done) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout);
      if (found) done(found[0]);
    });
    void exited.then(() => done(undefined));
  });
  return { child, url, exited, stderr: () => stderr + stdout };
}
