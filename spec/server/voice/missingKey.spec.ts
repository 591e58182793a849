// A config that names a provider whose API key is nowhere (not in api_keys, not in the
// environment) must not start a server, let alone an echo server: prepareVoice throws a
// message naming the config entry and the environment variable, and `voxray serve` exits 1
// with it on stderr.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lib/config/load.ts";
import { prepareVoice, VoiceConfigError } from "../../../lib/server/voiceStage.ts";

const dir = mkdtempSync(join(tmpdir(), "voxray-voice-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The child sees no provider keys or VOXRAY_* settings from the developer's shell.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("VOXRAY_") && !name.endsWith("_API_KEY")),
);

const CONFIG = { provider: "openai", model: "gpt-4o-mini", host: "127.0.0.1", port: 0 };

function serveWith(name: string, config: object): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return new Promise((done) => {
    execFile(process.execPath, [resolve("bin/voxray.js"), "serve", "--config", file], { cwd: dir, env: cleanEnv, timeout: 15_000 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }),
    );
  });
}

describe("a provider with no API key", () => {
  it("prepareVoice throws a VoiceConfigError naming api_keys.openai and OPENAI_API_KEY", () => {
    const attempt = () => prepareVoice(parseConfig(CONFIG), {});
    expect(attempt).toThrow(VoiceConfigError);
    expect(attempt).toThrow(/api_keys\.openai.*OPENAI_API_KEY/);
  });

  it("`voxray serve --config` exits 1 and says which variable to set", async () => {
    const run = await serveWith("voice.json", CONFIG);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/OPENAI_API_KEY/);
    expect(run.stderr).toMatch(/api_keys\.openai/);
    expect(run.stdout).not.toMatch(/listening/);
  });

  it("the same for a provider only the voice stage knows needs a key (serve() runs prepareVoice)", async () => {
    const config = { ...CONFIG, model: undefined, llm_provider: "together", api_keys: { openai: "sk-present" } };
    const run = await serveWith("together.json", config);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/LLM provider "together" needs an API key: set api_keys\.together .* TOGETHER_API_KEY/);
    expect(run.stdout).not.toMatch(/listening/);
  });
});
