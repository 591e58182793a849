// Test doubles of the service interfaces (LLM, STT, TTS) whose replies are Observables the spec
// builds on the TestScheduler, so provider timing is virtual and subscription marbles show when a
// request started and when it was aborted. The processors under test are the real ones.

import { map, NEVER, type Observable } from "rxjs";
import { createFrame, counterIds, type Frame, type FrameInit, type FrameType } from "../../../lib/frames/index.ts";
import { createContext, type ProcessorContext } from "../../../lib/pipeline/context.ts";
import type { Processor } from "../../../lib/pipeline/processor.ts";
import type {
  LLMEvent,
  LLMRequest,
  LLMService,
  STTAudio,
  STTAudioFormat,
  STTEvent,
  STTService,
  TTSChunk,
  TTSService,
} from "../../../lib/services/types.ts";
import type { SchedulerLike } from "rxjs";

/** 1000 Hz mono: one sample per millisecond, so an audio frame's num_frames is its length in ms. */
export const FAKE_TTS_RATE = 1000;

export interface FakeLLM extends LLMService {
  readonly requests: LLMRequest[];
}

export function fakeLLM(reply: (request: LLMRequest, n: number) => Observable<LLMEvent>): FakeLLM {
  const requests: LLMRequest[] = [];
  return {
    name: "fake",
    model: "fake-model",
    requests,
    stream(request) {
      requests.push(request);
      return reply(request, requests.length - 1);
    },
  };
}

export interface FakeTTS extends TTSService {
  readonly texts: string[];
}

export function fakeTTS(reply: (text: string, n: number) => Observable<TTSChunk>, sampleRate = FAKE_TTS_RATE): FakeTTS {
  const texts: string[] = [];
  return {
    name: "fake",
    model: "fake-tts",
    voice: "v",
    sampleRate,
    texts,
    synthesize(text) {
      texts.push(text);
      return reply(text, texts.length - 1);
    },
  };
}

export interface FakeSTT extends STTService {
  readonly audio: STTAudio[];
  readonly formats: STTAudioFormat[];
  readonly fed: Uint8Array[];
}

export function fakeSTT(reply: (audio: STTAudio, n: number) => Observable<STTEvent>): FakeSTT {
  const audio: STTAudio[] = [];
  return {
    name: "fake",
    model: "fake-stt",
    streaming: false,
    audio,
    formats: [],
    fed: [],
    transcribe(a) {
      audio.push(a);
      return reply(a, audio.length - 1);
    },
  };
}

/** A streaming STT double: records the audio it is fed; `events` is what it answers. */
export function fakeStreamingSTT(events: (format: STTAudioFormat) => Observable<STTEvent>): FakeSTT {
  const formats: STTAudioFormat[] = [];
  const fed: Uint8Array[] = [];
  return {
    name: "fake-streaming",
    model: "fake-stt",
    streaming: true,
    audio: [],
    formats,
    fed,
    transcribe: () => NEVER,
    open(audio$, format) {
      formats.push(format);
      audio$.subscribe((chunk) => fed.push(chunk));
      return events(format);
    },
  };
}

/** A context on the given (test) scheduler. */
export function testContext(scheduler: SchedulerLike): ProcessorContext {
  return createContext({ scheduler, ids: counterIds(1) });
}

/** Silence of `ms` milliseconds at the fake TTS rate. */
export function pcmMs(ms: number, rate = FAKE_TTS_RATE): Uint8Array {
  return new Uint8Array(Math.round((ms * rate) / 1000) * 2);
}

export const chunk = (ms: number, extra: Partial<TTSChunk> = {}): TTSChunk => ({ pcm: pcmMs(ms), sampleRate: FAKE_TTS_RATE, ...extra });

const ids = counterIds(100_000);

/** A frame for a spec's input marbles. */
export function f<K extends FrameType>(type: K, fields: FrameInit<K> = {} as FrameInit<K>): Frame {
  return createFrame(ids, type, fields) as Frame;
}

export const final = (text: string): Frame =>
  f("TranscriptionFrame", { text, user_id: "user", timestamp: "2024-01-01T00:00:00.000Z", finalized: true });

/** A frame as a short readable string, so marbles compare what matters and not frame ids. */
export function show(frame: Frame): string {
  switch (frame.type) {
    case "LLMTextFrame":
      return `llm:${frame.text}`;
    case "TTSTextFrame":
      return `tts:${frame.text}`;
    case "TextFrame":
      return `text:${frame.text}`;
    case "TranscriptionFrame":
      return `final:${frame.text}`;
    case "InterimTranscriptionFrame":
      return `interim:${frame.text}`;
    case "TTSAudioRawFrame":
      return `audio:${frame.num_frames}@${frame.sample_rate}`;
    case "ErrorFrame":
      return `error:${frame.error}`;
    case "FunctionCallsStartedFrame":
      return `calls:${frame.function_calls.map((c) => c.tool_call_id).join(",")}`;
    case "FunctionCallInProgressFrame":
      return `progress:${frame.tool_call_id}`;
    case "FunctionCallResultFrame":
      return `result:${frame.tool_call_id}=${JSON.stringify(frame.result)}`;
    case "LLMContextFrame":
      return `context:${frame.context.messages.map((m) => `${m.role}=${typeof m.content === "string" ? m.content : ""}`).join("|")}`;
    default:
      return frame.type.replace(/Frame$/, "");
  }
}

/** Links a processor to marble inputs and gives both outputs as strings. */
export function drive(p: Processor, down$: Observable<Frame>, up$: Observable<Frame> = NEVER): { down: Observable<string>; up: Observable<string> } {
  const ends = p.link({ down: down$, up: up$ });
  return { down: ends.down.pipe(map(show)), up: ends.up.pipe(map(show)) };
}

/** Subscribes and records "<virtual ms> <frame>" lines: readable where outputs are too dense for marbles. */
export function timeline(scheduler: SchedulerLike, frames$: Observable<Frame>, into: string[] = []): string[] {
  frames$.subscribe((frame) => into.push(`${scheduler.now()} ${show(frame)}`));
  return into;
}

const MARBLE_KEYS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Marbles for a list of frames, one per virtual ms from 1 on: `hot(...sequence(frames))`. */
export function sequence(frames: readonly Frame[]): [string, Record<string, Frame>] {
  if (frames.length > MARBLE_KEYS.length) throw new Error(`at most ${MARBLE_KEYS.length} frames`);
  const keys = frames.map((_, i) => MARBLE_KEYS[i]!);
  return ["-" + keys.join(""), Object.fromEntries(frames.map((frame, i) => [keys[i]!, frame]))];
}
