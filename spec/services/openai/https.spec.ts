// The OpenAI-wire services over HTTPS (real providers are HTTPS), against the stand-in serving
// TLS with a self-signed certificate made at test time: the node:http fetch told to trust it
// carries chat, speech and transcription requests, unsubscribing closes the TLS request, and
// a certificate nobody trusts is a clear connection failure.

import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import { createNodeFetch, type NodeFetch } from "../../../lib/services/openai/node-fetch.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import type { TTSChunk } from "../../../lib/services/types.ts";
import { missingPrograms } from "../../support/programs.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";
import { selfSignedCert, type KeyAndCert } from "./selfSignedCert.ts";

const KEY = "sk-tls";
const messages = [{ role: "user" as const, content: "Hello?" }];
const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const noOpenssl = missingPrograms({ openssl: "openssl" });

describe.skipIf(noOpenssl)("OpenAI-wire services over HTTPS", () => {
  let tls: KeyAndCert;
  let openai: OpenAIStandIn;
  let fetch: NodeFetch;
  beforeAll(() => {
    tls = selfSignedCert();
  });
  beforeEach(async () => {
    openai = await startOpenAIStandIn({ apiKey: KEY, tls });
    fetch = createNodeFetch({ ca: tls.cert });
  });
  afterEach(async () => {
    fetch.destroy();
    await openai.close();
  });
  const connection = () => ({ baseURL: openai.baseURL, apiKey: KEY, fetch });

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
    const untrusting = createNodeFetch();
    try {
      const error = await collect(openAILLMService({ ...connection(), fetch: untrusting, model: "m" }).stream({ messages })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as Error).message).toMatch(/^openai LLM request failed: connection failed: .*self-signed certificate/);
      expect(openai.requests).toHaveLength(0);
    } finally {
      untrusting.destroy();
    }
  });
});
