// The starter config from `voxray init` loads cleanly, runs as an echo agent, and explains
// each section.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initTemplateText } from "../../lib/config/initTemplate.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { requiredKeyProblems, voiceEnabled } from "../../lib/config/apiKeys.ts";

const dir = mkdtempSync(join(tmpdir(), "voxray-init-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("initTemplateText", () => {
  const file = join(dir, "config.json");
  writeFileSync(file, initTemplateText());
  const loaded = loadConfig({ path: file, env: {} });

  it("validates with no warnings and starts without any API key", () => {
    expect(loaded.warnings).toEqual([]);
    expect(voiceEnabled(loaded.config)).toBe(false);
    expect(loaded.config.plugins).toEqual(["echo"]);
    expect(requiredKeyProblems(loaded.config, {})).toEqual([]);
  });

  it("turns into a voice agent by setting provider", () => {
    const text = initTemplateText().replace('"provider": ""', '"provider": "groq"');
    writeFileSync(join(dir, "voice.json"), text);
    const voice = loadConfig({ path: join(dir, "voice.json"), env: {} }).config;
    expect(voiceEnabled(voice)).toBe(true);
    expect(requiredKeyProblems(voice, {})[0]).toContain("GROQ_API_KEY");
  });

  it("explains every section in a _comment key", () => {
    const keys = Object.keys(JSON.parse(initTemplateText()) as object);
    for (const section of ["server", "providers", "turns", "interruptions", "webrtc", "scaling", "observability"]) {
      expect(keys).toContain(`_comment_${section}`);
    }
  });

  it("is pretty-printed JSON ending in a newline", () => {
    expect(initTemplateText()).toMatch(/^\{\n {2}"_comment": .*\n\}\n$/s);
  });
});
