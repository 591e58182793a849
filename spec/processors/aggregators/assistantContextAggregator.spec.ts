// Only words the user actually heard enter the assistant's context. A response is committed whole
// when it ends; if the user interrupts before its audio has played out, the message is cut back
// to what was played by then (BotStartedSpeaking marks the start of real-time playback), or is
// committed with only its heard words when it had not ended yet.

import { describe, expect, it } from "vitest";
import { createLLMContext, type LLMContextStore } from "../../../lib/processors/aggregators/llmContext.ts";
import { assistantContextAggregator } from "../../../lib/processors/aggregators/assistantContextAggregator.ts";
import { testScheduler } from "../../support/marbles.ts";
import { audioFrame, counterIds, type Frame } from "../../../lib/frames/index.ts";
import { drive, f, FAKE_TTS_RATE, pcmMs, show, testContext } from "../voice/fakes.ts";

const audio = (ms: number): Frame => audioFrame(counterIds(900_000), "TTSAudioRawFrame", pcmMs(ms), FAKE_TTS_RATE, 1);

const frames = {
  s: f("LLMFullResponseStartFrame", {}),
  g: f("TTSStartedFrame", {}),
  1: f("TTSTextFrame", { text: "One two three four five." }),
  2: f("TTSTextFrame", { text: "Six seven eight nine ten." }),
  3: f("TTSTextFrame", { text: "Eleven twelve." }),
  a: audio(1000),
  x: f("TTSStoppedFrame", {}),
  e: f("LLMFullResponseEndFrame", {}),
  I: f("InterruptionFrame", {}),
  C: f("CancelFrame", {}),
  p: f("TTSTextFrame", { text: "Welcome!" }),
  q: f("TTSTextFrame", { text: "Private aside.", append_to_context: false }),
  k: f("LLMTextFrame", { text: "Shown, not spoken.", skip_tts: true }),
};
const up = { B: f("BotStartedSpeakingFrame", {}), Z: f("BotStoppedSpeakingFrame", {}) };
const all = { ...frames, ...up };
const shown = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, show(v)]));

function setup() {
  const context = createLLMContext({ systemPrompt: "sys" });
  const history: string[][] = [];
  context.onChange((messages) => history.push(messages.filter((m) => m.role === "assistant").map((m) => String(m.content))));
  return { context, history };
}

const assistantTexts = (context: LLMContextStore): string[] =>
  context.messages.filter((m) => m.role === "assistant").map((m) => String(m.content));

describe("assistantContextAggregator", () => {
  it("keeps only the text played when the bot is interrupted after 1.2 s of a 3 s response", () => {
    const { context, history } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      // The whole response passes at frame 1 (TTS is faster than real time); playback starts at
      // 1; the group takes frames 1–12, so the interruption comes at 13 + 1188 = 1201.
      const down = hot("-(sg1a2a3axe) 1188ms I", frames);
      const upIn = hot(" -B", up);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down, upIn);
      expectObservable(out.down).toBe("-(sg1a2a3axe) 1188ms I", shown);
      expectObservable(out.up).toBe("-B", shown);
    });
    // Committed whole at the end of the response, then cut back at 1200 ms of playback:
    // sentence one (0–1000 ms) in full, one word of sentence two's five (200 of its 1000 ms).
    expect(history).toEqual([["One two three four five. Six seven eight nine ten. Eleven twelve."], ["One two three four five. Six"]]);
    expect(context.messages[0]).toEqual({ role: "system", content: "sys" });
  });

  it("keeps the whole response when it played out before the user spoke", () => {
    const { context } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      // Playback 1–3001 (BotStopped at 3001), interruption at 4000.
      const down = hot("-(sg1a2a3axe) 3987ms I", frames);
      const upIn = hot(" -B 2999ms Z", up);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down, upIn);
      expectObservable(out.down).toBe("-(sg1a2a3axe) 3987ms I", shown);
      expectObservable(out.up).toBe("-B 2999ms Z", shown);
    });
    expect(assistantTexts(context)).toEqual(["One two three four five. Six seven eight nine ten. Eleven twelve."]);
  });

  it("commits the heard words of a response that was cut while the LLM was still streaming", () => {
    const { context } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      // Interruption at 7 + 494 = 501, playback from 1.
      const down = hot("-(sg1a) 494ms I", frames);
      const upIn = hot(" -B", up);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down, upIn);
      expectObservable(out.down).toBe("-(sg1a) 494ms I", shown);
      expectObservable(out.up).toBe("-B", shown);
    });
    // 500 ms of a 1 s sentence of five words: two have played.
    expect(assistantTexts(context)).toEqual(["One two"]);
  });

  it("removes the message when nothing of it had played", () => {
    const { context, history } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const down = hot("-(sg1axe)--I", frames);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down);
      expectObservable(out.down).toBe("-(sg1axe)--I", shown);
    });
    expect(history).toEqual([["One two three four five."], []]);
  });

  it("records speech outside an LLM response (a TTSSpeakFrame greeting), unless kept out of the context", () => {
    const { context } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const down = hot("-(gpax)-(gqax)-", frames);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down, hot("-B", up));
      expectObservable(out.down).toBe("-(gpax)-(gqax)-", shown);
      expectObservable(out.up).toBe("-B", shown);
    });
    expect(assistantTexts(context)).toEqual(["Welcome!"]);
  });

  it("counts skip_tts text as delivered at once", () => {
    const { context } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const down = hot("-(sk)--I", frames);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down);
      expectObservable(out.down).toBe("-(sk)--I", shown);
    });
    expect(assistantTexts(context)).toEqual(["Shown, not spoken."]);
  });

  it("forgets an unfinished response on a CancelFrame", () => {
    const { context } = setup();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const down = hot("-(sg1a)-C-I", frames);
      const out = drive(assistantContextAggregator(testContext(ts), { context }), down, hot("-B", up));
      expectObservable(out.down).toBe("-(sg1a)-C-I", shown);
      expectObservable(out.up).toBe("-B", shown);
    });
    expect(assistantTexts(context)).toEqual([]);
  });
});
