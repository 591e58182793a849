// Reading user transcripts: which frames carry one, their text, and how many words they hold.

import { isFrame, type Frame } from "../../../frames/index.ts";

/** Text of a final or interim transcript with something in it; undefined otherwise. */
export function transcriptText(frame: Frame, { interim = true }: { readonly interim?: boolean } = {}): string | undefined {
  if (frame.type === "TranscriptionFrame" || (interim && frame.type === "InterimTranscriptionFrame")) {
    return frame.text.trim() === "" ? undefined : frame.text;
  }
  return undefined;
}

export function isFinalTranscript(frame: Frame): boolean {
  return frame.type === "TranscriptionFrame" && frame.text.trim() !== "";
}

export function isVadFrame(frame: Frame): frame is Frame<"VADUserStartedSpeakingFrame" | "VADUserStoppedSpeakingFrame"> {
  return frame.type === "VADUserStartedSpeakingFrame" || frame.type === "VADUserStoppedSpeakingFrame";
}

export function isInputAudio(frame: Frame): frame is Frame<"InputAudioRawFrame"> {
  return isFrame(frame, "InputAudioRawFrame");
}

// A word is a run of non-space characters holding at least one letter or digit, so "—" and
// "..." count for nothing and "o'clock" counts once.
const WORD = /[^\s]*[\p{L}\p{N}][^\s]*/gu;

export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}
