// A Silero VAD stream: one per audio stream (session), all sharing the process-wide model.
// It cuts incoming PCM16 into 512-sample windows at 16 kHz (32 ms) or 256 at 8 kHz, runs each
// window inline (synchronously, see silero-model.ts) and returns one speech probability per
// window. Like Pipecat, it zeroes the LSTM state every 5 s of audio: the model needs only a
// short memory and its state otherwise drifts on long streams.
//
// This is the synchronous path (one run per window, in the caller's stack), for a single
// stream and for specs. The server batches the windows of all its sessions instead
// (sileroBatch.ts), with the same windows, rates and 5 s state reset defined here.

import { Tensor } from "onnxruntime-node";
import { asInt16 } from "../pcm.ts";
import type { VoiceDetector } from "./detector.ts";
import { loadSileroModel, SILERO_ZERO_STATE, type SileroModel } from "./silero-model.ts";
import { Windower } from "./windower.ts";

/** Window sizes Silero accepts (the smallest per rate): 32 ms at both rates. */
export const SILERO_WINDOW_SAMPLES: Readonly<Record<8000 | 16000, number>> = Object.freeze({ 16000: 512, 8000: 256 });
/** Audio after which a stream's recurrent state is zeroed. */
export const SILERO_STATE_RESET_SECS = 5;

const rateTensors = new Map<number, Tensor>();

export class SileroVad implements VoiceDetector {
  readonly sampleRate: 8000 | 16000;
  readonly windowSamples: number;
  private readonly model: SileroModel;
  private readonly windower: Windower;
  private readonly input: Float32Array;
  private readonly inputTensor: Tensor;
  private readonly rateTensor: Tensor;
  private h: Tensor = SILERO_ZERO_STATE;
  private c: Tensor = SILERO_ZERO_STATE;
  private windowsSinceStateReset = 0;
  private readonly windowsPerStateReset: number;

  constructor(model: SileroModel, sampleRate: number) {
    this.sampleRate = checkSileroRate(sampleRate);
    this.model = model;
    this.windowSamples = SILERO_WINDOW_SAMPLES[this.sampleRate];
    this.windower = new Windower(this.windowSamples);
    this.input = new Float32Array(this.windowSamples);
    // The tensor wraps `input`; each window overwrites it just before a synchronous run.
    this.inputTensor = new Tensor("float32", this.input, [1, this.windowSamples]);
    this.rateTensor = rateTensorFor(this.sampleRate);
    this.windowsPerStateReset = sileroWindowsPerStateReset(this.sampleRate);
  }

  /** Speech probabilities for every window completed by this audio (PCM16 mono). */
  pushAudio(pcm: Int16Array | Uint8Array): number[] {
    const out: number[] = [];
    this.windower.push(asInt16(pcm), (window) => out.push(this.runWindow(window)));
    return out;
  }

  probabilities(pcm: Int16Array | Uint8Array): number[] {
    return this.pushAudio(pcm);
  }

  /** Forgets buffered samples and the recurrent state. */
  reset(): void {
    this.windower.reset();
    this.h = SILERO_ZERO_STATE;
    this.c = SILERO_ZERO_STATE;
    this.windowsSinceStateReset = 0;
  }

  private runWindow(window: Int16Array): number {
    const input = this.input;
    for (let i = 0; i < window.length; i++) input[i] = (window[i] as number) / 32768;
    const step = this.model.step(this.inputTensor, this.rateTensor, this.h, this.c);
    if (++this.windowsSinceStateReset >= this.windowsPerStateReset) {
      this.h = SILERO_ZERO_STATE;
      this.c = SILERO_ZERO_STATE;
      this.windowsSinceStateReset = 0;
    } else {
      this.h = step.h;
      this.c = step.c;
    }
    return step.probability;
  }
}

/** One stream's Silero analyzer (the name the rest of the project uses). */
export type SileroStream = SileroVad;

/** A new Silero stream at 16000 or 8000 Hz; loads the shared model on first use. */
export async function createSileroVad(sampleRate: number): Promise<SileroVad> {
  checkSileroRate(sampleRate);
  return new SileroVad(await loadSileroModel(), sampleRate);
}

/** Windows between two state resets: 157 of 32 ms at either rate. */
export function sileroWindowsPerStateReset(sampleRate: 8000 | 16000): number {
  return Math.ceil((SILERO_STATE_RESET_SECS * sampleRate) / SILERO_WINDOW_SAMPLES[sampleRate]);
}

/** The rate itself when Silero takes it; a RangeError saying what to do otherwise. */
export function checkSileroRate(sampleRate: number): 8000 | 16000 {
  if (sampleRate !== 16000 && sampleRate !== 8000) {
    throw new RangeError(`Silero VAD runs at 16000 or 8000 Hz only, got ${sampleRate} Hz: resample the input first`);
  }
  return sampleRate;
}

/** The model's `sr` input for this rate (one shared tensor per rate: the model never writes it). */
export function rateTensorFor(sampleRate: number): Tensor {
  let t = rateTensors.get(sampleRate);
  if (!t) {
    t = new Tensor("int64", BigInt64Array.from([BigInt(sampleRate)]));
    rateTensors.set(sampleRate, t);
  }
  return t;
}
