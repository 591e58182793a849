// The end-of-turn analyzer contract: something that listens to the user's audio during a turn
// and decides when the turn is over. The silence analyzer (silence.ts) counts quiet audio; a
// model-based analyzer (Smart Turn: a Whisper-Tiny encoder over the last 8 s of the turn, ~12 ms
// per call on a CPU) fits the same shape, because its verdict may be asynchronous.
//
// Two entry points, because the two kinds of analyzer decide at different moments:
//   appendAudio        — every chunk of the turn, inline and cheap: rules counted in audio time
//                        (silence ≥ stop_secs) answer here;
//   analyzeEndOfTurn   — once per VAD stop: a model looks at the turn so far. The answer may be
//                        a value, a Promise or an Observable; the caller drops it (unsubscribes)
//                        if the user speaks again before it arrives.

import type { Observable } from "rxjs";

export type EndOfTurnState = "complete" | "incomplete";

/** A verdict now, later (Promise), or cancellable later (Observable: unsubscribing aborts the work). */
export type EndOfTurnVerdict = EndOfTurnState | PromiseLike<EndOfTurnState> | Observable<EndOfTurnState>;

export interface TurnAnalyzer {
  /** Short name for logs ("silence", "smart_turn"). */
  readonly name: string;
  /** True once speech has been appended since the last `clear()`. */
  readonly speechTriggered: boolean;
  /**
   * One chunk of the user's audio (PCM16LE, interleaved when numChannels > 1) and whether the
   * VAD calls it speech. Runs inline for every chunk of the turn, so it must be cheap.
   * Returns "complete" once the analyzer's own audio-time rule says the turn is over.
   */
  appendAudio(pcm: Uint8Array, sampleRate: number, numChannels: number, isSpeech: boolean): EndOfTurnState;
  /** Asked when the VAD reports the end of speech: is the turn over? */
  analyzeEndOfTurn(): EndOfTurnVerdict;
  /** Forgets the turn (called when a user turn starts and when it ends). */
  clear(): void;
}
