// "Did you mean": close typos get a suggestion, unrelated names do not.

import { describe, expect, it } from "vitest";
import { editDistance, suggest } from "../../lib/config/suggest.ts";

describe("suggest", () => {
  const keys = ["turn_stop_secs", "turn_pre_speech_ms", "host", "port", "vad_stop_secs", "username"];

  it("finds swapped, missing and extra letters", () => {
    expect(suggest("trun_stop_secs", keys)).toBe("turn_stop_secs");
    expect(suggest("turn_stop_sec", keys)).toBe("turn_stop_secs");
    expect(suggest("vad_stopp_secs", keys)).toBe("vad_stop_secs");
    expect(suggest("prot", keys)).toBe("port");
  });

  it("sees through camelCase, kebab-case and capitals", () => {
    expect(suggest("turnStopSecs", keys)).toBe("turn_stop_secs");
    expect(suggest("turn-pre-speech-ms", keys)).toBe("turn_pre_speech_ms");
    expect(suggest("HOST", keys)).toBe("host");
  });

  it("completes a shortened name only when it is unambiguous", () => {
    expect(suggest("user", keys)).toBe("username");
    expect(suggest("turn", keys)).toBeUndefined();
  });

  it("suggests nothing for unrelated names", () => {
    expect(suggest("foo", keys)).toBeUndefined();
    expect(suggest("completely_different", keys)).toBeUndefined();
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance("port", "port")).toBe(0);
    expect(editDistance("port", "prot")).toBe(1);
    expect(editDistance("port", "ports")).toBe(1);
    expect(editDistance("port", "pot")).toBe(1);
    expect(editDistance("port", "fort")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});
