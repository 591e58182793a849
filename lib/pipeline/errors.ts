// Turning failures into frames: a processor that fails pushes a non-fatal ErrorFrame
// upstream, where the runner logs it (and a client-facing protocol can report it); the
// session goes on. Only a fatal ErrorFrame ends the session.

import { createFrame, type Frame } from "../frames/index.ts";
import type { ProcessorContext } from "./context.ts";

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}

export function errorFrame(ctx: ProcessorContext, processor: string, error: unknown, fatal = false): Frame<"ErrorFrame"> {
  return createFrame(ctx.ids, "ErrorFrame", { error: errorMessage(error), fatal, processor });
}

/** A lanes() onError that reports upstream and keeps the session going. */
export function reportUpstream(ctx: ProcessorContext, processor: string, pushUp: (f: Frame) => void) {
  return (error: unknown, frame: Frame): null => {
    ctx.log.warn({ err: error, processor, frame: frame.type }, "processor error");
    pushUp(errorFrame(ctx, processor, error));
    return null;
  };
}
