// How far behind the user a VAD event is. The VAD reports a start only after start_secs of
// speech and a stop only after stop_secs of silence (rounded up to whole windows: 0.2 s of
// Silero's 32 ms windows is 224 ms), and the event comes out at the end of the audio chunk
// that completed the window. The VAD processor measures that lag in audio time and puts it
// on the frame's metadata, so turn-taking can place the true onset and end of speech.

import type { Frame } from "../../../frames/index.ts";

/** Metadata key on VAD frames: ms of audio between the speech edge and the frame. */
export const VAD_LAG_KEY = "vad_lag_ms";

/** The measured lag, or the configured window when the frame does not carry one. */
export function vadLagMs(frame: Frame): number {
  const measured = frame.metadata?.[VAD_LAG_KEY];
  if (typeof measured === "number" && Number.isFinite(measured) && measured >= 0) return measured;
  if (frame.type === "VADUserStartedSpeakingFrame") return (frame.start_secs ?? 0) * 1000;
  if (frame.type === "VADUserStoppedSpeakingFrame") return (frame.stop_secs ?? 0) * 1000;
  return 0;
}
