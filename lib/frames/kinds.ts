// The frame taxonomy: every frame type name, its category and its parent type.
//
// Categories follow Pipecat: *system* frames are handled at once and never wait behind
// queued work (lifecycle, interruption, speaking state, input audio, errors); *data* and
// *control* frames are ordered and are dropped by an interruption unless the type is
// marked uninterruptible. Input audio is system, output audio is data: that asymmetry is
// what lets barge-in flush the bot's voice without ever delaying the user's microphone.
//
// `parent` gives sub-typing for guards: an LLMTextFrame is a TextFrame, a TTSAudioRawFrame
// is an OutputAudioRawFrame is an AudioRawFrame.

export type FrameCategory = "system" | "data" | "control";

interface KindSpec {
  readonly category: FrameCategory;
  readonly parent?: string;
  readonly uninterruptible?: boolean;
}

export const FRAME_KINDS = {
  // ── system: lifecycle ───────────────────────────────────────────────────────
  StartFrame: { category: "system" },
  CancelFrame: { category: "system" },
  ErrorFrame: { category: "system" },
  FatalErrorFrame: { category: "system", parent: "ErrorFrame" },
  InterruptionFrame: { category: "system" },
  // ── system: speaking state ──────────────────────────────────────────────────
  UserStartedSpeakingFrame: { category: "system" },
  UserStoppedSpeakingFrame: { category: "system" },
  UserSpeakingFrame: { category: "system" },
  VADUserStartedSpeakingFrame: { category: "system" },
  VADUserStoppedSpeakingFrame: { category: "system" },
  BotStartedSpeakingFrame: { category: "system" },
  BotStoppedSpeakingFrame: { category: "system" },
  BotSpeakingFrame: { category: "system" },
  BotInterruptionFrame: { category: "system" },
  UserIdleFrame: { category: "system" },
  // ── system: input ───────────────────────────────────────────────────────────
  InputAudioRawFrame: { category: "system" },
  InputDTMFFrame: { category: "system" },
  InputTransportMessageFrame: { category: "system" },
  OutputTransportMessageUrgentFrame: { category: "system" },
  OutputDTMFUrgentFrame: { category: "system" },
  RTVIClientMessageFrame: { category: "system" },
  RTVIServerMessageFrame: { category: "system" },
  MetricsFrame: { category: "system" },
  FunctionCallsStartedFrame: { category: "system" },
  FunctionCallCancelFrame: { category: "system" },
  STTMuteFrame: { category: "system" },
  ClientConnectedFrame: { category: "system" },
  ManuallySwitchServiceFrame: { category: "system" },
  ServiceMetadataFrame: { category: "system" },
  ServiceSwitcherRequestMetadataFrame: { category: "system" },
  // ── data: audio ─────────────────────────────────────────────────────────────
  AudioRawFrame: { category: "data" },
  OutputAudioRawFrame: { category: "data", parent: "AudioRawFrame" },
  TTSAudioRawFrame: { category: "data", parent: "OutputAudioRawFrame" },
  // ── data: text ──────────────────────────────────────────────────────────────
  TextFrame: { category: "data" },
  LLMTextFrame: { category: "data", parent: "TextFrame" },
  TTSTextFrame: { category: "data", parent: "TextFrame" },
  AggregatedTextFrame: { category: "data", parent: "TextFrame" },
  TranscriptionFrame: { category: "data", parent: "TextFrame" },
  InterimTranscriptionFrame: { category: "data", parent: "TextFrame" },
  TTSSpeakFrame: { category: "data" },
  // ── data: LLM context ───────────────────────────────────────────────────────
  LLMContextFrame: { category: "data" },
  LLMRunFrame: { category: "data" },
  LLMMessagesUpdateFrame: { category: "data" },
  LLMMessagesAppendFrame: { category: "data" },
  LLMSetToolsFrame: { category: "data" },
  LLMSetToolChoiceFrame: { category: "data" },
  FunctionCallResultFrame: { category: "data", uninterruptible: true },
  LLMContextSummaryRequestFrame: { category: "data" },
  LLMContextSummaryResultFrame: { category: "data", uninterruptible: true },
  // ── data: misc ──────────────────────────────────────────────────────────────
  TransportMessageFrame: { category: "data" },
  OutputTransportMessageFrame: { category: "data", parent: "TransportMessageFrame" },
  // ── control ─────────────────────────────────────────────────────────────────
  EndFrame: { category: "control", uninterruptible: true },
  StopFrame: { category: "control", uninterruptible: true },
  SyncFrame: { category: "control" },
  HeartbeatFrame: { category: "control" },
  LLMFullResponseStartFrame: { category: "control" },
  LLMFullResponseEndFrame: { category: "control" },
  TTSStartedFrame: { category: "control" },
  TTSStoppedFrame: { category: "control" },
  FunctionCallInProgressFrame: { category: "control", uninterruptible: true },
  VADParamsUpdateFrame: { category: "control", uninterruptible: true },
  ServiceUpdateSettingsFrame: { category: "control", uninterruptible: true },
  PipelineFlushFrame: { category: "control", uninterruptible: true },
} as const satisfies Record<string, KindSpec>;

export type FrameType = keyof typeof FRAME_KINDS;

type Kinds = typeof FRAME_KINDS;

/** A type name and every ancestor of it, at the type level. */
export type AncestorsOf<T extends FrameType> =
  | T
  | (Kinds[T] extends { parent: infer P extends FrameType } ? AncestorsOf<P> : never);

/** Every frame type that is `K` or a sub-type of `K`. */
export type DescendantsOf<K extends FrameType> = {
  [T in FrameType]: K extends AncestorsOf<T> ? T : never;
}[FrameType];

/** Run-time ancestry: type name → the set of names it answers to. Built once. */
export const ANCESTRY: Readonly<Record<string, ReadonlySet<string>>> = (() => {
  const out: Record<string, Set<string>> = {};
  for (const name of Object.keys(FRAME_KINDS)) {
    const chain = new Set<string>();
    let cur: string | undefined = name;
    while (cur !== undefined) {
      chain.add(cur);
      const spec: KindSpec | undefined = (FRAME_KINDS as Record<string, KindSpec>)[cur];
      cur = spec?.parent;
    }
    out[name] = chain;
  }
  return out;
})();

export function isFrameType(name: string): name is FrameType {
  return Object.hasOwn(FRAME_KINDS, name);
}
