// TTS over the OpenAI speech wire (`POST /audio/speech`). The audio is requested as raw PCM
// (OpenAI: 24 kHz, 16-bit, mono) or, for providers that only answer in WAV (Groq), as a WAV
// stream whose header is stripped on the fly. Chunks are emitted as the body arrives.

import { EMPTY } from "rxjs";
import { ServiceError } from "../service-error.ts";
import type { TTSChunk, TTSService } from "../types.ts";
import { openAIEndpoint, type OpenAIConnectionOptions } from "./connection.ts";
import { wireRequest, type BodyReader } from "./http.ts";
import { wavStreamParser, type WavStreamParser } from "./wav-stream.ts";

/** OpenAI's `response_format: "pcm"` is fixed at 24 kHz, 16-bit little-endian, mono. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;

export interface OpenAITTSOptions extends OpenAIConnectionOptions {
  readonly model: string;
  readonly voice: string;
  /** "pcm" (default) for raw PCM; "wav" for providers without raw PCM output. */
  readonly responseFormat?: "pcm" | "wav";
  /** The provider's raw-PCM rate. Default 24 000. With "wav" the header's rate is used. */
  readonly sampleRate?: number;
  readonly speed?: number;
  /** Voice direction for models that take it (gpt-4o-mini-tts). */
  readonly instructions?: string;
}

/** Content types that mean the provider ignored the request for uncompressed audio. */
const COMPRESSED = /^audio\/(mpeg|mp3|ogg|opus|aac|flac|webm)/i;

export function openAITTSService(options: OpenAITTSOptions): TTSService {
  const endpoint = openAIEndpoint(options, "tts", "/audio/speech");
  const { provider } = endpoint;
  const format = options.responseFormat ?? "pcm";
  const rawRate = options.sampleRate ?? OPENAI_PCM_SAMPLE_RATE;
  const failure = (detail: string, cause?: unknown) => new ServiceError({ provider, role: "tts", detail, retryable: false, cause });

  function synthesize(text: string) {
    // OpenAI answers 400 to empty input; silence needs no request.
    if (text.trim() === "") return EMPTY;
    return wireRequest<TTSChunk>(endpoint, {
      body: () => {
        const body = {
          model: options.model,
          voice: options.voice,
          input: text,
          response_format: format,
          ...(options.speed !== undefined ? { speed: options.speed } : {}),
          ...(options.instructions ? { instructions: options.instructions } : {}),
        };
        return { bytes: Buffer.from(JSON.stringify(body), "utf8"), contentType: "application/json" };
      },
      reader: () => audioReader(),
      idleWhat: "audio",
    });
  }

  function audioReader(): BodyReader<TTSChunk> {
    const wav = format === "wav" ? wavStreamParser() : undefined;
    const samples = sampleAligner();
    return {
      head(res) {
        const contentType = res.headers["content-type"] ?? "";
        if (COMPRESSED.test(contentType)) throw failure(`expected ${format} audio, got ${contentType}`);
      },
      data(bytes, out) {
        const pcm = samples.push(wav ? unwrap(wav, bytes) : bytes);
        if (pcm.byteLength > 0) out.next({ pcm, sampleRate: wav?.format?.sampleRate ?? rawRate });
      },
      end: () => {},
    };
  }

  function unwrap(wav: WavStreamParser, bytes: Uint8Array): Uint8Array {
    try {
      const pcm = wav.push(bytes);
      if (wav.format && wav.format.channels !== 1) throw new Error(`WAV has ${wav.format.channels} channels, expected mono`);
      return pcm;
    } catch (error) {
      throw failure((error as Error).message, error);
    }
  }

  return { name: provider, model: options.model, voice: options.voice, sampleRate: rawRate, synthesize };
}

/**
 * Network chunks split samples anywhere; a 16-bit sample cut in two would shift every later
 * sample by one byte (loud noise). Holds back an odd trailing byte until the next chunk.
 */
function sampleAligner(): { push(bytes: Uint8Array): Uint8Array } {
  let carry: number | undefined;
  return {
    push(bytes) {
      let out = bytes;
      if (carry !== undefined) {
        out = new Uint8Array(bytes.byteLength + 1);
        out[0] = carry;
        out.set(bytes, 1);
        carry = undefined;
      }
      if (out.byteLength % 2 === 1) {
        carry = out[out.byteLength - 1];
        out = out.subarray(0, out.byteLength - 1);
      }
      return out;
    },
  };
}
