// With consumeInputAudio, turn taking keeps the microphone to itself: input audio does not
// travel on past it, while the turn's AudioRawFrame and the speaking frames still do.

import { describe, expect, it } from "vitest";
import { NEVER, Subject } from "rxjs";
import { turnTaking } from "../../../../lib/processors/voice/turn/turnTaking.ts";
import { turnOptionsFromConfig } from "../../../../lib/processors/voice/turn/turnConfig.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { audioFrame, counterIds, createFrame, type Frame } from "../../../../lib/frames/index.ts";

function run(consumeInputAudio: boolean): string[] {
  const ctx = createContext();
  const ids = counterIds(1000);
  const options = { ...turnOptionsFromConfig({ turn_detection: "none" }), consumeInputAudio };
  const input = new Subject<Frame>();
  const linked = turnTaking(ctx, options).link({ down: input, up: NEVER });
  const out: string[] = [];
  linked.up.subscribe();
  linked.down.subscribe((f) => out.push(f.type));
  input.next(createFrame(ids, "StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: true, enable_metrics: false, enable_usage_metrics: false }));
  input.next(createFrame(ids, "UserStartedSpeakingFrame", {}));
  input.next(audioFrame(ids, "InputAudioRawFrame", new Uint8Array(640), 16000));
  input.next(createFrame(ids, "UserStoppedSpeakingFrame", {}));
  return out;
}

describe("turnTaking consumeInputAudio", () => {
  it("drops input audio after turn taking, keeping the turn's audio", () => {
    const out = run(true);
    expect(out).not.toContain("InputAudioRawFrame");
    expect(out).toContain("AudioRawFrame");
    expect(out).toContain("UserStoppedSpeakingFrame");
  });

  it("passes input audio on by default", () => {
    const out = run(false);
    expect(out).toContain("InputAudioRawFrame");
    expect(out).toContain("AudioRawFrame");
  });
});
