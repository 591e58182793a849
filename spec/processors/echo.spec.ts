// echo plays audio back: live input audio, or each finished turn.

import { describe, it } from "vitest";
import { NEVER } from "rxjs";
import { echoProcessor } from "../../lib/processors/echo.ts";
import { createContext } from "../../lib/pipeline/context.ts";
import { counterIds, type Frame } from "../../lib/frames/index.ts";
import { frame, testScheduler } from "../support/marbles.ts";

const pcm = new Uint8Array([1, 0, 2, 0]);
const mic = frame("InputAudioRawFrame", { audio: pcm, sample_rate: 16000, num_channels: 1, num_frames: 2 });
const turn = frame("AudioRawFrame", { audio: pcm, sample_rate: 16000, num_channels: 1, num_frames: 2 });

describe("echo", () => {
  it("echoes live input audio as output audio", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ctx = createContext({ ids: counterIds(900) });
      const out = echoProcessor(ctx, { source: "input" }).link({ down: hot("-m-----t-|", { m: mic, t: turn }), up: NEVER });
      const o = { ...mic, type: "OutputAudioRawFrame", id: 900 } as Frame;
      expectObservable(out.down).toBe("-(mo)--t-|", { m: mic, o, t: turn });
    });
  });

  it("echoes finished turns only, in turn mode", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ctx = createContext({ ids: counterIds(900) });
      const out = echoProcessor(ctx, { source: "turn" }).link({ down: hot("-m-t-|", { m: mic, t: turn }), up: NEVER });
      const o = { ...turn, type: "OutputAudioRawFrame", id: 900 } as Frame;
      expectObservable(out.down).toBe("-m-o-|", { m: mic, o });
    });
  });
});
