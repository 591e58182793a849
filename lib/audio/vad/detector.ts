// What the VAD state machine needs from a speech detector (Silero, energy, or a scripted fake
// in tests): a fixed analysis window and one speech probability per complete window.

export interface VoiceDetector {
  readonly sampleRate: number;
  /** Samples per analysis window (512 at 16 kHz for Silero = 32 ms; rate/100 for energy). */
  readonly windowSamples: number;
  /**
   * Probabilities (0..1) for every window completed by this audio, oldest first. Samples that
   * do not fill a window are kept for the next call, so chunk sizes need not match windows.
   * PCM16 mono at `sampleRate`, as samples or as little-endian bytes.
   */
  probabilities(pcm: Int16Array | Uint8Array): number[];
  /** Drops buffered samples and any model state: the next call starts a new stream. */
  reset(): void;
}
