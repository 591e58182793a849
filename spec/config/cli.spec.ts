// The commands behind `voxray`, run in-process with captured output. spec/bin/voxray.spec.ts
// runs the real executable for the cases that need a process.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runConfigCheck, runInit, runServe, type CliIo } from "../../lib/config/cli.ts";
import type { VoxrayConfig } from "../../lib/config/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "voxray-cli-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** A stand-in for lib/server/serve.ts: records its call on globalThis. */
function serverModule(name: string, body: string): URL {
  return pathToFileURL(file(name, body));
}

describe("runInit", () => {
  it("writes the starter config, refuses to overwrite it, and overwrites with force", () => {
    const io = capture();
    expect(runInit({ path: "sub/dir/voxray.json", force: false, cwd: dir }, io)).toBe(0);
    const written = join(dir, "sub/dir/voxray.json");
    expect(io.stdout[0]).toBe(`wrote ${written}`);
    expect(runConfigCheck({ path: written, cwd: dir, env: {} }, capture())).toBe(0);

    writeFileSync(written, "{}");
    const refused = capture();
    expect(runInit({ path: written, force: false, cwd: dir }, refused)).toBe(1);
    expect(refused.stderr).toEqual([`voxray: ${written} already exists; use --force to overwrite it`]);
    expect(readFileSync(written, "utf8")).toBe("{}");

    expect(runInit({ path: written, force: true, cwd: dir }, capture())).toBe(0);
    expect(readFileSync(written, "utf8")).toContain('"_comment_server"');
  });
});

describe("runConfigCheck", () => {
  it("fails on a missing file with one line", () => {
    const io = capture();
    expect(runConfigCheck({ path: "missing.json", cwd: dir, env: {} }, io)).toBe(1);
    expect(io.stderr).toEqual([`voxray: config file not found: ${join(dir, "missing.json")}`]);
  });

  it("checks the file the server would use when no path is given", () => {
    const io = capture();
    file("named.json", { port: 4321 });
    expect(runConfigCheck({ cwd: dir, env: { VOXRAY_CONFIG: "named.json" } }, io)).toBe(0);
    expect(io.stdout.slice(0, 3)).toEqual([
      `OK ${join(dir, "named.json")}`,
      "  plugin pipeline: (no plugins)",
      "  listens on *:4321 (websocket)",
    ]);
  });

  it("warns, without failing, that serve would refuse to start without a key", () => {
    const path = file("voice.json", { provider: "groq", model: "llama-3.3-70b-versatile" });
    const io = capture();
    expect(runConfigCheck({ path, cwd: dir, env: {} }, io)).toBe(0);
    expect(io.stdout).toContain("  voice pipeline: STT groq → LLM groq (llama-3.3-70b-versatile) → TTS groq");
    expect(io.stdout.at(-1)).toBe(
      'warning: serve would refuse to start: STT, LLM and TTS provider "groq" needs an API key: ' +
        "set api_keys.groq in the config file or set the GROQ_API_KEY environment variable",
    );
    const keyed = capture();
    runConfigCheck({ path, cwd: dir, env: { GROQ_API_KEY: "gsk" } }, keyed);
    expect(keyed.stdout.some((line) => line.startsWith("warning"))).toBe(false);
  });
});

describe("runServe", () => {
  const echo = file("echo.json", { plugins: ["echo"], bogus_key: 1 });
  const source = { path: echo, cwd: dir, env: {}, overrides: { port: 0 } };

  it("hands the validated config, its warnings and its source to serve()", async () => {
    const module = serverModule(
      "serve-ok.mjs",
      `export async function serve(config, options) {
         globalThis.voxrayServeCall = { config, options };
         return { async close() {} };
       }`,
    );
    expect(await runServe(source, module, capture())).toBe(0);
    const call = (globalThis as { voxrayServeCall?: { config: VoxrayConfig; options: unknown } }).voxrayServeCall;
    expect(call?.config).toMatchObject({ port: 0, plugins: ["echo"] });
    expect(call?.options).toEqual({ warnings: ['unknown key "bogus_key"; ignored'], configSource: echo });
  });

  it("fails clearly when the server module is missing, or has no serve()", async () => {
    const missing = capture();
    expect(await runServe(source, pathToFileURL(join(dir, "nope.ts")), missing)).toBe(1);
    expect(missing.stderr).toEqual(["voxray: cannot serve: the server module (lib/server/serve.ts) is not in this installation"]);
    const empty = capture();
    expect(await runServe(source, serverModule("serve-none.mjs", "export const x = 1;"), empty)).toBe(1);
    expect(empty.stderr).toEqual(["voxray: cannot serve: lib/server/serve.ts does not export a serve() function"]);
  });

  it("reports a server that fails to start, without a stack trace", async () => {
    const module = serverModule(
      "serve-fail.mjs",
      "export async function serve() { throw new Error('listen EADDRINUSE: address already in use :::8080'); }",
    );
    const io = capture();
    expect(await runServe(source, module, io)).toBe(1);
    expect(io.stderr).toEqual(["voxray: the server did not start: listen EADDRINUSE: address already in use :::8080"]);
  });

  it("does not import the server when the config is invalid or a key is missing", async () => {
    const module = serverModule(
      "serve-never.mjs",
      "globalThis.voxrayImported = true; export async function serve() { return { async close() {} }; }",
    );
    const invalid = capture();
    expect(await runServe({ ...source, overrides: { port: 99_999 } }, module, invalid)).toBe(1);
    expect(invalid.stderr).toEqual([
      `voxray: invalid configuration in ${echo} (1 problem):`,
      "  port: expected a number ≤ 65535, got 99999 (set by --port)",
    ]);
    const keyless = capture();
    const voice = file("v.json", { llm_provider: "anthropic", stt_provider: "groq", tts_provider: "groq" });
    expect(await runServe({ ...source, path: voice }, module, keyless)).toBe(1);
    expect(keyless.stderr).toHaveLength(2);
    expect((globalThis as { voxrayImported?: boolean }).voxrayImported).toBeUndefined();
  });
});
