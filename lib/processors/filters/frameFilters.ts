// Filters. Lifecycle frames (Start, End, Cancel, Stop) always pass: a filter must never be
// able to stall a session's start or end.

import { filter } from "rxjs";
import { z } from "zod";
import { isFrame, isFrameType, isLifecycleFrame, isSystemFrame, type Frame, type FrameType } from "../../frames/index.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";

export const frameFilterOptions = z.object({
  allowed_types: z
    .array(z.string().refine(isFrameType, { message: "not a frame type name" }))
    .default([])
    .describe("frame type names that pass (sub-types pass too)"),
});

/** Passes lifecycle frames and frames of the allowed types (or their sub-types). */
export function frameFilter(options: z.output<typeof frameFilterOptions>): Processor {
  const allowed = options.allowed_types as FrameType[];
  return processor("frame_filter", () => ({
    down: filter((f: Frame) => isLifecycleFrame(f) || allowed.some((t) => isFrame(f, t))),
  }));
}

/** Passes everything: a placeholder that keeps a pipeline's shape. */
export function identityFilter(): Processor {
  return processor("identity_filter", () => ({}));
}

/** Passes only lifecycle frames. */
export function nullFilter(): Processor {
  return processor("null_filter", () => ({ down: filter(isLifecycleFrame) }));
}

export interface FunctionFilterOptions {
  readonly predicate: (frame: Frame) => boolean;
  /** Which direction is filtered; the other passes. @defaultValue "downstream" */
  readonly direction?: "downstream" | "upstream";
  /** Whether system frames are subject to the predicate. @defaultValue false */
  readonly filterSystemFrames?: boolean;
}

/** Filters one direction with a predicate given in code. */
export function functionFilter(options: FunctionFilterOptions): Processor {
  const keep = (f: Frame): boolean =>
    isLifecycleFrame(f) || (!options.filterSystemFrames && isSystemFrame(f)) || options.predicate(f);
  return processor("function_filter", () =>
    options.direction === "upstream" ? { up: filter(keep) } : { down: filter(keep) },
  );
}
