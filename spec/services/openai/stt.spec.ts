// The OpenAI-wire file STT service against the stand-in: the utterance is uploaded as a real WAV
// file (never headerless PCM) in a multipart body that the platform's multipart parser reads
// back on the server side, the transcript comes back as one final event, and cancellation and
// failures behave like the other services.

import OpenAI, { toFile } from "openai";
import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAISTTService, type OpenAISTTOptions } from "../../../lib/services/openai/stt.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import { startOpenAIStandIn, type OpenAIStandIn, type UploadedFile } from "../../support/standins/openai.ts";
import { inspectWav, tonePcm } from "../../support/standins/openai-wire.ts";
import { startTestServer } from "./testServer.ts";

const KEY = "sk-stt";
let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
});
afterEach(() => openai.close());

function stt(options: Partial<OpenAISTTOptions> = {}) {
  return openAISTTService({ baseURL: openai.baseURL, apiKey: KEY, model: "whisper-1", ...options });
}
const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const upload = (seq = 0) => openai.requests[seq]!.body as { fields: Record<string, string>; file: UploadedFile };

describe("openAISTTService", () => {
  it("uploads the PCM as a valid WAV file and emits the transcript as one final event", async () => {
    openai.script("transcription", { text: " Turn on the lights. " });
    const pcm = tonePcm(500, 16_000);

    const events = await collect(stt().transcribe({ pcm, sampleRate: 16_000, channels: 1, language: "en" }));

    expect(events).toEqual([{ type: "final", text: "Turn on the lights.", language: "en" }]);
    const { fields, file } = upload();
    expect(file.name).toBe("audio.wav");
    expect(file.type).toBe("audio/wav");
    expect(inspectWav(file.bytes)).toEqual({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, dataBytes: pcm.byteLength, durationMs: 500 });
    expect(file.bytes.subarray(44)).toEqual(pcm);
    expect(fields).toMatchObject({ model: "whisper-1", language: "en", response_format: "json" });
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("writes the real rate and channel count into the header", async () => {
    const pcm = new Uint8Array(48_000 * 2 * 2 * 0.25); // 250 ms of 48 kHz stereo
    await collect(stt().transcribe({ pcm, sampleRate: 48_000, channels: 2 }));
    expect(inspectWav(upload().file.bytes)).toMatchObject({ sampleRate: 48_000, channels: 2, durationMs: 250 });
    expect(upload().fields).not.toHaveProperty("language");
  });

  it("sends the prompt as a form field, line breaks and quotes intact, with one multipart body of known length", async () => {
    const prompt = 'Names: "Voxray",\nWhisper';
    const pcm = tonePcm(200, 8_000);
    await collect(stt({ prompt, language: "de" }).transcribe({ pcm, sampleRate: 8_000, channels: 1 }));
    const { fields, file } = upload();
    expect(fields).toEqual({ model: "whisper-1", response_format: "json", language: "de", prompt: 'Names: "Voxray",\r\nWhisper' });
    expect(file.bytes.subarray(44)).toEqual(pcm);
    const headers = openai.requests[0]!.headers;
    expect(headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(headers["transfer-encoding"]).toBeUndefined();
  });

  it("reports the detected language with verbose_json", async () => {
    openai.script("transcription", { text: "Bonjour", language: "french" });
    const events = await collect(stt({ responseFormat: "verbose_json" }).transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 }));
    expect(events).toEqual([{ type: "final", text: "Bonjour", language: "french" }]);
    expect(upload().fields.response_format).toBe("verbose_json");
  });

  it("sends nothing for empty audio", async () => {
    const events = await collect(stt().transcribe({ pcm: new Uint8Array(0), sampleRate: 16_000, channels: 1 }));
    expect(events).toEqual([]);
    expect(openai.requests).toHaveLength(0);
  });

  it("rejects PCM that is not a whole number of 16-bit frames, without a request", async () => {
    const error = await collect(stt().transcribe({ pcm: new Uint8Array(3), sampleRate: 16_000, channels: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toBe("openai STT request failed: PCM of 3 bytes is not a whole number of 16-bit 1-channel frames");
    expect(openai.requests).toHaveLength(0);
  });

  it.each([
    { status: 400, retryable: false },
    { status: 429, retryable: true },
    { status: 500, retryable: true },
  ])("turns $status into a ServiceError (retryable: $retryable)", async ({ status, retryable }) => {
    openai.script("transcription", { status, message: "nope" });
    const error = await collect(stt({ provider: "groq" }).transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: "groq", role: "stt", status, retryable, message: `groq STT request failed: ${status} nope` });
  });

  it.each([
    ["a body that is not JSON", "hello there", "answer is not JSON: hello there"],
    ["JSON without text", '{"segments":[]}', "answer has no text"],
  ])("fails clearly on %s", async (_case, answer, detail) => {
    const server = await startTestServer((_req, res) => void res.end(answer));
    try {
      const error = await collect(openAISTTService({ baseURL: `${server.origin}/v1`, model: "whisper-1" }).transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect(error).toMatchObject({ retryable: false, message: `openai STT request failed: ${detail}` });
    } finally {
      await server.close();
    }
  });

  it("closes the request when unsubscribed before the provider answers", async () => {
    openai.script("transcription", { hang: true });
    const subscription = stt().transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 }).subscribe();
    const request = await openai.request(0);
    subscription.unsubscribe();
    expect((await request.settled).aborted).toBe(true);
  });
});

describe("the stand-in's transcription endpoint", () => {
  it("rejects headerless PCM uploaded as .mp3, as the real API does with such a file", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: openai.baseURL, maxRetries: 0 });
    const file = await toFile(tonePcm(200, 16_000), "audio.mp3", { type: "audio/mpeg" });
    const error = await client.audio.transcriptions.create({ file, model: "whisper-1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: "file" });
  });
});
