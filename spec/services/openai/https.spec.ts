// The OpenAI-wire services over HTTPS (real providers are HTTPS), against the stand-in serving
// TLS with a self-signed certificate made at test time: told to trust it (`ca`), the services
// carry chat, speech and transcription requests over one kept-alive connection, unsubscribing
// closes the TLS request, and a certificate nobody trusts is a clear connection failure.

import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentFor, httpsAgent } from "../../../lib/services/openai/agents.ts";
import { openAIEndpoint } from "../../../lib/services/openai/connection.ts";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import type { TTSChunk } from "../../../lib/services/types.ts";
import { missingPrograms } from "../../support/programs.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";
import { selfSignedCert, type KeyAndCert } from "./selfSignedCert.ts";
import { startTestServer } from "./testServer.ts";

const KEY = "sk-tls";
const messages = [{ role: "user" as const, content: "Hello?" }];
const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const noOpenssl = missingPrograms({ openssl: "openssl" });

describe.skipIf(noOpenssl)("OpenAI-wire services over HTTPS", () => {
  let tls: KeyAndCert;
  let openai: OpenAIStandIn;
  beforeAll(() => {
    tls = selfSignedCert();
  });
  beforeEach(async () => {
    openai = await startOpenAIStandIn({ apiKey: KEY, tls });
  });
  afterEach(() => openai.close());
  const connection = () => ({ baseURL: openai.baseURL, apiKey: KEY, ca: tls.cert });

  it("streams a chat completion, speech and a transcription", async () => {
    expect(openai.baseURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
    openai.script("chat", { text: ["Secure", " hello."] });
    const pcm = tonePcm(300, 24_000);
    openai.script("speech", { pcm, chunkBytes: 999 });
    openai.script("transcription", { text: "over tls" });

    const llmEvents = await collect(openAILLMService({ ...connection(), model: "gpt-test" }).stream({ messages }));
    const speech = await collect(openAITTSService({ ...connection(), model: "tts-1", voice: "nova" }).synthesize("Hello."));
    const transcript = await collect(openAISTTService({ ...connection(), model: "whisper-1" }).transcribe({ pcm: tonePcm(200, 16_000), sampleRate: 16_000, channels: 1 }));

    expect(llmEvents.filter((e) => e.type === "text").map((e) => (e as { text: string }).text)).toEqual(["Secure", " hello."]);
    expect(Buffer.concat(speech.map((c: TTSChunk) => c.pcm))).toEqual(Buffer.from(pcm));
    expect(transcript).toEqual([{ type: "final", text: "over tls" }]);
    expect(openai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
  });

  it("keeps one TLS connection alive across requests, in the private CA's own pool", async () => {
    const server = await startTestServer((_req, res) => void res.end('{"text":"again"}'), tls);
    try {
      const baseURL = `${server.origin}/v1`;
      const stt = openAISTTService({ baseURL, ca: tls.cert, model: "whisper-1" });
      for (let i = 0; i < 3; i++) {
        expect(await collect(stt.transcribe({ pcm: tonePcm(50, 16_000), sampleRate: 16_000, channels: 1 }))).toEqual([{ type: "final", text: "again" }]);
      }
      expect(server.connections()).toBe(1);
      const endpoint = openAIEndpoint({ baseURL, ca: tls.cert }, "stt", "/audio/transcriptions");
      expect(endpoint.request.agent).toBe(agentFor(true, tls.cert));
      expect(endpoint.request.agent).not.toBe(httpsAgent);
      expect(endpoint.request.agent.freeSockets[endpoint.poolName]).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("closes the HTTPS request when unsubscribed mid-stream", async () => {
    openai.script("speech", { pcm: tonePcm(400, 24_000), holdAfter: 1 });
    let firstChunk!: () => void;
    const received = new Promise<void>((resolve) => (firstChunk = resolve));
    const subscription = openAITTSService({ ...connection(), model: "tts-1", voice: "nova" }).synthesize("Hold on.").subscribe({ next: () => firstChunk() });

    await received;
    subscription.unsubscribe();
    const request = await (await openai.request(0)).settled;
    expect(request.aborted).toBe(true);
    expect(request.piecesSent).toBe(1);
  });

  it("fails with a connection error naming the certificate problem when the certificate is not trusted", async () => {
    const { ca: _trusted, ...untrusting } = connection();
    const error = await collect(openAILLMService({ ...untrusting, model: "m" }).stream({ messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/^openai LLM request failed: connection failed: .*self-signed certificate/);
    expect(openai.requests).toHaveLength(0);
  });
});
