// The node flags `voxray serve` asks for: single-threaded GC and a fixed old-generation growth
// when the process has one core (GC helper threads would only take it from the event loop, and
// full GCs would come every second or two), nothing otherwise, and whatever VOXRAY_NODE_FLAGS
// says when it is set.

import { describe, expect, it } from "vitest";
import { missingNodeFlags, serverNodeFlags } from "../../lib/server/nodeFlags.ts";

describe("serverNodeFlags", () => {
  it("asks for single-threaded GC and 2× old-generation growth on one core only", () => {
    expect(serverNodeFlags(1, {})).toEqual(["--single-threaded-gc", "--heap-growing-percent=100"]);
    expect(serverNodeFlags(2, {})).toEqual([]);
    expect(serverNodeFlags(64, {})).toEqual([]);
  });

  it("takes VOXRAY_NODE_FLAGS instead when set, empty meaning none", () => {
    expect(serverNodeFlags(1, { VOXRAY_NODE_FLAGS: "" })).toEqual([]);
    expect(serverNodeFlags(8, { VOXRAY_NODE_FLAGS: " --single-threaded-gc  --max-semi-space-size=32 " })).toEqual([
      "--single-threaded-gc",
      "--max-semi-space-size=32",
    ]);
  });

  it("finds the flags a process was not started with", () => {
    expect(missingNodeFlags(["--single-threaded-gc"], ["--single-threaded-gc", "--expose-gc"])).toEqual([]);
    expect(missingNodeFlags(["--single-threaded-gc", "--max-semi-space-size=32"], ["--expose-gc"])).toEqual([
      "--single-threaded-gc",
      "--max-semi-space-size=32",
    ]);
  });
});
