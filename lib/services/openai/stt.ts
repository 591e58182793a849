// File-based STT over the OpenAI transcription wire (multipart upload), for OpenAI, Groq and
// self-hosted Whisper servers. One request per utterance; the PCM is always wrapped as a WAV
// file, because headerless PCM sent as ".mp3" or ".wav" is unreadable to these endpoints.

import { toFile } from "openai";
import { EMPTY, throwError } from "rxjs";
import { encodeWav } from "../../audio/wav.ts";
import { abortableRequest } from "../abortable.ts";
import { ServiceError } from "../service-error.ts";
import type { STTAudio, STTEvent, STTService } from "../types.ts";
import { DEFAULT_TIMEOUT_MS, createOpenAIClient, providerName, type OpenAIConnectionOptions } from "./connection.ts";
import { openAIErrorMapper } from "./errors.ts";

export interface OpenAISTTOptions extends OpenAIConnectionOptions {
  readonly model: string;
  /** Default ISO-639-1 language hint; `STTAudio.language` wins. */
  readonly language?: string;
  /**
   * "json" works with every model; "verbose_json" (whisper models only) also reports the
   * detected language. Default "json".
   */
  readonly responseFormat?: "json" | "verbose_json";
  /** Vocabulary or style hint passed as `prompt`. */
  readonly prompt?: string;
}

export function openAISTTService(options: OpenAISTTOptions): STTService {
  const provider = providerName(options);
  const client = createOpenAIClient(options);
  const toServiceError = openAIErrorMapper(provider, "stt", options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const responseFormat = options.responseFormat ?? "json";

  function transcribe(audio: STTAudio) {
    const problem = invalidAudio(audio);
    if (problem) return throwError(() => new ServiceError({ provider, role: "stt", detail: problem, retryable: false }));
    // Nothing to recognise: no request, no transcript.
    if (audio.pcm.byteLength === 0) return EMPTY;
    const language = audio.language ?? options.language;
    return abortableRequest<STTEvent>(async ({ signal, emit }) => {
      const wav = encodeWav(audio.pcm, audio.sampleRate, audio.channels);
      const file = await toFile(wav, "audio.wav", { type: "audio/wav" });
      const result = await client.audio.transcriptions.create(
        {
          file,
          model: options.model,
          response_format: responseFormat,
          ...(language ? { language } : {}),
          ...(options.prompt ? { prompt: options.prompt } : {}),
        },
        { signal },
      );
      const detected = "language" in result && typeof result.language === "string" ? result.language : undefined;
      const lang = detected ?? language;
      emit({ type: "final", text: result.text.trim(), ...(lang ? { language: lang } : {}) });
    }, toServiceError);
  }

  return { name: provider, model: options.model, streaming: false, transcribe };
}

function invalidAudio(audio: STTAudio): string | undefined {
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0) return `invalid sample rate ${audio.sampleRate}`;
  if (!Number.isInteger(audio.channels) || audio.channels < 1) return `invalid channel count ${audio.channels}`;
  if (audio.pcm.byteLength % (2 * audio.channels) !== 0) {
    return `PCM of ${audio.pcm.byteLength} bytes is not a whole number of 16-bit ${audio.channels}-channel frames`;
  }
  return undefined;
}
