// VAD parameters: Pipecat's defaults, overrides merged over a base, and out-of-range values
// rejected with the key and value in the message.

import { describe, expect, it } from "vitest";
import { DEFAULT_VAD_PARAMS, resolveVADParams, VADParamsError } from "../../../lib/audio/vad/params.ts";

describe("VAD params", () => {
  it("defaults to Pipecat's values", () => {
    expect(DEFAULT_VAD_PARAMS).toEqual({ confidence: 0.7, start_secs: 0.2, stop_secs: 0.2, min_volume: 0.6 });
    expect(resolveVADParams()).toEqual(DEFAULT_VAD_PARAMS);
    expect(Object.isFrozen(resolveVADParams())).toBe(true);
  });

  it("merges overrides over a base", () => {
    const base = resolveVADParams({ stop_secs: 0.8 });
    expect(resolveVADParams({ min_volume: 0 }, base)).toEqual({ confidence: 0.7, start_secs: 0.2, stop_secs: 0.8, min_volume: 0 });
  });

  it("rejects values out of range or not numbers, naming key and value", () => {
    const bad: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ confidence: 1.5 }, /confidence must be a number in \[0, 1\], got 1.5/],
      [{ confidence: -0.1 }, /confidence/],
      [{ start_secs: -1 }, /start_secs must be a number in \[0, 30\], got -1/],
      [{ stop_secs: 800 }, /stop_secs .* got 800/],
      [{ min_volume: Number.NaN }, /min_volume .* got null/],
      [{ min_volume: "0.5" }, /min_volume .* got "0.5"/],
    ];
    for (const [overrides, message] of bad) {
      expect(() => resolveVADParams(overrides as never)).toThrow(VADParamsError);
      expect(() => resolveVADParams(overrides as never)).toThrow(message);
    }
  });
});
