// The silence end-of-turn analyzer: the turn is over once `stop_secs` of audio the VAD calls
// non-speech has followed speech. Counted in audio time (bytes of PCM), never wall time, so a
// burst of late network packets is judged by what the user did, not by when it arrived. This is
// the Go original's analyzer; unlike it, a chunk's duration is computed from its own rate and
// channel count, and an empty or odd chunk counts for nothing instead of corrupting the total.

import type { EndOfTurnState, TurnAnalyzer } from "./analyzer.ts";

export interface SilenceTurnAnalyzerOptions {
  /** Seconds of non-speech audio after speech that complete the turn. @defaultValue 0.8 */
  readonly stopSecs?: number;
}

export class SilenceTurnAnalyzer implements TurnAnalyzer {
  readonly name = "silence";
  readonly stopMs: number;
  private speech = false;
  private silenceMs = 0;

  constructor(options: SilenceTurnAnalyzerOptions = {}) {
    const stopSecs = options.stopSecs ?? 0.8;
    if (!(Number.isFinite(stopSecs) && stopSecs >= 0)) throw new RangeError(`silence analyzer stopSecs must be a number ≥ 0, got ${stopSecs}`);
    this.stopMs = stopSecs * 1000;
  }

  get speechTriggered(): boolean {
    return this.speech;
  }

  /** Non-speech audio counted since the last speech (ms). */
  get silenceSoFarMs(): number {
    return this.silenceMs;
  }

  appendAudio(pcm: Uint8Array, sampleRate: number, numChannels: number, isSpeech: boolean): EndOfTurnState {
    if (isSpeech) {
      this.speech = true;
      this.silenceMs = 0;
      return "incomplete";
    }
    if (!this.speech) return "incomplete";
    if (sampleRate > 0 && numChannels > 0) this.silenceMs += (Math.floor(pcm.byteLength / (2 * numChannels)) * 1000) / sampleRate;
    return this.verdict();
  }

  analyzeEndOfTurn(): EndOfTurnState {
    return this.verdict();
  }

  clear(): void {
    this.speech = false;
    this.silenceMs = 0;
  }

  private verdict(): EndOfTurnState {
    // 1e-6 ms of slack: 40 chunks of 20 ms must reach 800 ms despite float sums.
    return this.speech && this.silenceMs + 1e-6 >= this.stopMs ? "complete" : "incomplete";
  }
}

export function silenceTurnAnalyzer(options: SilenceTurnAnalyzerOptions = {}): SilenceTurnAnalyzer {
  return new SilenceTurnAnalyzer(options);
}
