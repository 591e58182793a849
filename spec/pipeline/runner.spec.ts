// SessionRunner: setup → StartFrame → run → EndFrame (drain) or CancelFrame (immediate) →
// cleanup in reverse. Input that arrives while setup runs is queued, not lost; a peer that
// disconnects ends the session with a CancelFrame.

import { describe, expect, it } from "vitest";
import { filter, map, tap } from "rxjs";
import { SessionRunner } from "../../lib/pipeline/runner.ts";
import { pipeline } from "../../lib/pipeline/pipeline.ts";
import { processor, type Processor } from "../../lib/pipeline/processor.ts";
import { createContext } from "../../lib/pipeline/context.ts";
import { createMemoryTransport } from "../../lib/transports/memory.ts";
import { createFrame, counterIds, type Frame } from "../../lib/frames/index.ts";

const ids = counterIds(500);
const textFrame = (t: string): Frame => createFrame(ids, "TextFrame", { text: t });
const types = (frames: Frame[]): string[] => frames.map((f) => (f.type === "TextFrame" ? `Text:${f.text}` : f.type));

function recorder(name: string, calls: string[], setupMs = 0): Processor {
  return processor(name, () => ({
    setup: async () => {
      calls.push(`setup ${name}`);
      if (setupMs) await new Promise((r) => setTimeout(r, setupMs));
    },
    cleanup: () => void calls.push(`cleanup ${name}`),
  }));
}

describe("SessionRunner", () => {
  it("runs setup, StartFrame, the frames, then a graceful end and cleanup in reverse", async () => {
    const calls: string[] = [];
    const transport = createMemoryTransport();
    const runner = new SessionRunner({
      transport,
      ctx: createContext(),
      pipeline: pipeline("p", [recorder("a", calls), recorder("b", calls)]),
    });
    const done = runner.run();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    transport.client.send(textFrame("hello"));
    runner.end("bye");
    const result = await done;
    expect(result).toEqual({ reason: "end", detail: "bye" });
    expect(types(transport.client.received)).toEqual(["StartFrame", "Text:hello", "EndFrame"]);
    expect(calls).toEqual(["setup a", "setup b", "cleanup b", "cleanup a"]);
    expect(transport.client.closed).toBe(true);
  });

  it("queues input that arrives while setup is still running and delivers it after the StartFrame", async () => {
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: recorder("slow", [], 30) });
    const done = runner.run();
    transport.client.send(textFrame("early 1"));
    transport.client.send(textFrame("early 2"));
    await new Promise((r) => setTimeout(r, 60));
    runner.end();
    await done;
    expect(types(transport.client.received)).toEqual(["StartFrame", "Text:early 1", "Text:early 2", "EndFrame"]);
    expect(runner.stats.highWater).toBe(2);
  });

  it("pauses the transport's reads when input outruns the queue during setup", async () => {
    const transport = createMemoryTransport();
    const runner = new SessionRunner({
      transport,
      ctx: createContext(),
      pipeline: recorder("slow", [], 30),
      inputQueue: { capacity: 4, overflow: "pause" },
    });
    const done = runner.run();
    for (let i = 0; i < 4; i++) transport.client.send(textFrame(`t${i}`));
    expect(transport.client.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(transport.client.paused).toBe(false);
    runner.cancel();
    await done;
    expect(types(transport.client.received).slice(0, 5)).toEqual(["StartFrame", "Text:t0", "Text:t1", "Text:t2", "Text:t3"]);
  });

  it("ends with a CancelFrame when the peer disconnects, and cleans up", async () => {
    const calls: string[] = [];
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: recorder("a", calls) });
    const done = runner.run();
    await new Promise((r) => setImmediate(r));
    transport.client.disconnect();
    expect(await done).toEqual({ reason: "disconnect", detail: "client disconnected" });
    expect(types(transport.client.received)).toEqual(["StartFrame", "CancelFrame"]);
    expect(calls).toEqual(["setup a", "cleanup a"]);
  });

  it("ends gracefully when a processor pushes an EndFrame upstream, and is cancelled by a fatal ErrorFrame", async () => {
    const endOnBye = (): Processor => processor("hangup", (ports) => ({
      down: tap((f: Frame) => {
        if (f.type === "TextFrame" && f.text === "bye") ports.pushUp(createFrame(ids, "EndFrame", { reason: "user said bye" }));
        if (f.type === "TextFrame" && f.text === "die") {
          ports.pushUp(createFrame(ids, "ErrorFrame", { error: "provider gone", fatal: true }));
        }
      }),
    }));
    // Processors are built per session: each session gets its own instance.
    for (const [word, expected] of [
      ["bye", { reason: "end", detail: "user said bye" }],
      ["die", { reason: "error", detail: "provider gone" }],
    ] as const) {
      const transport = createMemoryTransport();
      const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: pipeline("p", [endOnBye()]) });
      const done = runner.run();
      await new Promise((r) => setImmediate(r));
      transport.client.send(textFrame(word));
      expect(await done).toEqual(expected);
    }
  });

  it("ends with reason error when a processor throws, without touching the process", async () => {
    const broken = processor("broken", () => ({
      down: map((f: Frame) => {
        if (f.type === "TextFrame") throw new Error("bug in processor");
        return f;
      }),
    }));
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: broken });
    const done = runner.run();
    await new Promise((r) => setImmediate(r));
    transport.client.send(textFrame("x"));
    expect(await done).toEqual({ reason: "error", detail: "bug in processor" });
  });

  it("cancels a graceful end that does not finish in time", async () => {
    const holdEnd = processor("hold", () => ({ down: filter((f: Frame) => f.type !== "EndFrame") }));
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: holdEnd, endTimeoutMs: 20 });
    const done = runner.run();
    await new Promise((r) => setImmediate(r));
    runner.end();
    expect(await done).toEqual({ reason: "cancel", detail: "end took over 20 ms" });
  });

  it("ends with reason error when setup fails", async () => {
    const failing = processor("failing", () => ({
      setup: () => {
        throw new Error("cannot connect to provider");
      },
    }));
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: failing });
    expect(await runner.run()).toEqual({ reason: "error", detail: "cannot connect to provider" });
    expect(transport.client.closed).toBe(true);
  });

  it("sends transport events upstream through the pipeline", async () => {
    const seenUp: string[] = [];
    const watcher = processor("watch", () => ({ up: tap((f: Frame) => seenUp.push(f.type)) }));
    const toAudio = processor("tts", () => ({
      down: map((f: Frame) =>
        f.type === "TextFrame"
          ? createFrame(ids, "TTSAudioRawFrame", { audio: new Uint8Array(4), sample_rate: 24000, num_channels: 1, num_frames: 2 })
          : f,
      ),
    }));
    const transport = createMemoryTransport();
    const runner = new SessionRunner({ transport, ctx: createContext(), pipeline: pipeline("p", [watcher, toAudio]) });
    const done = runner.run();
    await new Promise((r) => setImmediate(r));
    transport.client.send(textFrame("speak"));
    runner.end();
    await done;
    expect(seenUp).toEqual(["BotStartedSpeakingFrame", "BotStoppedSpeakingFrame"]);
  });
});
