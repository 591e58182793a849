// logger: logs each frame's type and id as it passes (audio frames only when asked, since
// they arrive 50 times a second). The frame is never serialized: the log line carries
// the type and id, and the text of text frames, nothing else.

import { tap } from "rxjs";
import { z } from "zod";
import { frameName, isFrame, type Frame } from "../frames/index.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import { processor, type Processor } from "../pipeline/processor.ts";

export const loggerOptions = z.object({
  include_audio: z.boolean().default(false),
  level: z.enum(["debug", "info"]).default("info"),
});

const AUDIO = new Set(["InputAudioRawFrame", "AudioRawFrame", "OutputAudioRawFrame", "TTSAudioRawFrame"]);

export function loggerProcessor(ctx: ProcessorContext, options: z.output<typeof loggerOptions> = { include_audio: false, level: "info" }): Processor {
  const log = (direction: string) => (f: Frame) => {
    if (!options.include_audio && AUDIO.has(f.type)) return;
    const text = isFrame(f, "TextFrame") ? f.text : undefined;
    ctx.log[options.level]({ frame: frameName(f), direction, text }, "frame");
  };
  return processor("logger", () => ({ down: tap(log("down")), up: tap(log("up")) }));
}
