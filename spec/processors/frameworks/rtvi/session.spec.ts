// A whole session over the memory transport: the client's client-ready gets bot-ready, the
// transport's own speaking reports reach the client as RTVI events, and disconnect-bot ends
// the session gracefully (an EndFrame upstream makes the runner drain and finish).

import { filter, firstValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, createFrame, type Frame } from "../../../../lib/frames/index.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { SessionRunner } from "../../../../lib/pipeline/runner.ts";
import { echoProcessor } from "../../../../lib/processors/echo.ts";
import { withRtvi } from "../../../../lib/processors/frameworks/rtvi/rtviProcessor.ts";
import { createMemoryTransport } from "../../../../lib/transports/memory.ts";

const rtviSent = (frames: readonly Frame[]) =>
  frames
    .filter((f): f is Frame<"OutputTransportMessageUrgentFrame"> => f.type === "OutputTransportMessageUrgentFrame")
    .map((f) => f.message as { type: string; id?: string; data?: unknown });

describe("RTVI in a session", () => {
  it("handshakes, reports bot speech, and ends on disconnect-bot", async () => {
    const ctx = createContext({ ids: counterIds() });
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx, pipeline: withRtvi(ctx, [echoProcessor(ctx, { source: "input" })]) });
    const client = transport.client;
    const started = firstValueFrom(client.received$.pipe(filter((f) => f.type === "StartFrame")));
    const done = runner.run();
    await started; // from here on frames travel synchronously
    const message = (type: string, data: unknown, id: string) =>
      client.send(createFrame(ctx.ids, "InputTransportMessageFrame", { message: { label: "rtvi-ai", type, id, data } }));

    message("client-ready", { version: "2.1.0", about: { library: "@pipecat-ai/client-js" } }, "hello123");
    expect(rtviSent(client.received)).toEqual([
      expect.objectContaining({ type: "bot-ready", id: "hello123", data: expect.objectContaining({ version: "2.1.0" }) }),
    ]);

    client.send(audioFrame(ctx.ids, "InputAudioRawFrame", new Uint8Array(640), 16000));
    expect(client.received.some((f) => f.type === "OutputAudioRawFrame")).toBe(true);
    expect(rtviSent(client.received).map((m) => m.type)).toEqual(["bot-ready", "bot-started-speaking"]);

    message("disconnect-bot", {}, "bye00001");
    const result = await done;
    expect(result).toEqual({ reason: "end", detail: "client sent disconnect-bot" });
    // The EndFrame drained to the transport; bot speech was reported stopped on the way out.
    expect(client.received.at(-1)?.type).toBe("EndFrame");
    expect(rtviSent(client.received).map((m) => m.type)).toEqual(["bot-ready", "bot-started-speaking", "bot-stopped-speaking"]);
  });
});
