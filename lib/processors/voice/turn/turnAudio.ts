// turnAudio: the audio side of the TurnProcessor. When a user turn ends it emits ONE
// AudioRawFrame holding exactly the turn: `preSpeechMs` of audio from before the speech began,
// then everything from the onset to the end of the turn. Not the silence, bot speech and echo
// since the previous turn (the Go original sent all of that), and not more pre-speech than
// asked (there, turn_pre_speech_ms only sized a buffer).
//
//   audio:        …aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…
//   speech:               [=============]
//   VAD start:                  S            (start_secs + window later: the lag)
//   UserStopped:                                      u
//   turn frame:       [pre][============================]
//
// Onset: a VAD start carries its lag behind the true onset (vadLag.ts), so the capture begins
// preSpeechMs + lag before the frame. A turn that starts without a VAD start (a transcript, a
// push-to-talk client) keeps preSpeechMs before the UserStartedSpeakingFrame.
//
// After a turn is emitted the pre-speech ring starts empty: a quick next turn's pre-speech
// never repeats audio that was already sent with the last one.
//
// A capture opened by the VAD that no user turn claims (a start strategy rejected "mm-hm" while
// the bot spoke) is held after the VAD stop, in case a late transcript opens the turn, and is
// discarded at the next VAD start. The buffer is bounded: at most preSpeechMs + lag +
// maxDurationMs (the user turn processor ends turns at max duration), or 120 s when unlimited,
// keeping the newest audio.
//
// Input audio passes on untouched (streaming STT needs it). CancelFrame and EndFrame drop
// everything. An InterruptionFrame changes nothing: it is the user's speech that caused it, and
// that speech belongs in the turn.

import { Observable } from "rxjs";
import { pcmBytesForMs } from "../../../audio/pcm.ts";
import { audioFrame, type Frame } from "../../../frames/index.ts";
import type { ProcessorContext } from "../../../pipeline/context.ts";
import { processor, type Processor } from "../../../pipeline/processor.ts";
import { PcmRing } from "./pcmRing.ts";
import { vadLagMs } from "./vadLag.ts";

export interface TurnAudioOptions {
  /** Audio kept from before the onset of speech (turn_pre_speech_ms). @defaultValue 500 */
  readonly preSpeechMs?: number;
  /** Longest turn (turn_max_duration_secs in ms); 0 = unlimited (then 120 s are kept). @defaultValue 30000 */
  readonly maxDurationMs?: number;
  /**
   * Speech kept before the VAD start event (vad_start_secs in ms). Absent: the lag the VAD
   * processor measured, else the frame's start_secs.
   */
  readonly vadStartKeepMs?: number;
}

const UNLIMITED_KEEP_MS = 120_000;
/** Room in the pre-speech ring beyond pre-speech + start window: VAD windows, chunking, async results. */
const RING_SLACK_MS = 1000;

type CaptureState = "speaking" | "held" | "turn";

interface Capture {
  readonly audio: PcmRing;
  state: CaptureState;
}

interface Format {
  readonly sampleRate: number;
  readonly numChannels: number;
}

export function turnAudioProcessor(ctx: ProcessorContext, options: TurnAudioOptions = {}): Processor {
  const preMs = options.preSpeechMs ?? 500;
  const maxMs = options.maxDurationMs ?? 30_000;
  if (!(preMs >= 0) || !(maxMs >= 0)) throw new RangeError(`turn audio needs preSpeechMs ≥ 0 and maxDurationMs ≥ 0, got ${preMs} and ${maxMs}`);
  const keepMs = maxMs > 0 ? maxMs : UNLIMITED_KEEP_MS;

  return processor("turn_audio", () => ({
    down: (source) =>
      new Observable<Frame>((subscriber) => {
        let format: Format | undefined;
        let startWindowMs = 200;
        const ring = new PcmRing(0);
        let capture: Capture | undefined;

        const bytes = (ms: number): number => (format ? pcmBytesForMs(ms, format.sampleRate, format.numChannels) : 0);
        const sizeRing = (): void => {
          ring.capacity = bytes(preMs + Math.max(options.vadStartKeepMs ?? 0, startWindowMs) + RING_SLACK_MS);
        };
        const open = (state: CaptureState, leadMs: number): Capture => {
          const lead = bytes(preMs + leadMs);
          const audio = new PcmRing(bytes(preMs + leadMs + keepMs));
          audio.push(ring.takeLast(lead));
          return { audio, state };
        };
        const reset = (): void => {
          capture = undefined;
          ring.clear();
        };

        const onAudio = (frame: Frame<"InputAudioRawFrame">): void => {
          if (!format || format.sampleRate !== frame.sample_rate || format.numChannels !== frame.num_channels) {
            // A new format invalidates what was kept: PCM of two rates cannot be joined. A turn
            // in progress (one opened before any audio, by a client) goes on with the new audio.
            const inTurn = capture?.state === "turn";
            format = { sampleRate: frame.sample_rate, numChannels: frame.num_channels };
            reset();
            sizeRing();
            if (inTurn) capture = open("turn", 0);
          }
          if (capture === undefined || capture.state === "held") ring.push(frame.audio);
          if (capture !== undefined) capture.audio.push(frame.audio);
        };

        const onFrame = (frame: Frame): Frame | undefined => {
          switch (frame.type) {
            case "VADUserStartedSpeakingFrame": {
              if (frame.start_secs !== undefined && frame.start_secs * 1000 !== startWindowMs) {
                startWindowMs = frame.start_secs * 1000;
                sizeRing();
              }
              if (capture === undefined || capture.state === "held") capture = open("speaking", options.vadStartKeepMs ?? vadLagMs(frame));
              return undefined;
            }
            case "VADUserStoppedSpeakingFrame":
              if (capture?.state === "speaking") capture.state = "held";
              return undefined;
            case "UserStartedSpeakingFrame":
              if (capture === undefined) capture = open("turn", 0);
              else capture.state = "turn";
              return undefined;
            case "UserStoppedSpeakingFrame": {
              if (capture?.state !== "turn" || !format) return undefined;
              const pcm = capture.audio.takeLast(capture.audio.byteLength);
              reset();
              return audioFrame(ctx.ids, "AudioRawFrame", pcm, format.sampleRate, format.numChannels);
            }
            case "CancelFrame":
            case "EndFrame":
              reset();
              return undefined;
            default:
              return undefined;
          }
        };

        const sub = source.subscribe({
          next(frame) {
            if (frame.type === "InputAudioRawFrame") {
              onAudio(frame);
              subscriber.next(frame);
              return;
            }
            const turn = onFrame(frame);
            subscriber.next(frame);
            if (turn) subscriber.next(turn);
          },
          error: (e: unknown) => subscriber.error(e),
          complete: () => subscriber.complete(),
        });
        return () => {
          sub.unsubscribe();
          reset();
        };
      }),
  }));
}
