// The voice pipeline end to end, in virtual time with test-double services: a user turn's audio
// becomes a transcript, one user message, an LLM response streamed into sentences and speech.
// A barge-in (InterruptionFrame) unsubscribes the LLM stream and the running synthesis at once:
// nothing of the old answer follows the cut, and the context keeps only what was played.

import { describe, expect, it } from "vitest";
import { of, type Observable } from "rxjs";
import { voicePipeline, VoicePipelineConfigError, voicePipelineProblem } from "../../../lib/processors/voice/voicePipeline.ts";
import { identityFilter } from "../../../lib/processors/filters/frameFilters.ts";
import { audioFrame, counterIds } from "../../../lib/frames/index.ts";
import type { LLMEvent, STTEvent } from "../../../lib/services/types.ts";
import { testScheduler } from "../../support/marbles.ts";
import { chunk, f, fakeLLM, fakeStreamingSTT, fakeSTT, fakeTTS, show, testContext, timeline } from "./fakes.ts";

const turn = audioFrame(counterIds(700_000), "AudioRawFrame", new Uint8Array(3200), 16000, 1);
const inputs = {
  u: f("UserStartedSpeakingFrame", {}),
  A: turn,
  s: f("UserStoppedSpeakingFrame", {}),
  I: f("InterruptionFrame", {}),
};
const ups = { B: f("BotStartedSpeakingFrame", {}), Z: f("BotStoppedSpeakingFrame", {}) };
const tok = (text: string): LLMEvent => ({ type: "text", text });
const done: LLMEvent = { type: "done", finish_reason: "stop" };
const heard = (text: string): STTEvent => ({ type: "final", text });

/** Only what reaches the client: drops the pass-through frames that would clutter the timeline. */
const audible = (lines: string[]): string[] => lines.filter((l) => !/ (UserStartedSpeaking|UserStoppedSpeaking|final:)/.test(l));

describe("voicePipeline", () => {
  it("answers a user turn: transcript → one user message → streamed tokens → sentences → audio; context gets the answer", () => {
    const ts = testScheduler();
    const log: string[] = [];
    const up: string[] = [];
    let context: ReturnType<typeof voicePipeline>["context"] | undefined;
    ts.run(({ hot, cold }) => {
      const stt = fakeSTT(() => cold("--(f|)", { f: heard("What time is it?") }));
      const llm = fakeLLM(() => cold("-a-b-(d|)", { a: tok("It is noon."), b: tok(" Enjoy your lunch!"), d: done }));
      const tts = fakeTTS(() => cold("-(a|)", { a: chunk(500) }));
      const p = voicePipeline(testContext(ts), { stt, llm, tts, systemPrompt: "Be brief.", turnTaking: identityFilter() });
      context = p.context;
      const ends = p.link({ down: hot("-uAs", inputs), up: hot("-") });
      ends.up.subscribe((fr) => up.push(show(fr)));
      timeline(ts, ends.down, log);
    });
    expect(audible(log)).toEqual([
      // STT answers at 4; the user message is committed and the LLM runs at once.
      "4 LLMFullResponseStart",
      "5 llm:It is noon.",
      "7 llm: Enjoy your lunch!",
      "7 TTSStarted",
      "7 tts:It is noon.",
      "8 audio:500@1000",
      "9 tts:Enjoy your lunch!",
      "10 audio:500@1000",
      "10 TTSStopped",
      "10 LLMFullResponseEnd",
    ]);
    expect(log).toContain("4 final:What time is it?");
    // The transcript also goes upstream (turn taking in front needs to hear it); nothing else does.
    expect(up).toEqual(["final:What time is it?"]);
    expect(context?.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What time is it?" },
      { role: "assistant", content: "It is noon. Enjoy your lunch!" },
    ]);
  });

  it("a barge-in mid LLM stream tears the stream down: no token or audio of the old answer after the cut", () => {
    const ts = testScheduler();
    const log: string[] = [];
    let context: ReturnType<typeof voicePipeline>["context"] | undefined;
    ts.run(({ hot, cold, expectSubscriptions }) => {
      const stt = fakeSTT(() => cold("-(f|)", { f: heard("Tell me a story.") }));
      const reply = cold("--a-b-c-d-(e|)", {
        a: tok("Once upon a time."),
        b: tok(" There was a very small dragon who lived alone."),
        c: tok(" It liked tea."),
        d: tok(" The end."),
        e: done,
      });
      const llm = fakeLLM(() => reply);
      const synth = cold("-a-b|", { a: chunk(200), b: chunk(200) });
      const tts = fakeTTS(() => synth);
      const p = voicePipeline(testContext(ts), { stt, llm, tts, turnTaking: identityFilter() });
      context = p.context;
      // Turn audio at 1, transcript at 2, LLM from 2; the user barges in at 8.
      timeline(ts, p.link({ down: hot("-A------I-------", inputs), up: hot("-") }).down, log);
      expectSubscriptions(reply.subscriptions).toBe("--^-----!");
      // Sentence one is spoken from 6 to 10 and is cut at 8.
      expectSubscriptions(synth.subscriptions).toBe("------^-!");
    });
    expect(audible(log)).toEqual([
      "2 LLMFullResponseStart",
      "4 llm:Once upon a time.",
      "6 llm: There was a very small dragon who lived alone.",
      "6 TTSStarted",
      "6 tts:Once upon a time.",
      "7 audio:200@1000",
      "8 Interruption",
      "8 TTSStopped",
    ]);
    // Nothing was played (no BotStartedSpeaking): the assistant said nothing the user heard.
    expect(context?.messages).toEqual([{ role: "user", content: "Tell me a story." }]);
  });

  it("keeps only the text played when the bot is cut after 1.2 s of a 3 s answer", () => {
    const ts = testScheduler();
    let context: ReturnType<typeof voicePipeline>["context"] | undefined;
    ts.run(({ hot, cold }) => {
      const stt = fakeSTT(() => of(heard("Count for me.")));
      const llm = fakeLLM(() => of(tok("One two three four five. "), tok("Six seven eight nine ten. "), tok("Eleven twelve."), done));
      const tts = fakeTTS(() => cold("(a|)", { a: chunk(1000) }));
      const p = voicePipeline(testContext(ts), { stt, llm, tts, turnTaking: identityFilter(), sentences: { minRunes: 1 } });
      context = p.context;
      // The whole answer is synthesized at 1; playback starts at 1; the user barges in at 1201.
      const ends = p.link({ down: hot("-A 1199ms I", inputs), up: hot("-B", ups) });
      ends.up.subscribe();
      ends.down.subscribe();
    });
    expect(context?.messages).toEqual([
      { role: "user", content: "Count for me." },
      { role: "assistant", content: "One two three four five. Six" },
    ]);
  });

  it("reports an STT failure upstream; the session goes on and answers the next turn", () => {
    const ts = testScheduler();
    const up: string[] = [];
    const log: string[] = [];
    ts.run(({ hot, cold }) => {
      const replies: Observable<STTEvent>[] = [cold<STTEvent>("-#", {}, new Error("stt down")), cold("-(f|)", { f: heard("Hello?") })];
      const stt = fakeSTT((_a, n) => replies[n]!);
      const llm = fakeLLM(() => of(tok("Hi!"), done));
      const tts = fakeTTS(() => of(chunk(100)));
      const p = voicePipeline(testContext(ts), { stt, llm, tts, turnTaking: identityFilter() });
      const ends = p.link({ down: hot("-A---A--", inputs), up: hot("-") });
      ends.up.subscribe((fr) => up.push(show(fr)));
      timeline(ts, ends.down, log);
    });
    expect(up).toEqual(["error:stt down", "final:Hello?"]);
    expect(audible(log)).toEqual(["6 LLMFullResponseStart", "6 llm:Hi!", "6 TTSStarted", "6 tts:Hi!", "6 audio:100@1000", "6 TTSStopped", "6 LLMFullResponseEnd"]);
  });

  it("refuses a file-based STT without turn detection, and says why", () => {
    const ctx = testContext(testScheduler());
    const services = { stt: fakeSTT(() => of()), llm: fakeLLM(() => of(done)), tts: fakeTTS(() => of()) };
    expect(() => voicePipeline(ctx, services)).toThrow(VoicePipelineConfigError);
    expect(voicePipelineProblem(services)).toMatch(/transcribes whole files.*turn detection.*its own LLM turn/);
    expect(voicePipelineProblem({ stt: fakeStreamingSTT(() => of()) })).toBeUndefined();
    expect(voicePipeline(ctx, { ...services, stt: fakeStreamingSTT(() => of()) }).processors.map((p) => p.name)).toEqual([
      "stt:fake-streaming",
      "user_context_aggregator",
      "llm:fake",
      "tts:fake",
      "assistant_context_aggregator",
    ]);
  });
});
