// Heard text: when the bot is interrupted, only what was played counts. Audio plays at real
// time from BotStartedSpeaking, so played = min(sent, time since start); a sentence counts in
// full, not at all, or by the words played to their end (word timings when given, else in
// proportion to its audio).

import { describe, expect, it } from "vitest";
import { heardTextTracker } from "../../../lib/processors/aggregators/assistantContext.ts";

/** Three sentences of 1 s each: a 3 s response. */
function threeSecondResponse() {
  const t = heardTextTracker();
  t.startResponse();
  t.sentence("One two three four five.");
  t.audio(1000);
  t.sentence("Six seven eight nine ten.");
  t.audio(400);
  t.audio(600);
  t.sentence("Eleven twelve.");
  t.audio(1000);
  return t;
}

describe("heardTextTracker", () => {
  it("keeps the first sentence and a proportional prefix of the second after 1.2 s of a 3 s response", () => {
    const t = threeSecondResponse();
    t.botStarted(10_000);
    const [cut] = t.interrupt(11_200);
    // 200 ms of the 1 s second sentence: 1 of its 5 words has played to its end.
    expect(cut?.heard).toBe("One two three four five. Six");
  });

  it("keeps everything once all audio has played, and nothing before playback started", () => {
    const t = threeSecondResponse();
    expect(t.interrupt(0)[0]?.heard).toBe("");
    const u = threeSecondResponse();
    u.botStarted(0);
    expect(u.interrupt(5_000)[0]?.heard).toBe("One two three four five. Six seven eight nine ten. Eleven twelve.");
  });

  it("never counts more than was sent: playback cannot run ahead of the audio", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.sentence("Alpha beta gamma delta.");
    t.audio(500); // TTS is still producing the rest of this sentence
    t.botStarted(0);
    expect(t.playedMs(2_000)).toBe(500);
    // 500 ms sent of a sentence whose duration so far is 500 ms: it has all played.
    expect(t.interrupt(2_000)[0]?.heard).toBe("Alpha beta gamma delta.");
  });

  it("uses the provider's word timings when they are given", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.sentence("Hello there, general Kenobi.");
    t.audio(1000, [
      { word: "Hello", start_ms: 0 },
      { word: "there,", start_ms: 100 },
      { word: "general", start_ms: 700 },
      { word: "Kenobi.", start_ms: 900 },
    ]);
    t.botStarted(0);
    // At 750 ms "there," (100–700) has ended; "general" (700–900) has not.
    expect(t.interrupt(750)[0]?.heard).toBe("Hello there,");
  });

  it("pauses the clock while the transport is not playing (an underrun)", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.sentence("First part here.");
    t.audio(1000);
    t.botStarted(0);
    t.botStopped(1_000); // ran dry: everything sent has played
    t.sentence("Second part arrives late.");
    t.audio(1000);
    t.botStarted(5_000);
    expect(t.playedMs(5_500)).toBe(1_500);
    expect(t.interrupt(5_500)[0]?.heard).toBe("First part here. Second part");
  });

  it("counts text delivered without audio at once, and skips sentences kept out of the context", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.text("Shown ");
    t.text("only.");
    t.sentence("Spoken but private.", false);
    t.audio(1000);
    t.sentence("Spoken.");
    t.audio(1000);
    t.botStarted(0);
    expect(t.interrupt(100)[0]?.heard).toBe("Shown only.");
  });

  it("gives the whole text at the end of a response, leaving out sentences that produced no audio", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.sentence("Spoken.");
    t.audio(300);
    t.sentence("Failed to synthesize.");
    expect(t.endResponse()?.text).toBe("Spoken.");
    expect(t.endResponse()).toBeUndefined();
  });

  it("forgets responses once their audio has played, so an interruption only touches what still plays", () => {
    const t = heardTextTracker();
    t.startResponse();
    t.sentence("Old answer.");
    t.audio(1000);
    t.endResponse();
    t.botStarted(0);
    t.startResponse();
    t.sentence("New answer words.");
    t.audio(1000);
    t.endResponse();
    t.prune(1_200);
    expect(t.tracked).toHaveLength(1);
    const cut = t.interrupt(1_500);
    expect(cut.map((c) => c.heard)).toEqual(["New"]);
    expect(t.tracked).toHaveLength(0);
    expect(t.playedMs(9_000)).toBe(0);
  });
});
