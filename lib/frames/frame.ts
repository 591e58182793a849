// Frames: immutable objects with a type name, an id from an injected id source, and the
// payload fields of their type. Category and sub-typing come from the FRAME_KINDS table,
// so a frame stays a plain object that serializes as it is.

import type { FrameFieldMap } from "./fields.ts";
import { ANCESTRY, FRAME_KINDS, type DescendantsOf, type FrameCategory, type FrameType } from "./kinds.ts";

export interface FrameHeader<K extends FrameType = FrameType> {
  readonly type: K;
  readonly id: number;
  /** Presentation timestamp in nanoseconds, when the frame has a place on a timeline. */
  readonly pts?: number;
  /** Overrides the type's default: true keeps a data/control frame through interruptions. */
  readonly uninterruptible?: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A frame of type K (distributes over unions, so `Frame` is the union of every frame). */
export type Frame<K extends FrameType = FrameType> = K extends FrameType ? FrameHeader<K> & FrameFieldMap[K] : never;

/** A frame of type K or of any sub-type of K: what a guard for K narrows to. */
export type FrameLike<K extends FrameType> = Frame<DescendantsOf<K>>;

/** Source of monotonically increasing frame ids, one per session (injected, never global). */
export interface IdSource {
  next(): number;
}

export function counterIds(start = 1): IdSource {
  let n = start;
  return { next: () => n++ };
}

type Optionalize<T> = { [P in keyof T]: T[P] };

/** Fields accepted by createFrame: the type's payload plus optional header fields. */
export type FrameInit<K extends FrameType> = Optionalize<FrameFieldMap[K]> & {
  readonly pts?: number;
  readonly uninterruptible?: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
};

export function createFrame<K extends FrameType>(ids: IdSource, type: K, fields: FrameInit<K>): Frame<K> {
  return Object.freeze({ type, id: ids.next(), ...fields }) as unknown as Frame<K>;
}

/** Copy of a frame with some fields changed and a fresh id (frames are never mutated). */
export function withFields<F extends Frame>(ids: IdSource, frame: F, patch: Partial<Omit<F, "type" | "id">>): F {
  return Object.freeze({ ...frame, ...patch, id: ids.next() }) as F;
}

export function categoryOf(frame: { readonly type: string }): FrameCategory {
  return (FRAME_KINDS as Record<string, { category: FrameCategory }>)[frame.type]?.category ?? "data";
}

export function isSystemFrame(frame: Frame): boolean {
  return categoryOf(frame) === "system";
}

/** Data or control frames that survive an interruption (End, Stop, function results, settings). */
export function isUninterruptible(frame: Frame): boolean {
  if (frame.uninterruptible !== undefined) return frame.uninterruptible;
  return (FRAME_KINDS as Record<string, { uninterruptible?: boolean }>)[frame.type]?.uninterruptible === true;
}

/** True when `frame` is of type `kind` or of a sub-type of it (an LLMTextFrame is a TextFrame). */
export function isFrame<K extends FrameType>(frame: Frame, kind: K): frame is FrameLike<K> {
  return frame.type === kind || (ANCESTRY[frame.type]?.has(kind) ?? false);
}

/** A guard for one kind, handy with `filter`. */
export function frameOf<K extends FrameType>(kind: K): (frame: Frame) => frame is FrameLike<K> {
  return (frame): frame is FrameLike<K> => isFrame(frame, kind);
}

export const isLifecycleFrame = (f: Frame): boolean =>
  f.type === "StartFrame" || f.type === "EndFrame" || f.type === "CancelFrame" || f.type === "StopFrame";

/** Samples per channel of a PCM16 payload. */
export function pcmFrameCount(audio: Uint8Array, numChannels: number): number {
  return Math.floor(audio.byteLength / 2 / Math.max(1, numChannels));
}

/** Audio frame of the given kind, with num_frames derived from the payload. */
export function audioFrame<K extends "InputAudioRawFrame" | "AudioRawFrame" | "OutputAudioRawFrame" | "TTSAudioRawFrame">(
  ids: IdSource,
  type: K,
  audio: Uint8Array,
  sampleRate: number,
  numChannels = 1,
  extra: Partial<FrameInit<K>> = {},
): Frame<K> {
  return createFrame(ids, type, {
    audio,
    sample_rate: sampleRate,
    num_channels: numChannels,
    num_frames: pcmFrameCount(audio, numChannels),
    ...extra,
  } as unknown as FrameInit<K>);
}

/** "Type#id", the frame's name in logs and on the protobuf wire. */
export function frameName(frame: Frame): string {
  return `${frame.type}#${frame.id}`;
}
