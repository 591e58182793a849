// The RTVI handshake: client-ready → bot-ready carrying the client's id. A 2.x client gets
// 2.1.0; a 1.x client gets its own version echoed (legacy); any other or missing version gets
// an error-response and still a bot-ready, so the session proceeds. Server events wait for
// client-ready (dropped before it, not queued), except errors.

import { describe, expect, it } from "vitest";
import { createFrame } from "../../../../lib/frames/index.ts";
import { checkClientVersion } from "../../../../lib/processors/frameworks/rtvi/version.ts";
import { harness } from "./harness.ts";

const about = { library: "@pipecat-ai/client-js", library_version: "1.13.1" };

describe("RTVI handshake", () => {
  it("answers client-ready 2.1.0 with bot-ready 2.1.0 and the same id", () => {
    const h = harness({ library_version: "9.9.9" });
    h.client("client-ready", { version: "2.1.0", about }, "a1b2c3d4");
    expect(h.sent()).toEqual([
      {
        label: "rtvi-ai",
        type: "bot-ready",
        id: "a1b2c3d4",
        data: { version: "2.1.0", about: { library: "voxray", library_version: "9.9.9" } },
      },
    ]);
    expect(h.atMiddle.filter((f) => f.type === "InputTransportMessageFrame")).toEqual([]);
  });

  it("reports the package version by default", () => {
    const h = harness();
    h.client("client-ready", { version: "2.0.0", about }, "x");
    const ready = h.sent()[0] as { data: { version: string; about: { library_version: string } } };
    expect(ready.data.version).toBe("2.1.0");
    expect(ready.data.about.library_version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("echoes a 1.x client's version and speaks 1.x bot-output to it", () => {
    const h = harness();
    h.client("client-ready", { version: "1.0.0", about }, "old1");
    expect(h.sent()).toEqual([expect.objectContaining({ type: "bot-ready", id: "old1", data: expect.objectContaining({ version: "1.0.0" }) })]);
    h.inside.pushDown(createFrame(h.ctx.ids, "LLMTextFrame", { text: "Hi" }));
    expect(h.sent().find((m) => m["type"] === "bot-output")).toEqual({
      label: "rtvi-ai",
      type: "bot-output",
      data: { text: "Hi", spoken: true },
    });
  });

  it("answers a 3.x client with an error-response, then bot-ready 2.1.0", () => {
    const h = harness();
    h.client("client-ready", { version: "3.0.0", about }, "new3");
    const [error, ready] = h.sent();
    expect(error).toMatchObject({ type: "error-response", id: "new3", data: { error: expect.stringContaining("3.0.0") } });
    expect(ready).toMatchObject({ type: "bot-ready", id: "new3", data: { version: "2.1.0" } });
    expect(h.sent()).toHaveLength(2);
  });

  it("treats a missing or malformed version as incompatible but proceeds", () => {
    for (const data of [{ about }, { version: "two", about }, undefined]) {
      const h = harness();
      h.client("client-ready", data, "v");
      expect(h.sent().map((m) => m["type"])).toEqual(["error-response", "bot-ready"]);
    }
  });

  it("drops server events before client-ready, but not errors", () => {
    const h = harness();
    h.inside.pushDown(createFrame(h.ctx.ids, "UserStartedSpeakingFrame", {}));
    h.fromSink.next(createFrame(h.ctx.ids, "BotStartedSpeakingFrame", {}));
    h.inside.pushDown(createFrame(h.ctx.ids, "LLMTextFrame", { text: "early" }));
    h.inside.pushUp(createFrame(h.ctx.ids, "ErrorFrame", { error: "stt down", fatal: false }));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "error", data: { error: "stt down", message: "stt down", fatal: false } },
    ]);
    h.client("client-ready", { version: "2.1.0", about }, "r");
    h.fromSink.next(createFrame(h.ctx.ids, "BotStoppedSpeakingFrame", {}));
    expect(h.sent().map((m) => m["type"])).toEqual(["error", "bot-ready", "bot-stopped-speaking"]);
  });
});

describe("checkClientVersion", () => {
  it("sorts versions by major", () => {
    expect(checkClientVersion("2.1.0")).toEqual({ kind: "current", botVersion: "2.1.0" });
    expect(checkClientVersion("2.0.3-beta.1")).toEqual({ kind: "current", botVersion: "2.1.0" });
    expect(checkClientVersion("1.2.0")).toEqual({ kind: "legacy", botVersion: "1.2.0" });
    expect(checkClientVersion("0.4.1").kind).toBe("incompatible");
    expect(checkClientVersion("3.0.0").kind).toBe("incompatible");
    expect(checkClientVersion("2.1").kind).toBe("incompatible");
    expect(checkClientVersion(2).kind).toBe("incompatible");
    expect(checkClientVersion(undefined).kind).toBe("incompatible");
  });
});
