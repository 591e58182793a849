// Real speech for tests, made offline: flite (voice slt; espeak-ng when flite is missing)
// speaks each sentence, sox converts it to the requested rate (mono, 16-bit) and joins it
// with exact silences. Results are cached in spec/.cache/ (git-ignored) under a hash of the
// request, so a spec pays the ~0.1 s per sentence once per machine.
//
// With the audio come the truth boundaries of each spoken segment: the first and last 10 ms
// frame whose RMS is within 45 dB of the segment's loudest frame (and above -60 dBFS). TTS
// engines pad their output with near-silence; these bounds exclude it.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pcmBytesToInt16, rmsDbfs } from "../../lib/audio/pcm.ts";
import { decodeWav } from "../../lib/audio/wav.ts";
import { whichProgram } from "./programs.ts";

const run = promisify(execFile);
const CACHE_DIR = fileURLToPath(new URL("../.cache/", import.meta.url));
const CACHE_VERSION = 1;
const FRAME_MS = 10;
const RELATIVE_FLOOR_DB = 45;
const ABSOLUTE_FLOOR_DBFS = -60;

export type SpeechSegmentSpec = { readonly say: string } | { readonly silenceMs: number };

export interface SpeechRequest {
  readonly segments: readonly SpeechSegmentSpec[];
  /** Output sample rate (default 16000). */
  readonly rate?: number;
}

export interface SpokenSegment {
  readonly text: string;
  /** Where the segment's audio sits in the file (ms), TTS padding included. */
  readonly placedFromMs: number;
  readonly placedToMs: number;
  /** Measured speech inside it: first and last frame above the level floor (ms). */
  readonly startMs: number;
  readonly endMs: number;
}

export interface SpeechWav {
  readonly path: string;
  readonly sampleRate: number;
  readonly pcm: Int16Array;
  readonly durationMs: number;
  readonly engine: "flite" | "espeak-ng";
  readonly speech: readonly SpokenSegment[];
}

interface CachedMeta {
  readonly engine: "flite" | "espeak-ng";
  readonly speech: readonly SpokenSegment[];
}

export async function makeSpeechWav(request: SpeechRequest): Promise<SpeechWav> {
  const rate = request.rate ?? 16000;
  if (whichProgram("sox") === null) throw new Error("makeSpeechWav needs sox (apt-get install sox)");
  const engine = whichProgram("flite") !== null ? "flite" : whichProgram("espeak-ng") !== null ? "espeak-ng" : null;
  if (engine === null) throw new Error("makeSpeechWav needs flite or espeak-ng (apt-get install flite)");
  for (const s of request.segments) {
    if ("say" in s && !s.say.trim()) throw new Error("makeSpeechWav: a say segment has no text");
    if ("silenceMs" in s && !(s.silenceMs >= 0)) throw new Error(`makeSpeechWav: bad silenceMs ${s.silenceMs}`);
  }

  const key = createHash("sha256").update(JSON.stringify({ v: CACHE_VERSION, engine, rate, segments: request.segments })).digest("hex").slice(0, 20);
  const path = join(CACHE_DIR, `speech-${key}.wav`);
  const metaPath = join(CACHE_DIR, `speech-${key}.json`);
  const cached = await readCached(path, metaPath);
  if (cached) return { path, ...cached.audio, engine: cached.meta.engine, speech: cached.meta.speech };

  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, "tmp-"));
  try {
    const parts: string[] = [];
    const placed: { text: string; from: number; samples: number }[] = [];
    let at = 0;
    for (const [i, segment] of request.segments.entries()) {
      const part = join(work, `part-${i}.wav`);
      if ("say" in segment) {
        const raw = join(work, `raw-${i}.wav`);
        if (engine === "flite") await run("flite", ["-voice", "slt", "-t", segment.say, "-o", raw]);
        else await run("espeak-ng", ["-v", "en-us", "-w", raw, segment.say]);
        await run("sox", [raw, "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer", part]);
      } else {
        await run("sox", ["-n", "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer", part, "trim", "0", `${segment.silenceMs / 1000}`]);
      }
      const samples = decodeWav(await readFile(part)).pcm.byteLength / 2;
      if ("say" in segment) placed.push({ text: segment.say, from: at, samples });
      at += samples;
      parts.push(part);
    }
    const joined = join(work, "joined.wav");
    if (parts.length === 1) await run("sox", [parts[0] as string, joined]);
    else await run("sox", [...parts, joined]);

    const audio = await readAudio(joined);
    const speech = placed.map((p) => measureSpeech(audio.pcm, rate, p.text, p.from, p.samples));
    const meta: CachedMeta = { engine, speech };
    // Rename into place last: a concurrent spec either sees the complete pair or makes its own.
    await writeFile(join(work, "meta.json"), JSON.stringify(meta));
    await rename(join(work, "meta.json"), metaPath);
    await rename(joined, path);
    return { path, ...audio, engine, speech };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readCached(path: string, metaPath: string): Promise<{ audio: Awaited<ReturnType<typeof readAudio>>; meta: CachedMeta } | null> {
  try {
    const meta = JSON.parse(await readFile(metaPath, "utf8")) as CachedMeta;
    return { audio: await readAudio(path), meta };
  } catch {
    return null;
  }
}

async function readAudio(path: string): Promise<{ sampleRate: number; pcm: Int16Array; durationMs: number }> {
  const wav = decodeWav(await readFile(path));
  if (wav.channels !== 1) throw new Error(`${path}: expected mono, got ${wav.channels} channels`);
  const pcm = pcmBytesToInt16(wav.pcm.slice());
  return { sampleRate: wav.sampleRate, pcm, durationMs: (pcm.length / wav.sampleRate) * 1000 };
}

function measureSpeech(pcm: Int16Array, rate: number, text: string, from: number, samples: number): SpokenSegment {
  const frame = Math.round((rate * FRAME_MS) / 1000);
  const levels: number[] = [];
  for (let s = from; s + frame <= from + samples; s += frame) levels.push(rmsDbfs(pcm, s, s + frame));
  const loudest = Math.max(...levels);
  const floor = Math.max(loudest - RELATIVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS);
  const first = levels.findIndex((l) => l > floor);
  const last = levels.length - 1 - [...levels].reverse().findIndex((l) => l > floor);
  const toMs = (sample: number): number => (sample / rate) * 1000;
  if (first < 0) throw new Error(`makeSpeechWav: no audible speech measured for ${JSON.stringify(text)}`);
  return {
    text,
    placedFromMs: toMs(from),
    placedToMs: toMs(from + samples),
    startMs: toMs(from + first * frame),
    endMs: toMs(from + (last + 1) * frame),
  };
}
