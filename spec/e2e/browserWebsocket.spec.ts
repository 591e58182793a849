// The browser client at / over WebSocket, in real Chromium with a fake microphone: the
// server's VAD hears the speech, the bot's audio is played by the page, and a barge-in stops
// it at once (the InterruptionFrame reaches the page, which drops its queued buffers, and no
// bot audio frame arrives afterwards until the next turn ends).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium, type ChromiumSession } from "../support/chromium.ts";
import { missingPrograms } from "../support/programs.ts";
import { bargeInWav, connectClient, expectBargeIn, framesBetween, pageRecord, STOP_GRACE_MS, startVoiceServer, timesOf, waitForUserTurns, type VoiceServer } from "./harness.ts";

const missing = chromiumMissing() ?? missingPrograms({ flite: "flite", sox: "sox" });

describe.skipIf(missing)("browser client over WebSocket (Chromium)", () => {
  let voice: VoiceServer;
  let chrome: ChromiumSession;

  beforeAll(async () => {
    const wav = await bargeInWav();
    voice = await startVoiceServer();
    chrome = await launchChromium({ microphoneWav: wav.path });
  });
  afterAll(async () => {
    await chrome?.close();
    await voice?.close();
  });

  it("hears the user, plays the bot, and stops the bot when the user barges in", async () => {
    const { page } = chrome;
    await connectClient(page, voice.server.url, "websocket");
    await waitForUserTurns(page, 2, 20_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\npage log:\n${chrome.log.join("\n")}`);
    });
    const record = await pageRecord(page);
    const figures = expectBargeIn(record);

    // No bot audio frame at all between the interruption (plus the frames already in flight
    // on the socket) and the end of the interrupting turn.
    const interruptAt = timesOf(record.events, "user-started-speaking")[1]!;
    const secondTurnEnd = timesOf(record.events, "user-stopped-speaking")[1]!;
    expect(record.interruptions).toBeGreaterThanOrEqual(1);
    expect(framesBetween(record.levels, interruptAt + STOP_GRACE_MS / 2, secondTurnEnd)).toBe(0);

    // Server side: the VAD found both sentences, and the second one interrupted.
    const types = voice.frames.map((f) => f.type);
    expect(types.filter((t) => t === "VADUserStartedSpeakingFrame").length).toBeGreaterThanOrEqual(2);
    expect(types).toContain("InterruptionFrame");
    console.info(`websocket barge-in: bot spoke ${Math.round(figures.botMs)} ms (peak RMS ${figures.peak.toFixed(3)}), then max RMS ${figures.after.toFixed(4)} for ${Math.round(figures.silentMs)} ms`);
  });
});
