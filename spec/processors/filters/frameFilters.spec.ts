// Filters pass lifecycle frames always; otherwise they keep what they are told to keep.

import { describe, it } from "vitest";
import { NEVER } from "rxjs";
import { frameFilter, functionFilter, identityFilter, nullFilter } from "../../../lib/processors/filters/frameFilters.ts";
import { frame, testScheduler, text } from "../../support/marbles.ts";

const S = frame("StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: true, enable_metrics: false, enable_usage_metrics: false });
const t = text("t");
const l = frame("LLMTextFrame", { text: "l" });
const u = frame("UserStartedSpeakingFrame", {});
const E = frame("EndFrame", {});
const v = { S, t, l, u, E };

describe("filters", () => {
  it("frame_filter passes allowed types and their sub-types, plus lifecycle frames", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const out = frameFilter({ allowed_types: ["TextFrame"] }).link({ down: hot("-S-t-l-u-E-|", v), up: NEVER });
      expectObservable(out.down).toBe("-S-t-l---E-|", v);
      const llmOnly = frameFilter({ allowed_types: ["LLMTextFrame"] }).link({ down: hot("-t-l-|", v), up: NEVER });
      expectObservable(llmOnly.down).toBe("---l-|", v);
    });
  });

  it("null_filter passes only lifecycle frames; identity_filter passes all", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(nullFilter().link({ down: hot("-S-t-u-E|", v), up: NEVER }).down).toBe("-S-----E|", v);
      expectObservable(identityFilter().link({ down: hot("-S-t-u-E|", v), up: NEVER }).down).toBe("-S-t-u-E|", v);
    });
  });

  it("function_filter applies its predicate to one direction and spares system frames by default", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const noText = functionFilter({ predicate: (f) => f.type !== "TextFrame" });
      expectObservable(noText.link({ down: hot("-t-l-u|", v), up: NEVER }).down).toBe("---l-u|", v);
      const upOnly = functionFilter({ predicate: () => false, direction: "upstream", filterSystemFrames: true });
      const ends = upOnly.link({ down: hot("-t-|", v), up: hot("-u-S|", v) });
      expectObservable(ends.down).toBe("-t-|", v);
      expectObservable(ends.up).toBe("---S|", v);
    });
  });
});
