// Builds the real per-stream VAD (lib/audio/vad's VADAnalyzer over Silero or the energy
// detector) for the vad processor, adapting the stream to what the detector accepts: the
// analyzer wants mono PCM16 at the detector's rate, while transports deliver 16 kHz mono
// (WebRTC, WebSocket), 8 kHz (telephony) or anything a client sends. So this adapter downmixes
// to mono and resamples to 16 kHz for Silero (8 kHz input stays at 8 kHz, which Silero also
// takes). The energy detector works at any rate and only needs mono.
//
// Silero runs batched across all sessions of the process (lib/audio/vad/sileroBatch.ts): a
// stream's analyze() queues the windows its audio completes and returns a Promise of the VAD
// events, settled once their batch has run: after this poll phase (< 1 ms), or up to 5 ms
// later from ~13 sessions up, where waiting gathers bigger batches (sileroBatch.ts). The
// VADAnalyzer state machine is the same one as for the synchronous detectors: it is fed each
// chunk once its probabilities are in, chunks in order. Windows too quiet to pass the volume
// gate (min_volume) are not run at all: a volume meter here, ahead of the analyzer's own, tells
// the batcher which ones may be speech. A chunk that queues no window while nothing is in
// flight is analysed at once (no Promise): 3 of 8 transport frames of 20 ms, and every frame
// of a quiet microphone.
//
// Silero's model is loaded in `setup()` (once per process; silero-model.ts caches it) and only
// then: importing this file does not load onnxruntime, so energy-only servers never pay for it.

import type { VADEvent } from "../../../audio/vad/analyzer.ts";
import { VADAnalyzer } from "../../../audio/vad/analyzer.ts";
import type { VoiceDetector } from "../../../audio/vad/detector.ts";
import { EnergyVad } from "../../../audio/vad/energy.ts";
import type { VADParams } from "../../../audio/vad/params.ts";
import type { SileroBatchStream } from "../../../audio/vad/sileroBatch.ts";
import { VolumeMeter } from "../../../audio/vad/volume.ts";
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

type SileroMaker = (sampleRate: number) => SileroBatchStream;

export function vadAnalyzerFactory(settings: VadSettings): VadAnalyzerFactory {
  let makeSilero: SileroMaker | undefined;
  return {
    async setup() {
      if (settings.type !== "silero" || makeSilero) return;
      const { sharedSileroBatcher } = await import("../../../audio/vad/sileroBatch.ts");
      const batcher = await sharedSileroBatcher();
      makeSilero = (rate) => batcher.stream(rate);
    },
    create(format) {
      if (settings.type === "silero") {
        if (!makeSilero) throw new Error("the Silero VAD model is not loaded: the vad processor's setup() must run before audio arrives");
        const rate = format.sampleRate === 8000 ? 8000 : 16000;
        return new BatchedSileroVadStream(makeSilero(rate), new MonoInput(format, rate), settings.params);
      }
      const detector = new EnergyVad(format.sampleRate, settings.energyThreshold !== undefined ? { threshold: settings.energyThreshold } : {});
      return new MonoVadStream(new VADAnalyzer(detector, settings.params), new MonoInput(format, format.sampleRate));
    },
  };
}

/** Turns the stream's PCM16LE bytes into mono samples at the detector's rate. */
class MonoInput {
  private readonly resampler: StreamResampler | undefined;

  constructor(
    private readonly format: AudioFormat,
    detectorRate: number,
  ) {
    this.resampler = format.sampleRate !== detectorRate ? new StreamResampler(format.sampleRate, detectorRate) : undefined;
  }

  samples(pcm: Uint8Array): Int16Array {
    let samples = pcmBytesToInt16(pcm);
    if (this.format.numChannels > 1) samples = downmixToMono(samples, this.format.numChannels);
    if (this.resampler) samples = this.resampler.process(samples);
    return samples;
  }

  reset(): void {
    this.resampler?.reset();
  }
}

/** Feeds a VADAnalyzer over a synchronous detector, whatever the stream's format. */
class MonoVadStream implements StreamVad {
  constructor(
    private readonly analyzer: VADAnalyzer,
    private readonly input: MonoInput,
  ) {}

  get params(): VADParams {
    return this.analyzer.params;
  }

  analyze(pcm: Uint8Array): readonly VADEvent[] {
    return this.analyzer.analyze(this.input.samples(pcm));
  }

  setParams(params: Partial<VADParams>): void {
    this.analyzer.setParams(params);
  }

  reset(): void {
    this.analyzer.reset();
    this.input.reset();
  }
}

/**
 * The VADAnalyzer's detector for batched Silero: hands out the probabilities of the chunk
 * being analysed, which the stream put here once its batch had run.
 */
class ReadyProbabilities implements VoiceDetector {
  readonly sampleRate: number;
  readonly windowSamples: number;
  next: number[] = [];

  constructor(private readonly stream: SileroBatchStream) {
    this.sampleRate = stream.sampleRate;
    this.windowSamples = stream.windowSamples;
  }

  probabilities(): number[] {
    const ready = this.next;
    this.next = [];
    return ready;
  }

  reset(): void {
    this.stream.reset();
    this.next = [];
  }
}

type Outcome = { readonly probabilities: number[] } | { readonly error: unknown };

/** One stream's VAD over batched Silero: analyze() returns a Promise when windows are queued. */
class BatchedSileroVadStream implements StreamVad {
  private readonly ready: ReadyProbabilities;
  private readonly analyzer: VADAnalyzer;
  /** Runs ahead of the analyzer's meter (it sees chunks as they arrive) to find windows that cannot be speech. */
  private readonly meter: VolumeMeter;
  /** Settles after the last chunk handed in has been applied: the next one waits for it. */
  private tail: Promise<unknown> | undefined;
  private inFlight = 0;
  /** Bumped by reset(): chunks from before it are not applied. */
  private generation = 0;

  constructor(
    private readonly stream: SileroBatchStream,
    private readonly input: MonoInput,
    params: Partial<VADParams> | undefined,
  ) {
    this.ready = new ReadyProbabilities(stream);
    this.analyzer = new VADAnalyzer(this.ready, params);
    this.meter = new VolumeMeter(stream.windowSamples);
  }

  get params(): VADParams {
    return this.analyzer.params;
  }

  analyze(pcm: Uint8Array): readonly VADEvent[] | Promise<readonly VADEvent[]> {
    const samples = this.input.samples(pcm);
    const pending = this.stream.push(samples, this.maySpeak(samples));
    if (pending.queued === 0 && this.inFlight === 0) return this.apply(samples, new Array<number>(pending.windows).fill(0));
    const generation = this.generation;
    const windows = pending.windows;
    // Handled at once, so a failed batch is never an unhandled rejection while earlier chunks wait.
    const outcome: Promise<Outcome> = pending.probabilities.then(
      (probabilities) => ({ probabilities }),
      (error: unknown) => ({ error }),
    );
    this.inFlight++;
    const result = (this.tail ? this.tail.then(() => outcome) : outcome).then((done) => {
      this.inFlight--;
      if (generation !== this.generation) return [];
      if ("error" in done) {
        // Keep the analyzer's clock in step with the stream: the windows that could not be
        // analysed count as non-speech, and whatever they would cause is dropped with the error.
        this.apply(samples, new Array<number>(windows).fill(0));
        throw done.error;
      }
      return this.apply(samples, done.probabilities);
    });
    this.tail = result.then(noop, noop);
    return result;
  }

  setParams(params: Partial<VADParams>): void {
    this.analyzer.setParams(params);
  }

  reset(): void {
    this.generation++;
    this.analyzer.reset();
    this.input.reset();
    this.meter.reset();
  }

  /** Per window this chunk completes: may the volume gate let it count as speech? Undefined when the gate is off. */
  private maySpeak(samples: Int16Array): boolean[] | undefined {
    const minVolume = this.analyzer.params.min_volume;
    return this.meter.measure(samples, minVolume > 0)?.map((volume) => volume >= minVolume);
  }

  private apply(samples: Int16Array, probabilities: number[]): readonly VADEvent[] {
    this.ready.next = probabilities;
    return this.analyzer.analyze(samples);
  }
}

function noop(): void {}
