// What the bot does after a false interruption.
//
// A barge-in that brings no words (a cough, a door, a chair) has already cut the bot off: the
// InterruptionFrame flushed its queued audio, stopped TTS and the LLM stream, and the assistant
// context kept only the words that were heard. Two cases:
//
//   "reply"   the bot was speaking. Pipecat and LiveKit can *resume* paused playback; here the
//             audio is gone, so the honest recovery is to ask the assistant to carry on. The
//             turn controller pushes, downstream, one LLMMessagesAppendFrame holding a short
//             system note and `run_llm: true`: the LLM sees its own cut-off reply followed by
//             the note and continues from where it stopped, rather than answering a user
//             message that does not exist. A bare LLMRunFrame would re-run the same context
//             with no hint that nothing was said, and models then tend to restart from the top.
//   "answer"  the bot was silent but the user had finished a turn it had not answered yet: the
//             answer may have been on its way (being thought or synthesized) and the
//             interruption dropped it. One LLMRunFrame with `only_if_unanswered` asks the user
//             context aggregator to run again, which it does only if that answer is really
//             missing: the context still ends with the user's (or a tool's) message and nothing
//             has been run since the interruption. An answer that had been given, or a new user
//             message committed meanwhile, makes it a no-op.
//
// When: a transcript (interim or final) of the interrupting speech cancels the recovery (the
// STT processor sends each transcript upstream too, so the turn controller in front of it hears
// it). The wait is measured from the END of the interrupting user turn, not from the
// interruption: an STT that transcribes the finished turn's audio cannot produce a transcript
// any earlier, and counting from the interruption would call a 3 s sentence noise before it was
// even sent.

import { createFrame, type Frame, type IdSource } from "../../../frames/index.ts";

export const FALSE_INTERRUPTION_NOTE =
  "The user did not say anything: the sound that cut off your last reply was noise, not speech. " +
  "Continue your reply naturally from where it was cut off, without repeating what was already said.";

/** What the interruption cut: a reply being heard, or an answer not heard yet. */
export type Interrupted = "reply" | "answer";

/** Frames that ask the assistant to carry on after a false interruption. */
export type ResumeFrames = (ids: IdSource, interrupted: Interrupted) => readonly Frame[];

export const continueAfterNoise: ResumeFrames = (ids, interrupted) =>
  interrupted === "reply"
    ? [createFrame(ids, "LLMMessagesAppendFrame", { messages: [{ role: "system", content: FALSE_INTERRUPTION_NOTE }], run_llm: true })]
    : [createFrame(ids, "LLMRunFrame", { only_if_unanswered: true })];
