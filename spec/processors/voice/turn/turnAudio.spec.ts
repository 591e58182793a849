// The turn's audio: when a user turn ends, ONE AudioRawFrame holds exactly turn_pre_speech_ms
// of audio from before the onset of speech (the VAD's measured lag places the onset) and
// everything up to the end of the turn; nothing from the silence or bot time since the last
// turn. Input audio passes on untouched. Bounded by the max duration; dropped on cancel.
//
// Audio: 20 ms chunks at 16 kHz whose sample n has the value n mod 32768, so the first sample
// of the turn's audio says where it began.

import { describe, expect, it } from "vitest";
import { Subject } from "rxjs";
import { isFrame, type Frame } from "../../../../lib/frames/index.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { turnAudioProcessor, type TurnAudioOptions } from "../../../../lib/processors/voice/turn/turnAudio.ts";
import { VAD_LAG_KEY } from "../../../../lib/processors/voice/turn/vadLag.ts";
import { chunkAt, make, RATE } from "./support.ts";

function harness(options: TurnAudioOptions = {}) {
  const down = new Subject<Frame>();
  const out: Frame[] = [];
  turnAudioProcessor(createContext(), options).link({ down, up: new Subject<Frame>() }).down.subscribe((f) => out.push(f));
  let next = 0;
  const sent: Frame[] = [];
  return {
    out,
    sent,
    /** Audio up to stream time `ms` (chunks of 20 ms). */
    audioUntil(ms: number) {
      for (; (next + 1) * 20 <= ms; next++) {
        const chunk = chunkAt(next);
        sent.push(chunk);
        down.next(chunk);
      }
    },
    send: (f: Frame) => down.next(f),
    turns: () => out.filter((f): f is Frame<"AudioRawFrame"> => f.type === "AudioRawFrame"),
  };
}

const vadStart = (lagMs?: number) => make("VADUserStartedSpeakingFrame", { start_secs: 0.2, ...(lagMs !== undefined ? { metadata: { [VAD_LAG_KEY]: lagMs } } : {}) });
const vadStop = () => make("VADUserStoppedSpeakingFrame", { stop_secs: 0.2 });
const userStarted = () => make("UserStartedSpeakingFrame", {});
const userStopped = () => make("UserStoppedSpeakingFrame", {});

/** Stream time (ms) of the turn audio's first sample (mod 2048 ms). */
function startsAt(frame: Frame<"AudioRawFrame">): number {
  const first = new Int16Array(frame.audio.buffer, frame.audio.byteOffset, 1)[0]!;
  return (first * 1000) / RATE;
}
/** Where a stream time shows up in startsAt (sample values wrap at 32768 = 2048 ms). */
const wrapped = (t: number): number => ((t * RATE) / 1000 % 32768) * 1000 / RATE;
const ms = (frame: Frame<"AudioRawFrame">): number => (frame.num_frames * 1000) / frame.sample_rate;

describe("turn audio", () => {
  it("holds exactly 500 ms before the onset, then the whole turn, in one frame", () => {
    const h = harness({ preSpeechMs: 500 });
    h.audioUntil(1000);
    h.send(vadStart(230)); // onset at 770 ms
    h.send(userStarted());
    h.audioUntil(1600);
    h.send(userStopped());
    const [turn, ...rest] = h.turns();
    expect(rest).toEqual([]);
    expect(turn).toBeDefined();
    expect(startsAt(turn!)).toBe(270);
    expect(ms(turn!)).toBe(1600 - 270);
    expect(turn!.num_frames).toBe(turn!.audio.byteLength / 2);
    expect(turn!).toMatchObject({ sample_rate: RATE, num_channels: 1 });
    // The frame comes right after the UserStoppedSpeakingFrame that ended the turn.
    expect(h.out.at(-2)?.type).toBe("UserStoppedSpeakingFrame");
    expect(h.out.at(-1)).toBe(turn);
  });

  it("keeps the configured pre-speech, with the lag from start_secs when none was measured", () => {
    const h = harness({ preSpeechMs: 300 });
    h.audioUntil(1500);
    h.send(vadStart()); // no measured lag: start_secs 0.2 → onset at 1300
    h.send(userStarted());
    h.audioUntil(1800);
    h.send(userStopped());
    expect(startsAt(h.turns()[0]!)).toBe(1000);
    expect(ms(h.turns()[0]!)).toBe(800);
  });

  it("vadStartKeepMs overrides the lag (vad_start_secs)", () => {
    const h = harness({ preSpeechMs: 100, vadStartKeepMs: 400 });
    h.audioUntil(1500);
    h.send(vadStart(200));
    h.send(userStarted());
    h.audioUntil(1600);
    h.send(userStopped());
    expect(startsAt(h.turns()[0]!)).toBe(1000);
  });

  it("a second turn has none of the silence or bot time since the first", () => {
    const h = harness({ preSpeechMs: 500 });
    h.audioUntil(1000);
    h.send(vadStart(200));
    h.send(userStarted());
    h.audioUntil(1400);
    h.send(userStopped());
    h.audioUntil(2900); // 1.5 s of silence, bot speech and echo
    h.send(vadStart(200)); // onset 2700
    h.send(userStarted());
    h.audioUntil(3000);
    h.send(userStopped());
    const [first, second] = h.turns();
    expect([startsAt(first!), ms(first!)]).toEqual([300, 1100]);
    expect([startsAt(second!), ms(second!)]).toEqual([wrapped(2200), 800]);
  });

  it("pre-speech never reaches back into the previous turn's audio", () => {
    const h = harness({ preSpeechMs: 500 });
    h.audioUntil(1000);
    h.send(vadStart(200));
    h.send(userStarted());
    h.audioUntil(1400);
    h.send(userStopped());
    h.audioUntil(1900);
    h.send(vadStart(200)); // onset 1700: 500 ms before it would start at 1200, inside turn 1
    h.send(userStarted());
    h.audioUntil(2000);
    h.send(userStopped());
    expect(h.turns().map((t) => [startsAt(t), ms(t)])).toEqual([
      [300, 1100],
      [1400, 600],
    ]);
  });

  it("discards a capture no turn claimed (a rejected backchannel) at the next onset", () => {
    const h = harness({ preSpeechMs: 200 });
    h.audioUntil(600);
    h.send(vadStart(200)); // "mm-hm" while the bot speaks: no user turn
    h.audioUntil(800);
    h.send(vadStop());
    h.audioUntil(1600);
    h.send(vadStart(200)); // onset 1400
    h.send(userStarted());
    h.audioUntil(1800);
    h.send(userStopped());
    expect(h.turns().map((t) => [startsAt(t), ms(t)])).toEqual([[1200, 600]]);
  });

  it("a late UserStartedSpeaking claims the held capture, keeping its audio", () => {
    const h = harness({ preSpeechMs: 200 });
    h.audioUntil(600);
    h.send(vadStart(200)); // onset 400
    h.audioUntil(900);
    h.send(vadStop());
    h.audioUntil(1200);
    h.send(userStarted()); // a transcript opened the turn late
    h.audioUntil(1500);
    h.send(userStopped());
    expect(h.turns().map((t) => [startsAt(t), ms(t)])).toEqual([[200, 1300]]);
  });

  it("is bounded by the max duration, keeping the newest audio", () => {
    const h = harness({ preSpeechMs: 200, maxDurationMs: 600 });
    h.audioUntil(1000);
    h.send(vadStart(200));
    h.send(userStarted());
    h.audioUntil(1900);
    h.send(userStopped());
    const [turn] = h.turns();
    expect(ms(turn!)).toBe(200 + 200 + 600);
    expect(startsAt(turn!)).toBe(900);
  });

  it("passes input audio on untouched and in order; a CancelFrame drops the turn", () => {
    const h = harness();
    h.audioUntil(400);
    h.send(vadStart(200));
    h.send(userStarted());
    h.audioUntil(800);
    h.send(make("CancelFrame", { reason: "test" }));
    h.send(userStopped());
    expect(h.turns()).toEqual([]);
    expect(h.out.filter((f) => isFrame(f, "InputAudioRawFrame"))).toEqual(h.sent);
    expect(h.out.filter((f) => isFrame(f, "InputAudioRawFrame")).every((f, i) => f === h.sent[i])).toBe(true);
  });

  it("an interruption leaves the turn's audio alone", () => {
    const h = harness({ preSpeechMs: 0 });
    h.audioUntil(400);
    h.send(vadStart(0));
    h.send(userStarted());
    h.send(make("InterruptionFrame", {}));
    h.audioUntil(600);
    h.send(userStopped());
    expect(h.turns().map((t) => [startsAt(t), ms(t)])).toEqual([[400, 200]]);
  });
});
