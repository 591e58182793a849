// What a service derives from its connection options, once: the URL it posts to, the headers
// every request carries (the configured ones winning, no Authorization for a keyless provider),
// the process-wide pool it draws connections from, and a clear failure for a base URL that
// cannot work. The services never go through the platform fetch.

import { lastValueFrom, toArray } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpAgent } from "../../../lib/services/openai/agents.ts";
import { openAIEndpoint } from "../../../lib/services/openai/connection.ts";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";
import { startTestServer } from "./testServer.ts";

const KEY = "sk-conn";
const messages = [{ role: "user" as const, content: "Hi" }];
let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
});
afterEach(() => openai.close());

describe("openAIEndpoint", () => {
  it("appends the path to the base URL's path, ignoring a trailing slash and keeping a query", () => {
    expect(openAIEndpoint({ baseURL: "https://api.groq.com/openai/v1/" }, "llm", "/chat/completions").request).toMatchObject({
      hostname: "api.groq.com",
      port: 443,
      path: "/openai/v1/chat/completions",
      method: "POST",
    });
    expect(openAIEndpoint({ baseURL: "http://[::1]:8080/v1?api-version=2" }, "stt", "/audio/transcriptions").request).toMatchObject({
      hostname: "::1",
      port: 8080,
      path: "/v1/audio/transcriptions?api-version=2",
    });
  });

  it("sends the key as a bearer token and the configured headers, which win over the defaults", () => {
    const endpoint = openAIEndpoint({ baseURL: "https://x.test/v1", apiKey: "k1", headers: { "HTTP-Referer": "https://app.test", "User-Agent": "mine" } }, "llm", "/p");
    expect(endpoint.headers).toEqual({ authorization: "Bearer k1", "http-referer": "https://app.test", "user-agent": "mine" });
    expect(openAIEndpoint({ baseURL: "http://localhost:11434/v1", apiKey: "" }, "llm", "/p").headers).not.toHaveProperty("authorization");
  });

  it("pools connections per process under the name node:http's agent files them by", async () => {
    const server = await startTestServer((_req, res) => void res.end('{"text":"pooled"}'));
    try {
      const stt = openAISTTService({ baseURL: `${server.origin}/v1`, model: "whisper-1" });
      const audio = { pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 };
      await lastValueFrom(stt.transcribe(audio).pipe(toArray()));
      const endpoint = openAIEndpoint({ baseURL: `${server.origin}/v1` }, "stt", "/audio/transcriptions");
      expect(endpoint.request.agent).toBe(httpAgent);
      expect(httpAgent.freeSockets[endpoint.poolName]).toHaveLength(1);

      // Another service (another session, another role) on the same origin reuses the connection.
      await lastValueFrom(openAISTTService({ baseURL: `${server.origin}/v1`, model: "whisper-1" }).transcribe(audio).pipe(toArray()));
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("fails each request, without sending anything, when the base URL is not http(s)", async () => {
    const error = await lastValueFrom(openAILLMService({ baseURL: "ftp://example.test/v1", model: "m" }).stream({ messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ retryable: false, message: 'openai LLM request failed: invalid base URL "ftp://example.test/v1" (expected http:// or https://)' });
  });
});

describe("the services' transport", () => {
  it("is not the platform fetch", async () => {
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

  it("sends the configured headers and one content-length body", async () => {
    const headers = { "HTTP-Referer": "https://voxray.test", "X-Title": "Voxray" };
    await lastValueFrom(openAILLMService({ baseURL: openai.baseURL, apiKey: KEY, model: "m", headers }).stream({ messages }).pipe(toArray()));
    const sent = openai.requests[0]!.headers;
    expect(sent).toMatchObject({ authorization: `Bearer ${KEY}`, "http-referer": "https://voxray.test", "x-title": "Voxray", "content-type": "application/json" });
    expect(Number(sent["content-length"])).toBeGreaterThan(0);
    expect(sent["transfer-encoding"]).toBeUndefined();
  });
});
