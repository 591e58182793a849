// The OpenAI-wire TTS service against the stand-in: it asks for raw PCM with the configured voice,
// emits audio while the body is still arriving, never splits a sample, strips a streamed WAV
// header, and unsubscribing closes the HTTP request.

import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAITTSService, type OpenAITTSOptions } from "../../../lib/services/openai/tts.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import type { TTSChunk } from "../../../lib/services/types.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";

const KEY = "sk-tts";
let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
});
afterEach(() => openai.close());

function tts(options: Partial<OpenAITTSOptions> = {}) {
  return openAITTSService({ baseURL: openai.baseURL, apiKey: KEY, model: "tts-1", voice: "nova", ...options });
}
const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const joined = (chunks: readonly TTSChunk[]) => Buffer.concat(chunks.map((c) => c.pcm));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("openAITTSService", () => {
  it("requests raw PCM with the configured model, voice and speed", async () => {
    const chunks = await collect(tts({ speed: 1.25 }).synthesize("Hello there."));

    expect(openai.requests[0]!.body).toEqual({ model: "tts-1", voice: "nova", input: "Hello there.", response_format: "pcm", speed: 1.25 });
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(chunks.every((c) => c.sampleRate === 24_000)).toBe(true);
  });

  it("emits the first audio before the response body has ended", async () => {
    const gate = deferred();
    const pcm = tonePcm(400, 24_000);
    openai.script("speech", { pcm, chunkBytes: 1920, holdAfter: 1, release: gate.promise });
    const received: TTSChunk[] = [];
    const firstWrite = deferred();
    const done = new Promise<void>((resolve, reject) =>
      tts()
        .synthesize("Streaming speech.")
        .subscribe({
          next: (chunk) => {
            received.push(chunk);
            if (joined(received).byteLength === 1920) firstWrite.resolve();
          },
          error: reject,
          complete: resolve,
        }),
    );

    await firstWrite.promise;
    const request = await openai.request(0);
    expect(request.endedAt).toBeUndefined();
    expect(request.piecesSent).toBe(1);
    expect(joined(received)).toEqual(Buffer.from(pcm.subarray(0, 1920)));

    gate.resolve();
    await done;
    expect(joined(received)).toEqual(Buffer.from(pcm));
    expect(received.length).toBeGreaterThan(1);
  });

  it("never splits a 16-bit sample across chunks when the network does", async () => {
    const pcm = tonePcm(300, 24_000);
    openai.script("speech", { pcm, chunkBytes: 1001 });
    const chunks = await collect(tts().synthesize("Odd chunks."));
    expect(chunks.every((c) => c.pcm.byteLength % 2 === 0)).toBe(true);
    expect(joined(chunks)).toEqual(Buffer.from(pcm));
  });

  it("strips a streamed WAV header split over many chunks and uses the header's rate", async () => {
    const pcm = tonePcm(200, 24_000);
    openai.script("speech", { pcm, chunkBytes: 7 });
    const chunks = await collect(tts({ provider: "groq", responseFormat: "wav", sampleRate: 48_000, voice: "autumn" }).synthesize("Wav please."));
    expect(openai.requests[0]!.body).toMatchObject({ response_format: "wav", voice: "autumn" });
    expect(joined(chunks)).toEqual(Buffer.from(pcm));
    expect(new Set(chunks.map((c) => c.sampleRate))).toEqual(new Set([24_000]));
  });

  it("refuses compressed audio from a provider that ignores response_format", async () => {
    openai.script("speech", { format: "mp3" });
    const error = await collect(tts().synthesize("Hello.")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toBe("openai TTS request failed: expected pcm audio, got audio/mpeg");
  });

  it("sends nothing for blank text", async () => {
    expect(await collect(tts().synthesize("  "))).toEqual([]);
    expect(openai.requests).toHaveLength(0);
  });
});

describe("openAITTSService: cancellation and errors", () => {
  it("closes the HTTP request when unsubscribed mid-stream", async () => {
    openai.script("speech", { durationMs: 1000, chunkBytes: 1920, holdAfter: 2 });
    let bytes = 0;
    const twoWrites = deferred();
    // The two writes may arrive as one network read, so count bytes, not chunks.
    const subscription = tts()
      .synthesize("Cut me off.")
      .subscribe((chunk) => {
        bytes += chunk.pcm.byteLength;
        if (bytes === 2 * 1920) twoWrites.resolve();
      });

    await twoWrites.promise;
    subscription.unsubscribe();
    const request = await (await openai.request(0)).settled;
    expect(request.aborted).toBe(true);
    expect(request.piecesSent).toBe(2);
  });

  it("cancels a provider that never sends the first byte", async () => {
    openai.script("speech", { hang: true });
    const subscription = tts().synthesize("Anyone there?").subscribe();
    const request = await openai.request(0);
    subscription.unsubscribe();
    expect((await request.settled).aborted).toBe(true);
  });

  it("fails with a retryable error when the audio stalls for idleTimeoutMs", async () => {
    openai.script("speech", { durationMs: 1000, holdAfter: 1 });
    const error = await collect(tts({ idleTimeoutMs: 100 }).synthesize("Stall.")).catch((e: unknown) => e);
    expect(error).toMatchObject({ role: "tts", retryable: true, message: "openai TTS request failed: stream stalled: no audio for 100 ms" });
    expect((await openai.requests[0]!.settled).aborted).toBe(true);
  });

  it("fails with a retryable error when the provider drops the connection mid-stream", async () => {
    openai.script("speech", { durationMs: 1000, holdAfter: 1 });
    const firstChunk = deferred();
    const failed = new Promise<unknown>((resolve) =>
      tts()
        .synthesize("Dropped.")
        .subscribe({ next: () => firstChunk.resolve(), error: resolve, complete: () => resolve("completed") }),
    );
    await firstChunk.promise;
    await openai.close(); // destroys the connection halfway through the audio

    const error = await failed;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ role: "tts", retryable: true, message: "openai TTS request failed: connection lost mid-response: aborted (ECONNRESET)" });
  });

  it.each([
    { status: 401, retryable: false },
    { status: 429, retryable: true },
    { status: 500, retryable: true },
  ])("turns $status into a ServiceError (retryable: $retryable)", async ({ status, retryable }) => {
    openai.script("speech", { status, message: "speech failed" });
    const error = await collect(tts().synthesize("Hello.")).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: "openai", role: "tts", status, retryable, message: `openai TTS request failed: ${status} speech failed` });
  });
});
