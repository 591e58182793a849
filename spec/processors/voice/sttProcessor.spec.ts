// STT processor: one request per user turn (the turn's single AudioRawFrame), one final
// TranscriptionFrame per turn, interim results at once, empty transcripts dropped, failures
// reported upstream without ending the session. A barge-in does not cancel the transcription of
// what the user said; a CancelFrame does. Streaming services are fed the microphone. Every
// transcript also goes upstream, the same frame, for the turn taking in front.

import { describe, expect, it } from "vitest";
import { map, NEVER, tap } from "rxjs";
import { sttProcessor } from "../../../lib/processors/voice/sttProcessor.ts";
import { audioFrame, counterIds, type Frame } from "../../../lib/frames/index.ts";
import type { STTEvent } from "../../../lib/services/types.ts";
import { testScheduler } from "../../support/marbles.ts";
import { drive, f, fakeStreamingSTT, fakeSTT, show, testContext, timeline, type FakeSTT } from "./fakes.ts";

const audioIds = counterIds(800_000);
const turnAudio = (bytes = 3200): Frame => audioFrame(audioIds, "AudioRawFrame", new Uint8Array(bytes), 16000, 1);
const mic = (bytes = 640): Frame => audioFrame(audioIds, "InputAudioRawFrame", new Uint8Array(bytes), 16000, 1);

const frames = {
  u: f("UserStartedSpeakingFrame", {}),
  s: f("UserStoppedSpeakingFrame", {}),
  A: turnAudio(),
  B: turnAudio(1600),
  I: f("InterruptionFrame", {}),
  C: f("CancelFrame", {}),
  m: mic(),
  n: mic(320),
};
const shown = Object.fromEntries(Object.entries(frames).map(([k, v]) => [k, show(v)]));
const final = (text: string, language?: string): STTEvent => ({ type: "final", text, ...(language ? { language } : {}) });
const interim = (text: string): STTEvent => ({ type: "interim", text });

describe("sttProcessor (file-based)", () => {
  it("transcribes the turn's audio in one request and emits one finalized TranscriptionFrame", () => {
    const out: Frame[] = [];
    const ts = testScheduler();
    let stt: FakeSTT | undefined;
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const reply = cold("--(f|)", { f: final("  What time is it?  ", "en") });
      stt = fakeSTT(() => reply);
      const ends = sttProcessor(testContext(ts), { service: stt }).link({ down: hot("-u-As", frames), up: NEVER });
      // The AudioRawFrame is consumed; the transcript comes when the request completes.
      expectObservable(ends.down.pipe(tap((fr) => out.push(fr)), map(show))).toBe("-u--sT", { ...shown, T: "final:What time is it?" });
      expectSubscriptions(reply.subscriptions).toBe("---^-!");
    });
    expect(stt?.audio).toEqual([{ pcm: (frames.A as Frame<"AudioRawFrame">).audio, sampleRate: 16000, channels: 1 }]);
    const transcript = out.find((fr) => fr.type === "TranscriptionFrame");
    expect(transcript).toMatchObject({ text: "What time is it?", user_id: "user", finalized: true, language: "en", timestamp: new Date(5).toISOString() });
  });

  it("emits interim results at once and joins several finals of one turn into one transcript", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable }) => {
      const stt = fakeSTT(() => cold("-i-a-(b|)", { i: interim("Book"), a: final("Book a table"), b: final("for two.") }));
      const o = drive(sttProcessor(testContext(ts), { service: stt, language: "en" }), hot("-A", frames));
      expectObservable(o.down).toBe("--i---T", { i: "interim:Book", T: "final:Book a table for two." });
    });
  });

  it("drops empty transcripts", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable }) => {
      const stt = fakeSTT(() => cold("-(a|)", { a: final("   ") }));
      const o = drive(sttProcessor(testContext(ts), { service: stt }), hot("-A---", frames));
      expectObservable(o.down).toBe("-----");
    });
  });

  it("reports a failed request upstream as a non-fatal ErrorFrame and transcribes the next turn", () => {
    const ts = testScheduler();
    const up: Frame[] = [];
    const down: Frame[] = [];
    ts.run(({ hot, cold, expectObservable }) => {
      const replies = [cold<STTEvent>("--#", {}, new Error("stt 503")), cold("--(a|)", { a: final("second") })];
      const stt = fakeSTT((_a, n) => replies[n]!);
      const ends = sttProcessor(testContext(ts), { service: stt }).link({ down: hot("-A----B", frames), up: NEVER });
      ends.up.subscribe((fr) => up.push(fr));
      expectObservable(ends.down.pipe(tap((fr) => down.push(fr)))).toBe("--------b", { b: expect.objectContaining({ type: "TranscriptionFrame", text: "second" }) });
    });
    expect(up).toHaveLength(2);
    expect(up[0]).toMatchObject({ type: "ErrorFrame", error: "stt 503", fatal: false, processor: "stt:fake" });
    // The transcript goes both ways as one frame (one id: RTVI reports it once).
    expect(up[1]).toBe(down[0]);
  });

  it("keeps transcribing through an interruption (the user's words are real) and queues the next turn behind it", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const replies = [cold("-----(a|)", { a: final("first") }), cold("-(b|)", { b: final("second") })];
      const stt = fakeSTT((_a, n) => replies[n]!);
      const o = drive(sttProcessor(testContext(ts), { service: stt }), hot("-A-BI---", frames));
      expectObservable(o.down).toBe("----I-aB", { ...shown, a: "final:first", B: "final:second" });
      expectSubscriptions(replies[0]!.subscriptions).toBe("-^----!");
      expectSubscriptions(replies[1]!.subscriptions).toBe("------^!");
    });
  });

  it("stops the request on a CancelFrame", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const reply = cold("-----(a|)", { a: final("never") });
      const o = drive(sttProcessor(testContext(ts), { service: fakeSTT(() => reply) }), hot("-A-C----", frames));
      expectObservable(o.down).toBe("---C----", shown);
      expectSubscriptions(reply.subscriptions).toBe("-^-!");
    });
  });

  it("passes input audio on and leaves it alone", () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const stt = fakeSTT(() => NEVER);
      const o = drive(sttProcessor(testContext(ts), { service: stt }), hot("-m-n-", frames));
      expectObservable(o.down).toBe("-m-n-", shown);
    });
  });
});

describe("sttProcessor (streaming)", () => {
  it("feeds the microphone to one provider stream and turns its results into frames", () => {
    const ts = testScheduler();
    const log: string[] = [];
    let stt: FakeSTT | undefined;
    ts.run(({ hot, cold, expectSubscriptions }) => {
      const results = cold("--i--(f|)", { i: interim("hel"), f: final("hello") });
      stt = fakeStreamingSTT(() => results);
      const ends = sttProcessor(testContext(ts), { service: stt }).link({ down: hot("-m-n-m---", frames), up: NEVER });
      timeline(ts, ends.down, log);
      expectSubscriptions(results.subscriptions).toBe("-^----!");
    });
    expect(log).toEqual(["1 InputAudioRaw", "3 InputAudioRaw", "3 interim:hel", "5 InputAudioRaw", "6 final:hello"]);
    expect(stt?.formats).toEqual([{ sampleRate: 16000, channels: 1 }]);
    expect(stt?.fed.map((c) => c.byteLength)).toEqual([640, 320, 640]);
  });

  it("reports a stream failure upstream and reopens the stream at the next audio", () => {
    const ts = testScheduler();
    const up: string[] = [];
    ts.run(({ hot, cold, expectObservable }) => {
      const streams = [cold<STTEvent>("-#", {}, new Error("socket closed")), cold("-(f|)", { f: final("back") })];
      let n = 0;
      const stt = fakeStreamingSTT(() => streams[n++]!);
      const ends = sttProcessor(testContext(ts), { service: stt }).link({ down: hot("-m---n---", frames), up: NEVER });
      ends.up.subscribe((fr) => up.push(show(fr)));
      expectObservable(ends.down.pipe()).toBe("-m---nT--", {
        m: frames.m,
        n: frames.n,
        T: expect.objectContaining({ type: "TranscriptionFrame", text: "back" }),
      });
    });
    expect(up).toEqual(["error:socket closed", "final:back"]);
  });
});
