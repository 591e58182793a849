// The VAD state machine: QUIET → STARTING → SPEAKING → STOPPING → QUIET, driven by one speech
// probability per detector window and, optionally, a loudness gate.
//
// A window counts as speech when probability ≥ confidence AND smoothed volume ≥ min_volume.
// speech_start fires once start_secs of consecutive speech windows have been seen, speech_stop
// once stop_secs of consecutive non-speech windows have: "seen" means audio time, counted in
// windows (windows × window duration ≥ secs), never wall time. With Silero's 32 ms windows
// and 0.2 s that is 7 windows (224 ms); Pipecat rounds instead (6 windows, 192 ms).
//
// Volume: the smoothed loudness of each window (volume.ts: RMS in dBFS mapped from -110..-10
// onto 0..1, smoothed by 0.2 per window), so min_volume 0.6 is -50 dBFS. When min_volume is 0
// the gate is off and no volume is computed at all.

import { asInt16 } from "../pcm.ts";
import type { VoiceDetector } from "./detector.ts";
import { resolveVADParams, type VADParams } from "./params.ts";
import { VolumeMeter } from "./volume.ts";

export type VADState = "QUIET" | "STARTING" | "SPEAKING" | "STOPPING";

export type VADEvent =
  | {
      readonly type: "speech_start";
      /** Audio time (ms since stream start) at the end of the window that confirmed speech. */
      readonly atMs: number;
      /** Audio time where the run of speech windows that led here began. */
      readonly onsetMs: number;
      readonly startSecs: number;
    }
  | {
      readonly type: "speech_stop";
      readonly atMs: number;
      /** Audio time where the run of non-speech windows that led here began (≈ end of speech). */
      readonly onsetMs: number;
      readonly stopSecs: number;
    };

const NO_EVENTS: readonly VADEvent[] = Object.freeze([]);

export class VADAnalyzer {
  readonly detector: VoiceDetector;
  private currentParams: VADParams;
  private startWindows = 1;
  private stopWindows = 1;
  private current: VADState = "QUIET";
  private startingCount = 0;
  private stoppingCount = 0;
  /** Complete windows analysed since the stream began. */
  private windows = 0;
  /** Samples of the window in progress (the detector holds the same remainder). */
  private phase = 0;
  private readonly meter: VolumeMeter;
  private lastConfidence = 0;
  private readonly windowMs: number;

  /** The analyzer owns `detector` from here on: it is reset so both start at sample 0. */
  constructor(detector: VoiceDetector, params: Partial<VADParams> = {}) {
    this.detector = detector;
    this.windowMs = (detector.windowSamples * 1000) / detector.sampleRate;
    this.meter = new VolumeMeter(detector.windowSamples);
    this.currentParams = resolveVADParams(params);
    this.updateWindowCounts();
    detector.reset();
  }

  get state(): VADState {
    return this.current;
  }

  get params(): VADParams {
    return this.currentParams;
  }

  /** Audio analysed so far, in ms (complete windows only). */
  get timeMs(): number {
    return this.windows * this.windowMs;
  }

  /** Smoothed volume after the last window (0..1); stays 0 while the gate is off. */
  get volume(): number {
    return this.meter.volume;
  }

  /** Speech probability of the last window. */
  get confidence(): number {
    return this.lastConfidence;
  }

  /** Changes parameters mid-stream (VADParamsUpdateFrame). Invalid values throw, changing nothing. */
  setParams(partial: Partial<VADParams>): void {
    // Turning the gate on starts the volume's smoothing afresh (VolumeMeter.measure).
    this.currentParams = resolveVADParams(partial, this.currentParams);
    this.updateWindowCounts();
  }

  /** Feeds PCM16 mono at the detector's rate; returns the transitions it caused, in order. */
  analyze(pcm: Int16Array | Uint8Array): readonly VADEvent[] {
    const samples = asInt16(pcm);
    const probabilities = this.detector.probabilities(samples);
    const measured = this.meter.measure(samples, this.currentParams.min_volume > 0);
    const expected = Math.floor((this.phase + samples.length) / this.detector.windowSamples);
    this.phase = (this.phase + samples.length) % this.detector.windowSamples;
    if (probabilities.length !== expected) {
      throw new Error(
        `VAD detector returned ${probabilities.length} probabilities for ${expected} complete windows: a detector must feed one analyzer only`,
      );
    }
    let events: VADEvent[] | undefined;
    for (let i = 0; i < probabilities.length; i++) {
      const event = this.step(probabilities[i] as number, measured < 0 ? undefined : this.meter.levels[i]);
      if (event) (events ??= []).push(event);
    }
    return events ?? NO_EVENTS;
  }

  /** Back to QUIET at audio time 0, detector included: the next analyze starts a new stream. */
  reset(): void {
    this.detector.reset();
    this.current = "QUIET";
    this.startingCount = 0;
    this.stoppingCount = 0;
    this.windows = 0;
    this.phase = 0;
    this.meter.reset();
    this.lastConfidence = 0;
  }

  /** `volume` is the smoothed volume after this window, when the gate is on. */
  private step(confidence: number, volume: number | undefined): VADEvent | undefined {
    this.windows++;
    this.lastConfidence = confidence;
    const { params } = this;
    let speech = confidence >= params.confidence;
    if (volume !== undefined) speech &&= volume >= params.min_volume;
    if (speech) {
      if (this.current === "QUIET") {
        this.current = "STARTING";
        this.startingCount = 1;
      } else if (this.current === "STARTING") {
        this.startingCount++;
      } else if (this.current === "STOPPING") {
        this.current = "SPEAKING";
        this.stoppingCount = 0;
      }
    } else if (this.current === "STARTING") {
      this.current = "QUIET";
      this.startingCount = 0;
    } else if (this.current === "SPEAKING") {
      this.current = "STOPPING";
      this.stoppingCount = 1;
    } else if (this.current === "STOPPING") {
      this.stoppingCount++;
    }

    if (this.current === "STARTING" && this.startingCount >= this.startWindows) {
      const onsetMs = (this.windows - this.startingCount) * this.windowMs;
      this.current = "SPEAKING";
      this.startingCount = 0;
      return { type: "speech_start", atMs: this.timeMs, onsetMs, startSecs: params.start_secs };
    }
    if (this.current === "STOPPING" && this.stoppingCount >= this.stopWindows) {
      const onsetMs = (this.windows - this.stoppingCount) * this.windowMs;
      this.current = "QUIET";
      this.stoppingCount = 0;
      return { type: "speech_stop", atMs: this.timeMs, onsetMs, stopSecs: params.stop_secs };
    }
    return undefined;
  }

  private updateWindowCounts(): void {
    const perSec = this.detector.sampleRate / this.detector.windowSamples;
    // The epsilon keeps 0.2 s of 10 ms windows at 20, not 21, despite float error.
    this.startWindows = Math.max(1, Math.ceil(this.currentParams.start_secs * perSec - 1e-9));
    this.stopWindows = Math.max(1, Math.ceil(this.currentParams.stop_secs * perSec - 1e-9));
  }
}
