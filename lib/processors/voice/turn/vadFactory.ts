// Builds the real per-stream VAD (lib/audio/vad's VADAnalyzer over Silero or the energy
// detector) for the vad processor, adapting the stream to what the detector accepts: the
// analyzer wants mono PCM16 at the detector's rate, while transports deliver 16 kHz mono
// (WebRTC, WebSocket), 8 kHz (telephony) or anything a client sends. So this adapter downmixes
// to mono and resamples to 16 kHz for Silero (8 kHz input stays at 8 kHz, which Silero also
// takes). The energy detector works at any rate and only needs mono.
//
// Silero runs batched across all sessions of the process (lib/audio/vad/sileroBatch.ts): a
// stream's analyze() queues the windows its audio completes and answers VAD_LATER; the chunk is
// analysed once its windows' probabilities come back from their batch: after this poll phase
// (< 1 ms), or up to 5 ms later from ~13 sessions up, where waiting gathers bigger batches
// (sileroBatch.ts). The VADAnalyzer state machine is the same one as for the synchronous
// detectors: it is fed each chunk once its probabilities are in, chunks in order. Windows too
// quiet to pass the volume gate (min_volume) are not run at all: a volume meter here, ahead of
// the analyzer's own, tells the batcher which ones may be speech. A chunk whose windows are all
// known at once (none, or only skipped ones, and nothing ahead of it in flight) is answered at
// once: 3 of 8 transport frames of 20 ms, and every frame of a quiet microphone.
//
// Silero's model is loaded in `setup()` (once per process; silero-model.ts caches it) and only
// then: importing this file does not load onnxruntime, so energy-only servers never pay for it.

import type { VADEvent } from "../../../audio/vad/analyzer.ts";
import { VADAnalyzer } from "../../../audio/vad/analyzer.ts";
import type { VoiceDetector } from "../../../audio/vad/detector.ts";
import { EnergyVad } from "../../../audio/vad/energy.ts";
import type { VADParams } from "../../../audio/vad/params.ts";
import type { SileroBatchStream, WindowSink } from "../../../audio/vad/sileroBatch.ts";
import { VolumeMeter } from "../../../audio/vad/volume.ts";
import { downmixToMono, PcmScratch, pcmBytesToInt16 } from "../../../audio/pcm.ts";
import { StreamResampler } from "../../../audio/resampler.ts";
import { VAD_LATER, type AudioFormat, type LateVad, type StreamVad } from "../vadProcessor.ts";

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

/**
 * Turns the stream's PCM16LE bytes into mono samples at the detector's rate. What samples()
 * returns is valid until its next call (a payload at an odd offset is copied into reused
 * storage).
 */
class MonoInput {
  private readonly resampler: StreamResampler | undefined;
  private readonly scratch = new PcmScratch();

  constructor(
    private readonly format: AudioFormat,
    detectorRate: number,
  ) {
    this.resampler = format.sampleRate !== detectorRate ? new StreamResampler(format.sampleRate, detectorRate) : undefined;
  }

  samples(pcm: Uint8Array): Int16Array {
    let samples = pcmBytesToInt16(pcm, this.scratch);
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
 * being analysed, which the stream put here once its windows had run.
 */
class ReadyProbabilities implements VoiceDetector {
  readonly sampleRate: number;
  readonly windowSamples: number;
  /** Reused for every chunk: the analyzer reads it within analyze() and keeps nothing. */
  readonly next: number[] = [];

  constructor(private readonly stream: SileroBatchStream) {
    this.sampleRate = stream.sampleRate;
    this.windowSamples = stream.windowSamples;
  }

  probabilities(): number[] {
    return this.next;
  }

  reset(): void {
    this.stream.reset();
    this.next.length = 0;
  }
}

const NO_EVENTS: readonly VADEvent[] = Object.freeze([]);
/** Chunk copies kept for reuse per stream: more than are in flight at once under load. */
const MAX_SPARE_CHUNKS = 8;

/**
 * One stream's VAD over batched Silero. analyze() answers at once when every window the chunk
 * completes is known at once (skipped by the volume gate, nothing ahead in flight); otherwise
 * it answers VAD_LATER and the chunk is analysed when the stream hands its last probability to
 * this sink, chunks in order. A chunk waits in a copy whose storage is reused once the chunk
 * is analysed: nothing per chunk is allocated but the place in the queue, and the transport's
 * buffers are not held while the batch runs.
 */
class BatchedSileroVadStream implements StreamVad, WindowSink {
  private readonly ready: ReadyProbabilities;
  private readonly analyzer: VADAnalyzer;
  /** Runs ahead of the analyzer's meter (it sees chunks as they arrive) to find windows that cannot be speech. */
  private readonly meter: VolumeMeter;
  private mask = new Uint8Array(8);
  /** Chunks waiting for probabilities (copies), oldest at `head`, with how many windows each completes. */
  private readonly chunks: Array<Int16Array | undefined> = [];
  /** Storage of analysed chunks, for the next ones of the same length (a stream's chunks mostly are). */
  private readonly spare: Int16Array[] = [];
  private readonly chunkWindows: number[] = [];
  private head = 0;
  /** Probabilities received and not yet used, oldest at `taken`. */
  private readonly probabilities: number[] = [];
  private taken = 0;
  /** A failed window's error, for the chunk holding probability number `failedAt` (counted like `taken`). */
  private failure: { readonly error: Error; readonly at: number } | undefined;
  /** Where results of chunks that could not be answered at once go. */
  private late: LateVad | undefined;
  /** Set while analyze() runs: the chunk's events if it could be analysed at once. */
  private sync: { events: readonly VADEvent[] } | undefined;

  constructor(
    private readonly stream: SileroBatchStream,
    private readonly input: MonoInput,
    params: Partial<VADParams> | undefined,
  ) {
    this.ready = new ReadyProbabilities(stream);
    this.analyzer = new VADAnalyzer(this.ready, params);
    this.meter = new VolumeMeter(stream.windowSamples);
    stream.setSink(this);
  }

  get params(): VADParams {
    return this.analyzer.params;
  }

  analyze(pcm: Uint8Array, late: LateVad): readonly VADEvent[] | typeof VAD_LATER {
    this.late = late;
    const samples = this.hold(this.input.samples(pcm));
    this.chunks.push(samples);
    this.chunkWindows.push(this.stream.windowsIn(samples.length));
    const answer = { events: NO_EVENTS };
    this.sync = answer;
    try {
      this.stream.write(samples, this.maySpeak(samples));
      this.drain();
    } finally {
      this.sync = undefined;
    }
    return this.head === this.chunks.length ? answer.events : VAD_LATER;
  }

  setParams(params: Partial<VADParams>): void {
    this.analyzer.setParams(params);
  }

  reset(): void {
    this.analyzer.reset();
    this.input.reset();
    this.meter.reset();
    this.forget();
  }

  window(probability: number): void {
    this.probabilities.push(probability);
    this.drain();
  }

  failed(error: Error): void {
    this.failure ??= { error, at: this.probabilities.length };
    this.window(0);
  }

  /** Per window this chunk completes: 1 when the volume gate may let it count as speech. Undefined when the gate is off. */
  private maySpeak(samples: Int16Array): Uint8Array | undefined {
    const minVolume = this.analyzer.params.min_volume;
    const windows = this.meter.measure(samples, minVolume > 0);
    if (windows < 0) return undefined;
    if (windows > this.mask.length) this.mask = new Uint8Array(windows * 2);
    const levels = this.meter.levels;
    for (let i = 0; i < windows; i++) this.mask[i] = (levels[i] as number) >= minVolume ? 1 : 0;
    return this.mask;
  }

  /** Analyses every chunk at the head whose probabilities are all in, in order. */
  private drain(): void {
    while (this.head < this.chunks.length) {
      const windows = this.chunkWindows[this.head] as number;
      if (this.probabilities.length - this.taken < windows) return;
      const samples = this.chunks[this.head] as Int16Array;
      this.chunks[this.head] = undefined;
      this.head++;
      const next = this.ready.next;
      next.length = windows;
      for (let i = 0; i < windows; i++) next[i] = this.probabilities[this.taken + i] as number;
      const failure = this.failure && this.failure.at < this.taken + windows ? this.failure : undefined;
      this.taken += windows;
      if (failure) this.failure = undefined;
      this.settle(samples, failure?.error);
      this.release(samples);
    }
    this.compact();
  }

  /** A copy of `samples` in spare storage of their length, or new storage. */
  private hold(samples: Int16Array): Int16Array {
    let copy = this.spare.pop();
    if (copy?.length !== samples.length) copy = new Int16Array(samples.length);
    copy.set(samples);
    return copy;
  }

  /** Keeps an analysed chunk's storage for the next chunk (the analyzer keeps nothing of it). */
  private release(samples: Int16Array): void {
    if (this.spare.length < MAX_SPARE_CHUNKS) this.spare.push(samples);
  }

  /** Feeds one chunk to the analyzer and hands its events (or its batch's error) on. */
  private settle(samples: Int16Array, error: Error | undefined): void {
    let events: readonly VADEvent[];
    try {
      // A failed window counts as non-speech, so the analyzer's clock stays in step with the stream.
      events = this.analyzer.analyze(samples);
    } catch (caught) {
      if (this.sync) throw caught;
      this.late?.error(caught);
      return;
    }
    if (error) {
      if (this.sync) throw error;
      this.late?.error(error);
    } else if (this.sync) {
      this.sync.events = events;
    } else if (events.length > 0) {
      this.late?.events(events);
    }
  }

  /** Empties the queues once every chunk in them is analysed: they never grow past what is in flight. */
  private compact(): void {
    if (this.head === this.chunks.length) {
      this.forget();
    } else if (this.head >= 64) {
      // Always something in flight (a loaded server): drop the analysed front now and then.
      this.chunks.splice(0, this.head);
      this.chunkWindows.splice(0, this.head);
      this.head = 0;
      this.probabilities.splice(0, this.taken);
      if (this.failure) this.failure = { error: this.failure.error, at: this.failure.at - this.taken };
      this.taken = 0;
    }
  }

  private forget(): void {
    this.chunks.length = 0;
    this.chunkWindows.length = 0;
    this.head = 0;
    this.probabilities.length = 0;
    this.taken = 0;
    this.failure = undefined;
  }
}
