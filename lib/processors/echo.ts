// echo: plays the user's audio back. With turn detection in front of it, each finished
// turn (one AudioRawFrame) comes back as bot audio, so a newcomer hears themselves after
// every turn; with `source: "input"` the microphone is echoed live.

import { z } from "zod";
import { audioFrame, type Frame } from "../frames/index.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import { processor, type Processor } from "../pipeline/processor.ts";
import { lanes } from "../operators/lanes.ts";

export const echoOptions = z.object({
  source: z.enum(["turn", "input"]).default("input").describe("echo finished turns, or live input audio"),
});

export function echoProcessor(ctx: ProcessorContext, options: z.output<typeof echoOptions> = { source: "input" }): Processor {
  const toOutput = (f: Frame & { audio: Uint8Array; sample_rate: number; num_channels: number }): Frame =>
    audioFrame(ctx.ids, "OutputAudioRawFrame", f.audio, f.sample_rate, f.num_channels);
  return processor("echo", () => ({
    down: lanes({
      system: (f) => (options.source === "input" && f.type === "InputAudioRawFrame" ? [f, toOutput(f)] : f),
      data: (f) => (options.source === "turn" && f.type === "AudioRawFrame" ? toOutput(f) : f),
    }),
  }));
}
