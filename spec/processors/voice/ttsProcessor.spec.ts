// TTS processor: LLM tokens become sentences, each spoken as TTSTextFrame + its audio, one
// synthesis at a time and in order, framed by TTSStarted/TTSStopped per response. An
// InterruptionFrame unsubscribes the running synthesis (the request is aborted), drops queued
// text and the sentence buffer; uninterruptible frames queued behind it survive.

import { describe, expect, it } from "vitest";
import { map, NEVER, of, throwError } from "rxjs";
import { ttsProcessor } from "../../../lib/processors/voice/ttsProcessor.ts";
import { WORD_TIMINGS_KEY } from "../../../lib/processors/aggregators/assistantContext.ts";
import type { Frame } from "../../../lib/frames/index.ts";
import { testScheduler } from "../../support/marbles.ts";
import { chunk, f, fakeTTS, sequence, show, testContext, timeline, type FakeTTS } from "./fakes.ts";

const S = f("LLMFullResponseStartFrame", {});
const E = f("LLMFullResponseEndFrame", {});
const I = f("InterruptionFrame", {});
const tok = (text: string, extra: { skip_tts?: boolean } = {}): Frame => f("LLMTextFrame", { text, ...extra });

describe("ttsProcessor", () => {
  it("speaks a response sentence by sentence, one synthesis at a time, between TTSStarted and TTSStopped", () => {
    const ts = testScheduler();
    const log: string[] = [];
    ts.run(({ hot, cold, expectSubscriptions }) => {
      const replies = [0, 1, 2].map(() => cold("-a-b|", { a: chunk(100), b: chunk(50) }));
      const tts = fakeTTS((_t, n) => replies[n]!);
      const input = hot("-S-a-b-c-E", {
        S,
        a: tok("Hi."),
        b: tok(" How are you doing today, my good friend?"),
        c: tok(" Bye"),
        E,
      });
      timeline(ts, ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down, log);
      // Sentence 1 from 5 to 9; the token at 7 waits; sentence 2 from 9 to 13; the rest at End.
      expectSubscriptions(replies[0]!.subscriptions).toBe("-----^---!");
      expectSubscriptions(replies[1]!.subscriptions).toBe("---------^---!");
      expectSubscriptions(replies[2]!.subscriptions).toBe("-------------^---!");
    });
    expect(log).toEqual([
      "1 LLMFullResponseStart",
      "3 llm:Hi.",
      "5 llm: How are you doing today, my good friend?",
      "5 TTSStarted",
      "5 tts:Hi.",
      "6 audio:100@1000",
      "8 audio:50@1000",
      "9 llm: Bye",
      "9 tts:How are you doing today, my good friend?",
      "10 audio:100@1000",
      "12 audio:50@1000",
      "13 tts:Bye",
      "14 audio:100@1000",
      "16 audio:50@1000",
      "17 TTSStopped",
      "17 LLMFullResponseEnd",
    ]);
  });

  it("applies the sentence thresholds: short sentences wait for 30 runes, run-ons are cut at 120", () => {
    const tts = fakeTTS(() => of(chunk(10)));
    const ts = testScheduler();
    const words = Array.from({ length: 30 }, (_, i) => tok(` w${String(i).padStart(3, "0")}`)); // 5 runes each
    const tokens = [tok("Okay."), tok(" Yes."), tok(" No."), tok(" That is all there is to say."), ...words];
    ts.run(({ hot }) => {
      ttsProcessor(testContext(ts), { service: tts }).link({ down: hot(...sequence([S, ...tokens, E])), up: NEVER }).down.subscribe();
    });
    expect(tts.texts).toEqual([
      "Okay.",
      "Yes. No. That is all there is to say.",
      // 24 five-rune words make 120 runes: cut at the space before the 24th, the rest at End.
      Array.from({ length: 23 }, (_, i) => `w${String(i).padStart(3, "0")}`).join(" "),
      Array.from({ length: 7 }, (_, i) => `w${String(i + 23).padStart(3, "0")}`).join(" "),
    ]);
  });

  it("an InterruptionFrame aborts the running synthesis and drops queued text; the next response starts clean", () => {
    const ts = testScheduler();
    const log: string[] = [];
    let tts: FakeTTS | undefined;
    ts.run(({ hot, cold, expectSubscriptions }) => {
      const slow = cold("-a-------b|", { a: chunk(100), b: chunk(100) });
      tts = fakeTTS((text) => (text.startsWith("First") ? slow : of(chunk(10))));
      const input = hot("-S-a-b-c--I-S-d-E", {
        S,
        a: tok("First. "),
        b: tok("Second sentence that is long enough to be spoken. "),
        c: tok("Dangling"),
        I,
        d: tok("Fresh"),
        E,
      });
      timeline(ts, ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down, log);
      expectSubscriptions(slow.subscriptions).toBe("---^------!");
    });
    expect(log).toEqual([
      "1 LLMFullResponseStart",
      "3 llm:First. ",
      "3 TTSStarted",
      "3 tts:First.",
      "4 audio:100@1000",
      "10 Interruption",
      "10 TTSStopped",
      "12 LLMFullResponseStart",
      "14 llm:Fresh",
      "16 TTSStarted",
      "16 tts:Fresh",
      "16 audio:10@1000",
      "16 TTSStopped",
      "16 LLMFullResponseEnd",
    ]);
    // The queued sentence and the buffered "Dangling" were never sent to the provider.
    expect(tts?.texts).toEqual(["First.", "Fresh"]);
  });

  it("keeps uninterruptible frames queued behind a synthesis (function results) through an interruption", () => {
    const ts = testScheduler();
    const log: string[] = [];
    ts.run(({ hot, cold }) => {
      const tts = fakeTTS(() => cold("-a-------b|", { a: chunk(100), b: chunk(100) }));
      const input = hot("-S-a-pr-t-I", {
        S,
        a: tok("Let me check. "),
        p: f("FunctionCallInProgressFrame", { function_name: "clock", tool_call_id: "c1" }),
        r: f("FunctionCallResultFrame", { function_name: "clock", tool_call_id: "c1", result: "noon" }),
        t: tok("It is noon."),
        I,
      });
      timeline(ts, ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down, log);
    });
    expect(log).toEqual([
      "1 LLMFullResponseStart",
      "3 llm:Let me check. ",
      "3 TTSStarted",
      "3 tts:Let me check.",
      "4 audio:100@1000",
      "10 Interruption",
      "10 TTSStopped",
      "10 progress:c1",
      '10 result:c1="noon"',
    ]);
  });

  it("passes skip_tts text on unspoken, and speaks a TTSSpeakFrame whole", () => {
    const tts = fakeTTS(() => of(chunk(20)));
    const ts = testScheduler();
    const log: string[] = [];
    ts.run(({ hot }) => {
      const input = hot("-k-s-Sq-E", {
        k: tok("silent text", { skip_tts: true }),
        s: f("TTSSpeakFrame", { text: "Welcome aboard" }),
        S,
        q: f("TTSSpeakFrame", { text: "Inside" }),
        E,
      });
      timeline(ts, ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down, log);
    });
    expect(log).toEqual([
      "1 llm:silent text",
      "3 TTSStarted",
      "3 tts:Welcome aboard",
      "3 audio:20@1000",
      "3 TTSStopped",
      "5 LLMFullResponseStart",
      // Inside a response a TTSSpeakFrame joins it: no Started/Stopped of its own.
      "6 TTSStarted",
      "6 tts:Inside",
      "6 audio:20@1000",
      "8 TTSStopped",
      "8 LLMFullResponseEnd",
    ]);
    expect(tts.texts).toEqual(["Welcome aboard", "Inside"]);
  });

  it("reports a failed sentence upstream and goes on with the next one", () => {
    const ts = testScheduler();
    const tts = fakeTTS((text) => (text === "Broken." ? throwError(() => new Error("tts 500")) : of(chunk(10))));
    const log: string[] = [];
    ts.run(({ hot, expectObservable }) => {
      const input = hot("-S-a-b-E", { S, a: tok("Broken. "), b: tok("Fine"), E });
      const ends = ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER });
      expectObservable(ends.up.pipe(map(show))).toBe("---X", { X: "error:tts 500" });
      timeline(ts, ends.down, log);
    });
    expect(log).toEqual([
      "1 LLMFullResponseStart",
      "3 llm:Broken. ",
      "3 TTSStarted",
      "3 tts:Broken.",
      "5 llm:Fine",
      "7 tts:Fine",
      "7 audio:10@1000",
      "7 TTSStopped",
      "7 LLMFullResponseEnd",
    ]);
  });

  it("resamples audio to the StartFrame's output rate, without losing samples at chunk edges", () => {
    const frames: Frame[] = [];
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const tts = fakeTTS(() => of(chunk(100), chunk(100), chunk(100))); // 300 samples at 1000 Hz
      const start = f("StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 2000, allow_interruptions: true, enable_metrics: false, enable_usage_metrics: false });
      const input = hot("-0-s", { 0: start, s: f("TTSSpeakFrame", { text: "Resample me" }) });
      ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down.subscribe((fr) => frames.push(fr));
    });
    const audio = frames.filter((fr): fr is Frame<"TTSAudioRawFrame"> => fr.type === "TTSAudioRawFrame");
    expect(audio.every((a) => a.sample_rate === 2000)).toBe(true);
    expect(audio.reduce((n, a) => n + a.num_frames, 0)).toBe(600);
  });

  it("attaches the provider's word timings to the audio frame", () => {
    const frames: Frame[] = [];
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const tts = fakeTTS(() => of(chunk(100, { words: [{ word: "Hello", startMs: 0 }, { word: "you", startMs: 60 }] })));
      const input = hot("-s", { s: f("TTSSpeakFrame", { text: "Hello you" }) });
      ttsProcessor(testContext(ts), { service: tts }).link({ down: input, up: NEVER }).down.subscribe((fr) => frames.push(fr));
    });
    const audio = frames.find((fr) => fr.type === "TTSAudioRawFrame");
    expect(audio?.metadata?.[WORD_TIMINGS_KEY]).toEqual([
      { word: "Hello", start_ms: 0 },
      { word: "you", start_ms: 60 },
    ]);
  });
});
