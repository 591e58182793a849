// The voice pipeline in a real session: SessionRunner + memory transport + the real OpenAI-wire
// services, talking HTTP to the local OpenAI stand-in. A user turn goes in as its audio; the
// transcript, the streamed answer and its speech come back. A barge-in in the middle of the answer
// really aborts the provider requests: the stand-in sees its clients leave.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { audioFrame, counterIds, createFrame, type Frame } from "../../../lib/frames/index.ts";
import { createContext } from "../../../lib/pipeline/context.ts";
import { SessionRunner } from "../../../lib/pipeline/runner.ts";
import { identityFilter } from "../../../lib/processors/filters/frameFilters.ts";
import { voicePipeline, type VoicePipeline } from "../../../lib/processors/voice/voicePipeline.ts";
import type { LLMTool } from "../../../lib/processors/voice/llmTools.ts";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { createMemoryTransport, type MemoryTransport } from "../../../lib/transports/memory.ts";
import { startOpenAIStandIn, type OpenAIStandIn, type RecordedRequest } from "../../support/standins/openai.ts";

const KEY = "sk-voice-test";
const ids = counterIds(10_000);

let openai: OpenAIStandIn;
let transport: MemoryTransport;
let runner: SessionRunner | undefined;
let done: Promise<unknown> | undefined;

beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
  transport = createMemoryTransport();
});

afterEach(async () => {
  runner?.cancel("test over");
  await done;
  runner = undefined;
  done = undefined;
  await openai.close();
});

function startSession(tools?: readonly LLMTool[]): VoicePipeline {
  const ctx = createContext();
  const connection = { baseURL: openai.baseURL, apiKey: KEY };
  const pipeline = voicePipeline(ctx, {
    stt: openAISTTService({ ...connection, model: "whisper-1" }),
    llm: openAILLMService({ ...connection, model: "gpt-4o-mini" }),
    tts: openAITTSService({ ...connection, model: "tts-1", voice: "alloy" }),
    systemPrompt: "Be brief.",
    // The client below plays the turn-taking part (turn start, the turn's audio, turn end).
    turnTaking: identityFilter(),
    ...(tools ? { tools } : {}),
  });
  runner = new SessionRunner({ transport, ctx, pipeline });
  done = runner.run();
  return pipeline;
}

/** What a turn-taking processor sends for one finished user turn of 0.5 s. */
function userTurn(): void {
  transport.client.send(createFrame(ids, "UserStartedSpeakingFrame", {}));
  transport.client.send(audioFrame(ids, "AudioRawFrame", new Uint8Array(16_000), 16_000, 1));
  transport.client.send(createFrame(ids, "UserStoppedSpeakingFrame", {}));
}

const received = (type: string): Frame[] => transport.client.received.filter((f) => f.type === type);
const requestsTo = (endpoint: string): RecordedRequest[] => openai.requests.filter((r) => r.endpoint === endpoint);

describe("voicePipeline with the OpenAI services", () => {
  it("turns a user turn into a transcript, streamed LLM tokens and TTS audio", async () => {
    openai.script("transcription", { text: "What is the weather like?" });
    openai.script("chat", { text: "It is sunny today. Enjoy the walk!" });
    const pipeline = startSession();
    userTurn();

    await vi.waitFor(() => expect(received("LLMFullResponseEndFrame")).toHaveLength(1), { timeout: 5_000 });

    const upload = requestsTo("transcription")[0]?.body as { fields: Record<string, string>; file: { name: string; bytes: Uint8Array } };
    expect(upload.fields.model).toBe("whisper-1");
    expect(upload.file.name).toBe("audio.wav");
    expect(new TextDecoder().decode(upload.file.bytes.subarray(0, 4))).toBe("RIFF");

    const chat = requestsTo("chat")[0]?.body as { messages: unknown[]; stream: boolean };
    expect(chat.stream).toBe(true);
    expect(chat.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the weather like?" },
    ]);

    const tokens = received("LLMTextFrame").map((f) => (f as Frame<"LLMTextFrame">).text);
    expect(tokens.join("")).toBe("It is sunny today. Enjoy the walk!");
    expect(requestsTo("speech").map((r) => (r.body as { input: string }).input)).toEqual(["It is sunny today.", "Enjoy the walk!"]);
    expect(received("TTSTextFrame").map((f) => (f as Frame<"TTSTextFrame">).text)).toEqual(["It is sunny today.", "Enjoy the walk!"]);
    const audio = received("TTSAudioRawFrame") as Frame<"TTSAudioRawFrame">[];
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.every((a) => a.sample_rate === 24_000 && a.audio.byteLength % 2 === 0)).toBe(true);

    const order = transport.client.received.map((f) => f.type).filter((t) => /^(LLMFullResponse|TTSStarted|TTSStopped)/.test(t));
    expect(order).toEqual(["LLMFullResponseStartFrame", "TTSStartedFrame", "TTSStoppedFrame", "LLMFullResponseEndFrame"]);
    expect(received("TranscriptionFrame").map((f) => (f as Frame<"TranscriptionFrame">).text)).toEqual(["What is the weather like?"]);
    expect(pipeline.context.messages.at(-1)).toEqual({ role: "assistant", content: "It is sunny today. Enjoy the walk!" });
  });

  it("a barge-in mid-answer aborts the in-flight LLM and TTS requests; nothing of the old answer follows", async () => {
    openai.script("transcription", { text: "Tell me a story." });
    // Three tokens, then the stream waits (until the client goes away); the first sentence is
    // complete by then, so its speech is being synthesized, and that waits after one chunk too.
    openai.script("chat", { text: "Sure. Once upon a time there was a dragon.", holdAfter: 3 });
    openai.script("speech", { holdAfter: 1 });
    startSession();
    userTurn();

    await vi.waitFor(() => expect(received("TTSAudioRawFrame").length).toBeGreaterThan(0), { timeout: 5_000 });
    const chat = requestsTo("chat")[0]!;
    const speech = requestsTo("speech")[0]!;
    expect(chat.aborted).toBe(false);

    transport.client.send(createFrame(ids, "InterruptionFrame", {}));
    // Both replies are held open by the stand-in: only the client going away ends them.
    await vi.waitFor(() => expect([chat.aborted, speech.aborted]).toEqual([true, true]), { timeout: 5_000 });
    expect(chat.piecesSent).toBe(3);

    const types = transport.client.received.map((f) => f.type);
    const cut = types.indexOf("InterruptionFrame");
    expect(cut).toBeGreaterThan(0);
    const after = types.slice(cut + 1);
    expect(after).not.toContain("LLMTextFrame");
    expect(after).not.toContain("TTSAudioRawFrame");
    expect(after).not.toContain("LLMFullResponseEndFrame");
  });

  it("runs a tool round over the wire: the second request carries the tool call and its result", async () => {
    openai.script("transcription", { text: "What time is it?" });
    openai.script(
      "chat",
      { toolCalls: [{ id: "call_1", name: "clock", arguments: ['{"tz":', '"UTC"}'] }] },
      { text: "It is noon." },
    );
    const calls: unknown[] = [];
    const pipeline = startSession([
      {
        schema: { type: "function", function: { name: "clock", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
        handler: async (args) => (calls.push(args), { time: "12:00" }),
      },
    ]);
    userTurn();

    await vi.waitFor(() => expect(received("LLMFullResponseEndFrame")).toHaveLength(1), { timeout: 5_000 });
    expect(calls).toEqual([{ tz: "UTC" }]);
    const second = requestsTo("chat")[1]?.body as { messages: unknown[]; tools: unknown[] };
    expect(second.tools).toHaveLength(1);
    expect(second.messages.slice(2)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "clock", arguments: '{"tz":"UTC"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"time":"12:00"}' },
    ]);
    expect(received("FunctionCallResultFrame")).toHaveLength(1);
    expect(pipeline.context.messages.at(-1)).toEqual({ role: "assistant", content: "It is noon." });
  });
});
