// What the simulated callers say: real speech made offline (flite → sox, cached by
// spec/support/speech.ts), 16 kHz mono PCM16, 2–4 s per utterance, some with a short pause
// inside (shorter than the VAD's 200 ms stop window, so it stays one turn). Between utterances
// the callers send a quiet noise floor (about −60 dBFS) rather than digital zeros, as a
// microphone does; the VAD runs on every window either way.

import { makeSpeechWav, type SpeechSegmentSpec } from "../../support/speech.ts";

export const RATE = 16_000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (RATE * FRAME_MS) / 1000;

const UTTERANCES: readonly (readonly SpeechSegmentSpec[])[] = [
  [{ say: "Hello, could you tell me what the weather will be like tomorrow?" }],
  [{ say: "I would like to book a table for two people at seven." }],
  [{ say: "Well," }, { silenceMs: 120 }, { say: "can you remind me to call my sister after lunch?" }],
  [{ say: "What is the fastest way to get to the train station from here?" }],
  [{ say: "Please read me the latest news about the football match." }],
  [{ say: "Okay," }, { silenceMs: 120 }, { say: "and how long would that take if I leave right now?" }],
];

export interface Utterance {
  readonly pcm: Int16Array;
  readonly durationMs: number;
}

export async function loadUtterances(): Promise<Utterance[]> {
  const out: Utterance[] = [];
  for (const segments of UTTERANCES) {
    const wav = await makeSpeechWav({ segments, rate: RATE });
    out.push({ pcm: wav.pcm, durationMs: wav.durationMs });
  }
  return out;
}

/** One second of noise at about −60 dBFS (deterministic), to loop as the silence between turns. */
export function noiseFloor(): Int16Array {
  const out = new Int16Array(RATE);
  let seed = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = ((seed >>> 0) % 61) - 30;
  }
  return out;
}
