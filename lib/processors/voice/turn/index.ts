// Turn-taking: VAD → user turns (start/stop strategies, barge-in, idle) → turn audio.

export * from "./startStrategies.ts";
export * from "./stopStrategies.ts";
export * from "./userTurnProcessor.ts";
export * from "./turnAudio.ts";
export * from "./turnTaking.ts";
export * from "./turnConfig.ts";
export * from "./vadFactory.ts";
export * from "./falseInterruption.ts";
export { VAD_LAG_KEY, vadLagMs } from "./vadLag.ts";
export { countWords } from "./transcripts.ts";
export { vadProcessor, type StreamVad, type VadProcessorOptions, type AudioFormat } from "../vadProcessor.ts";
