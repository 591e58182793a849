// The browser client at / over WebRTC, in real Chromium with a fake microphone: POST /start,
// an offer to /sessions/{id}/api/offer (werift answers on 127.0.0.1 only), RTVI on the "chat"
// data channel. The server's VAD hears the speech, the bot's audio reaches the page's remote
// track, and a barge-in silences it at once (the server stops sending RTP).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium, type ChromiumSession } from "../support/chromium.ts";
import { missingPrograms } from "../support/programs.ts";
import { bargeInWav, connectClient, expectBargeIn, pageRecord, startVoiceServer, waitForUserTurns, type VoiceServer } from "./harness.ts";

const missing = chromiumMissing() ?? missingPrograms({ flite: "flite", sox: "sox" });

describe.skipIf(missing)("browser client over WebRTC (Chromium)", () => {
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
    await connectClient(page, voice.server.url, "webrtc");
    await waitForUserTurns(page, 2, 20_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\npage log:\n${chrome.log.join("\n")}`);
    });
    const figures = expectBargeIn(await pageRecord(page));

    const types = voice.frames.map((f) => f.type);
    expect(types.filter((t) => t === "VADUserStartedSpeakingFrame").length).toBeGreaterThanOrEqual(2);
    expect(types).toContain("InterruptionFrame");
    // The session ran as the /start session: its id is the one /start handed out.
    const [session] = voice.server.sessions.all();
    expect(session?.kind).toBe("webrtc");
    console.info(`webrtc barge-in: bot spoke ${Math.round(figures.botMs)} ms (peak RMS ${figures.peak.toFixed(3)}), then max RMS ${figures.after.toFixed(4)} for ${Math.round(figures.silentMs)} ms`);
  });
});
