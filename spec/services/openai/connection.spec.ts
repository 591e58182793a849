// Building `openai` clients: one per distinct connection (the transport being part of it), the
// node:http fetch by default, and any fetch passed in actually carrying the requests.

import { lastValueFrom, toArray } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIClient, sharedNodeFetch } from "../../../lib/services/openai/connection.ts";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import type { Fetch } from "../../../lib/services/openai/node-fetch.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";

const KEY = "sk-conn";
const messages = [{ role: "user" as const, content: "Hi" }];
let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
});
afterEach(() => openai.close());

describe("createOpenAIClient", () => {
  it("returns the same client for the same connection and another for another fetch", () => {
    const options = { baseURL: openai.baseURL, apiKey: KEY };
    const other: Fetch = (input, init) => sharedNodeFetch(input, init);
    expect(createOpenAIClient({ ...options })).toBe(createOpenAIClient({ ...options }));
    expect(createOpenAIClient({ ...options, fetch: sharedNodeFetch })).toBe(createOpenAIClient(options));
    expect(createOpenAIClient({ ...options, fetch: other })).not.toBe(createOpenAIClient(options));
    expect(createOpenAIClient({ ...options, fetch: other })).toBe(createOpenAIClient({ ...options, fetch: other }));
  });
});

describe("the services' transport", () => {
  it("is not the platform fetch by default", async () => {
    const platform = globalThis.fetch;
    const httpCalls: string[] = [];
    globalThis.fetch = (input, init) => {
      if (String(input).startsWith("http")) httpCalls.push(String(input));
      return platform(input, init);
    };
    try {
      const connection = { baseURL: openai.baseURL, apiKey: KEY };
      await lastValueFrom(openAILLMService({ ...connection, model: "m" }).stream({ messages }).pipe(toArray()));
      await lastValueFrom(openAITTSService({ ...connection, model: "tts-1", voice: "nova" }).synthesize("Hi.").pipe(toArray()));
      await lastValueFrom(openAISTTService({ ...connection, model: "whisper-1" }).transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 }).pipe(toArray()));
    } finally {
      globalThis.fetch = platform;
    }
    expect(openai.requests.map((r) => r.endpoint)).toEqual(["chat", "speech", "transcription"]);
    expect(httpCalls).toEqual([]);
  });

  it("is the fetch the options name, when they name one", async () => {
    const seen: string[] = [];
    const counting: Fetch = (input, init) => {
      seen.push(`${init?.method} ${String(input)}`);
      return globalThis.fetch(input, init);
    };
    const events = await lastValueFrom(openAILLMService({ baseURL: openai.baseURL, apiKey: KEY, model: "m", fetch: counting }).stream({ messages }).pipe(toArray()));
    expect(events.at(-1)).toMatchObject({ type: "done" });
    expect(seen).toEqual([`POST ${openai.baseURL}/chat/completions`]);
  });
});
