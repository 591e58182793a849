// Model-free VAD, as in the Go original: 10 ms windows, confidence = RMS / threshold clipped
// to 0..1. With the default threshold 0.02 of full scale (-34 dBFS), normal speech saturates
// at 1 and a quiet room stays near 0, but any loud noise counts as speech: this detector is
// for tests, telephony fallbacks and machines where onnxruntime cannot load.

import { asInt16, rms } from "../pcm.ts";
import type { VoiceDetector } from "./detector.ts";
import { Windower } from "./windower.ts";

export const DEFAULT_ENERGY_THRESHOLD = 0.02;
const WINDOW_MS = 10;

export interface EnergyVadOptions {
  /** RMS (fraction of full scale) that maps to confidence 1. */
  readonly threshold?: number;
}

export class EnergyVad implements VoiceDetector {
  readonly sampleRate: number;
  readonly windowSamples: number;
  readonly threshold: number;
  private readonly windower: Windower;

  constructor(sampleRate: number, options: EnergyVadOptions = {}) {
    if (!Number.isInteger(sampleRate) || sampleRate < 100) throw new RangeError(`energy VAD sample rate must be an integer ≥ 100 Hz, got ${sampleRate}`);
    const threshold = options.threshold ?? DEFAULT_ENERGY_THRESHOLD;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`energy VAD threshold must be in (0, 1], got ${threshold}`);
    this.sampleRate = sampleRate;
    this.threshold = threshold;
    this.windowSamples = Math.round((sampleRate * WINDOW_MS) / 1000);
    this.windower = new Windower(this.windowSamples);
  }

  probabilities(pcm: Int16Array | Uint8Array): number[] {
    const out: number[] = [];
    this.windower.push(asInt16(pcm), (window) => {
      const c = rms(window) / this.threshold;
      out.push(c > 1 ? 1 : c);
    });
    return out;
  }

  reset(): void {
    this.windower.reset();
  }
}

export function createEnergyVad(sampleRate: number, options: EnergyVadOptions = {}): EnergyVad {
  return new EnergyVad(sampleRate, options);
}
