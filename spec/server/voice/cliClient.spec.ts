// `voxray client` against a real server running the default config (turn taking → echo of
// finished turns): the client speaks (flite, --say) or streams a WAV (--wav, 22.05 kHz stereo,
// resampled and downmixed to 16 kHz mono), prints the turn as event lines, writes the echoed
// turn to --out and exits 0 once the server has been quiet for --quiet-secs. JSON and
// protobuf run side by side.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeWav } from "../../../lib/audio/wav.ts";
import { missingPrograms } from "../../support/programs.ts";
import { makeSpeechWav } from "../../support/speech.ts";
import { pcmMs, startVoiceServer, type VoiceServer } from "./support.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "voxray-client-"));

describe.skipIf(skip)("voxray client", () => {
  let server: VoiceServer;
  beforeAll(async () => {
    server = await startVoiceServer({});
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (args: string[]) =>
    run(process.execPath, [resolve("bin/voxray.js"), "client", "--url", `${server.wsUrl}/ws`, "--quiet-secs", "1", ...args], { cwd: dir, timeout: 20_000 });

  it("speaks or streams a WAV, prints the turn, writes the echoed turn, exits 0", async () => {
    const wav = await makeSpeechWav({ segments: [{ silenceMs: 200 }, { say: "Testing the client." }], rate: 22_050 });
    const stereo = join(dir, "stereo.wav");
    await run("sox", [wav.path, "-c", "2", stereo]);

    const [json, proto] = await Promise.all([
      client(["--say", "Hello from the command line.", "--out", join(dir, "json.wav")]),
      client(["--wav", stereo, "--format", "protobuf", "--out", join(dir, "proto.wav")]),
    ]);

    for (const [name, result] of [["json", json], ["proto", proto]] as const) {
      const lines = result.stdout.trim().split("\n");
      const events = lines.map((l) => l.replace(/^\[\s*[\d.]+s\] /, ""));
      const at = (event: string) => events.findIndex((e) => e.startsWith(event));
      expect(at("user-started-speaking")).toBeGreaterThan(0);
      expect(at("user-stopped-speaking")).toBeGreaterThan(at("user-started-speaking"));
      expect(at("bot-started-speaking")).toBeGreaterThan(at("user-stopped-speaking"));
      expect(at("bot-stopped-speaking")).toBeGreaterThan(at("bot-started-speaking"));
      expect(events).toContain("nothing for 1.0 s; done");
      expect(lines.at(-1)).toMatch(new RegExp(`^wrote .*${name}\\.wav \\([\\d.]+ s of bot audio at 24000 Hz\\)$`));
      const reply = decodeWav(readFileSync(join(dir, `${name}.wav`)));
      // The echoed turn: at least the words and the 0.8 s that ended the turn.
      expect(pcmMs(reply.pcm.byteLength, reply.sampleRate)).toBeGreaterThan(1_500);
    }
    expect(proto.stdout).toMatch(/bot-ready/);
  });

  it("exits 1 with a clear message when nothing listens at the URL", async () => {
    const attempt = run(process.execPath, [resolve("bin/voxray.js"), "client", "--url", "ws://127.0.0.1:9/ws"], { cwd: dir, timeout: 10_000 });
    await expect(attempt).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^voxray client: cannot connect to ws:\/\/127\.0\.0\.1:9\/ws: .*ECONNREFUSED/) });
  });
});
