// The default config (no provider, turn_detection "vad") runs turn taking in front of the echo
// plugin: Silero finds the spoken turn, and once the turn has ended (0.8 s of silence) the
// whole turn — 500 ms lead-in, the words, the silence that ended it — comes back as bot audio.
// Nothing is echoed while the user is still speaking.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingPrograms } from "../../support/programs.ts";
import { makeSpeechWav, type SpeechWav } from "../../support/speech.ts";
import { connect, jsonAudio } from "../harness.ts";
import { RealTimeMic, pcmMs, startVoiceServer, type VoiceServer } from "./support.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });

describe.skipIf(skip)("default config: echo of finished turns over /ws", () => {
  let server: VoiceServer;
  let speech: SpeechWav;
  beforeAll(async () => {
    [server, speech] = await Promise.all([
      startVoiceServer({}),
      makeSpeechWav({ segments: [{ silenceMs: 200 }, { say: "Testing one two three." }] }),
    ]);
  });
  afterAll(() => server?.close());

  it("echoes the spoken turn once it has ended, and nothing before", async () => {
    expect(server.voice.mode).toBe("turns");
    const client = await connect(`${server.wsUrl}/ws`);
    const mic = new RealTimeMic((pcm) => client.send(jsonAudio(pcm)));
    mic.start();
    await mic.say(speech.pcm);
    const type = (t: string) => (m: { binary: boolean; data: Buffer }) => !m.binary && JSON.parse(m.data.toString("utf8")).type === t;
    await client.waitFor(type("BotStoppedSpeakingFrame"), 8_000);
    mic.stop();

    const messages = client.json();
    const types = messages.map((m) => m.type as string);
    const stopped = types.indexOf("UserStoppedSpeakingFrame");
    expect(types.indexOf("UserStartedSpeakingFrame")).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeGreaterThan(types.indexOf("UserStartedSpeakingFrame"));
    expect(types.indexOf("OutputAudioRawFrame")).toBeGreaterThan(stopped);

    const echoedMs = messages
      .filter((m) => m.type === "OutputAudioRawFrame")
      .reduce((ms, m) => ms + pcmMs(Buffer.from(m.data.audio, "base64").length, m.data.sample_rate), 0);
    const spokenMs = speech.speech[0]!.endMs - speech.speech[0]!.startMs;
    // One turn: lead-in (≤ 500 ms, there are 200 ms of silence before the words) + words + stop.
    expect(echoedMs).toBeGreaterThan(spokenMs + 200 + 600);
    expect(echoedMs).toBeLessThan(spokenMs + 500 + 800 + 500);
    expect(types.filter((t) => t === "UserStartedSpeakingFrame")).toHaveLength(1);
    client.close();
    await client.closed;
  });
});
