// File-based STT over the OpenAI transcription wire (multipart upload), for OpenAI, Groq and
// self-hosted Whisper servers. One request per utterance; the PCM is always wrapped as a WAV
// file, because headerless PCM sent as ".mp3" or ".wav" is unreadable to these endpoints.

import { EMPTY, throwError } from "rxjs";
import { ServiceError } from "../service-error.ts";
import type { STTAudio, STTEvent, STTService } from "../types.ts";
import { openAIEndpoint, type OpenAIConnectionOptions } from "./connection.ts";
import { wireRequest, type BodyReader } from "./http.ts";
import { multipartUpload } from "./multipart.ts";

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
  const endpoint = openAIEndpoint(options, "stt", "/audio/transcriptions");
  const { provider } = endpoint;
  const responseFormat = options.responseFormat ?? "json";

  function transcribe(audio: STTAudio) {
    const problem = invalidAudio(audio);
    if (problem) return throwError(() => new ServiceError({ provider, role: "stt", detail: problem, retryable: false }));
    // Nothing to recognise: no request, no transcript.
    if (audio.pcm.byteLength === 0) return EMPTY;
    const language = audio.language ?? options.language;
    return wireRequest<STTEvent>(endpoint, {
      body: () => {
        const fields: [string, string][] = [["model", options.model], ["response_format", responseFormat]];
        if (language) fields.push(["language", language]);
        if (options.prompt) fields.push(["prompt", options.prompt]);
        return multipartUpload(fields, { pcm: audio.pcm, sampleRate: audio.sampleRate, channels: audio.channels, filename: "audio.wav" });
      },
      reader: () => transcriptReader(provider, language),
    });
  }

  return { name: provider, model: options.model, streaming: false, transcribe };
}

/** The JSON answer `{ text, language? }`, read whole. */
function transcriptReader(provider: string, hint: string | undefined): BodyReader<STTEvent> {
  const parts: Buffer[] = [];
  const failure = (detail: string, cause?: unknown) => new ServiceError({ provider, role: "stt", detail, retryable: false, cause });
  return {
    data: (chunk) => void parts.push(chunk),
    end(out) {
      const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString("utf8");
      let answer: { text?: unknown; language?: unknown };
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch (error) {
        throw failure(`answer is not JSON: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`, error);
      }
      if (typeof answer?.text !== "string") throw failure("answer has no text");
      const language = typeof answer.language === "string" ? answer.language : hint;
      out.next({ type: "final", text: answer.text.trim(), ...(language ? { language } : {}) });
    },
  };
}

function invalidAudio(audio: STTAudio): string | undefined {
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0) return `invalid sample rate ${audio.sampleRate}`;
  if (!Number.isInteger(audio.channels) || audio.channels < 1) return `invalid channel count ${audio.channels}`;
  if (audio.pcm.byteLength % (2 * audio.channels) !== 0) {
    return `PCM of ${audio.pcm.byteLength} bytes is not a whole number of 16-bit ${audio.channels}-channel frames`;
  }
  return undefined;
}
