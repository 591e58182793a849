// Builds the real per-stream VAD (lib/audio/vad's VADAnalyzer over Silero or the energy
// detector) for the vad processor, adapting the stream to what the detector accepts: the
// analyzer wants mono PCM16 at the detector's rate, while transports deliver 16 kHz mono
// (WebRTC, WebSocket), 8 kHz (telephony) or anything a client sends. So this adapter downmixes
// to mono and resamples to 16 kHz for Silero (8 kHz input stays at 8 kHz, which Silero also
// takes). The energy detector works at any rate and only needs mono.
//
// Silero's model is loaded in `setup()` (once per process; silero-model.ts caches it) and only
// then: importing this file does not load onnxruntime, so energy-only servers never pay for it.

import type { VADEvent } from "../../../audio/vad/analyzer.ts";
import { VADAnalyzer } from "../../../audio/vad/analyzer.ts";
import type { VoiceDetector } from "../../../audio/vad/detector.ts";
import { EnergyVad } from "../../../audio/vad/energy.ts";
import type { VADParams } from "../../../audio/vad/params.ts";
import { downmixToMono, pcmBytesToInt16 } from "../../../audio/pcm.ts";
import { StreamResampler } from "../../../audio/resampler.ts";
import type { AudioFormat, StreamVad } from "../vadProcessor.ts";

export type VadType = "silero" | "energy";

export interface VadSettings {
  readonly type: VadType;
  /** confidence, start_secs, stop_secs, min_volume (vad_confidence, vad_start_secs_vad, …). */
  readonly params?: Partial<VADParams>;
  /** Energy detector: RMS (fraction of full scale) that maps to confidence 1 (vad_threshold). */
  readonly energyThreshold?: number;
}

export interface VadAnalyzerFactory {
  /** Loads what the detector needs (the Silero model). */
  setup(): Promise<void>;
  /** A fresh analyzer for one stream in this format. */
  create(format: AudioFormat): StreamVad;
}

type SileroMaker = (sampleRate: number) => VoiceDetector;

export function vadAnalyzerFactory(settings: VadSettings): VadAnalyzerFactory {
  let makeSilero: SileroMaker | undefined;
  return {
    async setup() {
      if (settings.type !== "silero" || makeSilero) return;
      const [{ loadSileroModel }, { SileroVad }] = await Promise.all([import("../../../audio/vad/silero-model.ts"), import("../../../audio/vad/silero.ts")]);
      const model = await loadSileroModel();
      makeSilero = (rate) => new SileroVad(model, rate);
    },
    create(format) {
      if (settings.type === "silero") {
        if (!makeSilero) throw new Error("the Silero VAD model is not loaded: the vad processor's setup() must run before audio arrives");
        const rate = format.sampleRate === 8000 ? 8000 : 16000;
        return new MonoVadStream(new VADAnalyzer(makeSilero(rate), settings.params), format, rate);
      }
      const detector = new EnergyVad(format.sampleRate, settings.energyThreshold !== undefined ? { threshold: settings.energyThreshold } : {});
      return new MonoVadStream(new VADAnalyzer(detector, settings.params), format, format.sampleRate);
    },
  };
}

/** Feeds a VADAnalyzer mono audio at its detector's rate, whatever the stream's format. */
class MonoVadStream implements StreamVad {
  private readonly resampler: StreamResampler | undefined;

  constructor(
    private readonly analyzer: VADAnalyzer,
    private readonly format: AudioFormat,
    detectorRate: number,
  ) {
    this.resampler = format.sampleRate !== detectorRate ? new StreamResampler(format.sampleRate, detectorRate) : undefined;
  }

  get params(): VADParams {
    return this.analyzer.params;
  }

  analyze(pcm: Uint8Array): readonly VADEvent[] {
    let samples = pcmBytesToInt16(pcm);
    if (this.format.numChannels > 1) samples = downmixToMono(samples, this.format.numChannels);
    if (this.resampler) samples = this.resampler.process(samples);
    return this.analyzer.analyze(samples);
  }

  setParams(params: Partial<VADParams>): void {
    this.analyzer.setParams(params);
  }

  reset(): void {
    this.analyzer.reset();
    this.resampler?.reset();
  }
}
