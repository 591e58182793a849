// `voxray serve` with provider "openai" runs the voice pipeline, end to end over the real
// WebSocket transport: flite speech streamed at real time in 20 ms frames → Silero finds the
// turn → the OpenAI stand-in gets a WAV transcription request, then a chat request, then TTS
// requests → the TTS audio comes back over the socket. A barge-in while the bot is talking
// stops its audio at once (≤ 100 ms of it may already be on the wire) and really aborts the
// in-flight provider requests: the stand-in sees its clients go away.
//
// The config lists no plugins: in voice mode that means none (echo after the voice pipeline
// would play the microphone back over the answer), so all bot audio here is the TTS answer.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeWav } from "../../../lib/audio/wav.ts";
import { missingPrograms } from "../../support/programs.ts";
import { makeSpeechWav, type SpeechWav } from "../../support/speech.ts";
import { startOpenAIStandIn, type OpenAIStandIn, type RecordedRequest } from "../../support/standins/openai.ts";
import { connect, jsonAudio, type Received } from "../harness.ts";
import { CLIENT_READY, RealTimeMic, pcmMs, protoAudio, protoDecode, protoMessage, startVoiceServer, type VoiceServer } from "./support.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });
const KEY = "sk-e2e";

let openai: OpenAIStandIn;
let question: SpeechWav;
let bargeIn: SpeechWav;

beforeAll(async () => {
  if (skip) return;
  openai = await startOpenAIStandIn({ apiKey: KEY });
  [question, bargeIn] = await Promise.all([
    makeSpeechWav({ segments: [{ silenceMs: 200 }, { say: "What is the weather like today?" }] }),
    makeSpeechWav({ segments: [{ say: "Wait, stop, stop please." }] }),
  ]);
});
afterAll(async () => {
  await openai?.close();
});

function voiceConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: "openai",
    llm_base_url: openai.baseURL,
    stt_base_url: openai.baseURL,
    tts_base_url: openai.baseURL,
    api_keys: { openai: KEY },
    model: "gpt-4o-mini",
    tts_voice: "alloy",
    system_prompt: "Be brief.",
    ...extra,
  };
}

const since = (seq: number) => (endpoint: string): RecordedRequest[] => openai.requests.filter((r) => r.seq >= seq && r.endpoint === endpoint);
const jsonOf = (m: Received): any => JSON.parse(m.data.toString("utf8"));

describe.skipIf(skip)("voice pipeline from config, over /ws", () => {
  let server: VoiceServer;
  beforeAll(async () => {
    server = await startVoiceServer(voiceConfig());
  });
  afterAll(() => server?.close());

  it("JSON: a spoken question becomes a WAV upload, a chat request, TTS requests, and bot audio on the socket", async () => {
    expect(server.voice.mode).toBe("voice");
    const first = openai.requests.length;
    const requests = since(first);
    openai.script("transcription", { text: "What is the weather like today?" });
    openai.script("chat", { text: "It is sunny today. Enjoy the walk!" });

    const client = await connect(`${server.wsUrl}/ws`);
    const mic = new RealTimeMic((pcm) => client.send(jsonAudio(pcm)));
    mic.start();
    await mic.say(question.pcm);
    const isType = (type: string) => (m: Received) => !m.binary && jsonOf(m).type === type;
    await client.waitFor(isType("OutputAudioRawFrame"), 8_000);
    await client.waitFor(isType("BotStoppedSpeakingFrame"), 8_000);
    mic.stop();

    // One turn, one upload: a WAV holding the question (500 ms lead-in, 0.8 s turn stop).
    const [upload] = requests("transcription");
    const file = (upload!.body as { file: { name: string; bytes: Uint8Array } }).file;
    expect(file.name).toBe("audio.wav");
    const wav = decodeWav(file.bytes);
    expect(wav.sampleRate).toBe(16_000);
    const spokenMs = question.speech[0]!.endMs - question.speech[0]!.startMs;
    const uploadMs = pcmMs(wav.pcm.byteLength, wav.sampleRate);
    expect(uploadMs).toBeGreaterThan(spokenMs + 500);
    expect(uploadMs).toBeLessThan(spokenMs + 500 + 800 + 600);

    // Then the chat request (system prompt and transcript), then one TTS request per sentence.
    const [chat] = requests("chat");
    const speech = requests("speech");
    expect(chat!.seq).toBeGreaterThan(upload!.seq);
    expect((chat!.body as { model: string; messages: unknown[] }).model).toBe("gpt-4o-mini");
    expect((chat!.body as { messages: unknown[] }).messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the weather like today?" },
    ]);
    expect(speech.map((r) => (r.body as { input: string }).input)).toEqual(["It is sunny today.", "Enjoy the walk!"]);
    expect(speech.every((r) => r.seq > chat!.seq && (r.body as { voice: string }).voice === "alloy")).toBe(true);
    expect(requests("transcription").concat(requests("chat")).every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);

    // The client saw the turn, the transcript, the answer's text and its audio, in that order.
    const types = client.received.filter((m) => !m.binary).map((m) => jsonOf(m).type as string);
    const order = ["UserStartedSpeakingFrame", "UserStoppedSpeakingFrame", "TranscriptionFrame", "OutputAudioRawFrame"].map((t) => types.indexOf(t));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(client.json().find((m) => m.type === "TranscriptionFrame").data.text).toBe("What is the weather like today?");
    const botAudioMs = client
      .json()
      .filter((m) => m.type === "OutputAudioRawFrame")
      .reduce((ms, m) => ms + pcmMs(Buffer.from(m.data.audio, "base64").length, m.data.sample_rate), 0);
    const speechBytes = speech.reduce((n, r) => n + r.bytesSent, 0);
    expect(botAudioMs).toBeGreaterThan(pcmMs(speechBytes, 24_000) - 50);
    client.close();
    await client.closed;
  });

  it("JSON: speaking again while the answer is still being thought drops that answer; the new turn gets one", async () => {
    const first = openai.requests.length;
    const requests = since(first);
    openai.script("transcription", { text: "What is the weather like today?" }, { text: "Wait, stop, stop please." });
    // The first answer takes 5 s to its first token: the user speaks again long before.
    openai.script("chat", { text: "A stale answer.", ttftMs: 5_000 }, { text: "Sure, I will stop." });

    const client = await connect(`${server.wsUrl}/ws`);
    const mic = new RealTimeMic((pcm) => client.send(jsonAudio(pcm)));
    mic.start();
    await mic.say(question.pcm);
    await vi.waitFor(() => expect(requests("chat")).toHaveLength(1), { timeout: 8_000 });
    const [stale] = requests("chat");
    await mic.say(bargeIn.pcm);
    await vi.waitFor(() => expect(stale!.aborted).toBe(true), { timeout: 3_000 });
    await client.waitFor((m) => !m.binary && jsonOf(m).type === "BotStoppedSpeakingFrame", 8_000);
    mic.stop();

    expect(stale!.piecesSent).toBe(0);
    expect(requests("chat")).toHaveLength(2);
    expect(requests("speech").map((r) => (r.body as { input: string }).input)).toEqual(["Sure, I will stop."]);
    client.close();
    await client.closed;
  });

  it("JSON: a barge-in that asks something, answered after more than 2 s, is not taken for noise", async () => {
    const first = openai.requests.length;
    const requests = since(first);
    openai.script("transcription", { text: "What is the weather like today?" }, { text: "Wait, stop, stop please." });
    // The first answer talks for 8 s; the answer to the barge-in takes 3 s to its first token,
    // longer than the 2 s after which an interruption without a transcript counts as noise.
    openai.script("chat", { text: "It is sunny today and the walk will be lovely." }, { text: "Sure, I will stop.", ttftMs: 3_000 });
    openai.script("speech", { durationMs: 8_000 });

    const client = await connect(`${server.wsUrl}/ws`);
    const mic = new RealTimeMic((pcm) => client.send(jsonAudio(pcm)));
    mic.start();
    await mic.say(question.pcm);
    const isType = (type: string) => (m: Received) => !m.binary && jsonOf(m).type === type;
    const after = (mark: number, type: string) => (m: Received) => isType(type)(m) && client.received.indexOf(m) >= mark;
    await client.waitFor(isType("OutputAudioRawFrame"), 8_000);
    await mic.say(bargeIn.pcm);
    await vi.waitFor(() => expect(requests("chat")).toHaveLength(2), { timeout: 5_000 });
    // The second answer plays to its end (the 2 s noise verdict would have come before it).
    const mark = client.received.length;
    await client.waitFor(after(mark, "OutputAudioRawFrame"), 8_000);
    await client.waitFor(after(mark, "BotStoppedSpeakingFrame"), 8_000);
    mic.stop();

    // The barge-in's transcript reached the turn taking: no "the user said nothing" note, no
    // extra run. The second request ends with the barge-in; its only system message is the prompt.
    expect(requests("chat")).toHaveLength(2);
    const messages = (requests("chat")[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.filter((m) => m.role === "system")).toEqual([{ role: "system", content: "Be brief." }]);
    expect(messages.at(-1)).toEqual({ role: "user", content: "Wait, stop, stop please." });
    expect(requests("speech").map((r) => (r.body as { input: string }).input).at(-1)).toBe("Sure, I will stop.");
    client.close();
    await client.closed;
  });

  it("JSON: a noise that cuts an answer still being thought brings that answer after all", async () => {
    const first = openai.requests.length;
    const requests = since(first);
    // The second "turn" is sound with no words in it: its transcript is empty.
    openai.script("transcription", { text: "What is the weather like today?" }, { text: "" });
    openai.script("chat", { text: "A cut answer.", ttftMs: 5_000 }, { text: "It is sunny today." });

    const client = await connect(`${server.wsUrl}/ws`);
    const mic = new RealTimeMic((pcm) => client.send(jsonAudio(pcm)));
    mic.start();
    await mic.say(question.pcm);
    await vi.waitFor(() => expect(requests("chat")).toHaveLength(1), { timeout: 8_000 });
    const [cut] = requests("chat");
    await mic.say(bargeIn.pcm);
    await vi.waitFor(() => expect(cut!.aborted).toBe(true), { timeout: 3_000 });
    // 2 s after the noise turn ends the context, which still ends with the question, runs again.
    await client.waitFor((m) => !m.binary && jsonOf(m).type === "BotStoppedSpeakingFrame", 10_000);
    mic.stop();

    expect(requests("transcription")).toHaveLength(2);
    expect(requests("chat")).toHaveLength(2);
    expect((requests("chat")[1]!.body as { messages: unknown[] }).messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the weather like today?" },
    ]);
    expect(requests("speech").map((r) => (r.body as { input: string }).input)).toEqual(["It is sunny today."]);
    client.close();
    await client.closed;
  });

  it("protobuf: a barge-in mid-answer stops the bot's audio and aborts the in-flight LLM and TTS requests", async () => {
    const first = openai.requests.length;
    const requests = since(first);
    openai.script("transcription", { text: "Tell me a long story." }, { hang: true });
    // The answer's first sentence is spoken while the LLM stream is held open; its speech
    // sends 2 s of audio (50 × 40 ms) and then holds, so both requests are in flight.
    openai.script("chat", { text: "Sure. Once upon a time there was a dragon who loved the sea.", holdAfter: 2 });
    openai.script("speech", { durationMs: 8_000, holdAfter: 50 });

    const client = await connect(`${server.wsUrl}/ws?format=protobuf`);
    client.send(protoMessage(CLIENT_READY));
    const mic = new RealTimeMic((pcm) => client.send(protoAudio(pcm)));
    mic.start();
    await mic.say(question.pcm);
    const isFrame = (kind: string) => (m: Received) => m.binary && protoDecode(m.data).frame === kind;
    const botAudio = await client.waitFor(isFrame("audio"), 8_000);
    // Let ~0.4 s of the answer play, then talk over it.
    await new Promise((r) => setTimeout(r, 400));
    const [chat] = requests("chat");
    const [speech] = requests("speech");
    expect([chat!.aborted, speech!.aborted]).toEqual([false, false]);
    void mic.say(bargeIn.pcm);

    // The first turn's start interrupted too (nothing was playing then): wait for the barge-in's.
    const interruption = await client.waitFor((m) => isFrame("interruption")(m) && client.received.indexOf(m) > client.received.indexOf(botAudio), 5_000);
    await vi.waitFor(() => expect([chat!.aborted, speech!.aborted]).toEqual([true, true]), { timeout: 3_000 });
    expect(chat!.piecesSent).toBe(2);
    // Give any straggler time to arrive: the bot must stay silent after the interruption.
    await new Promise((r) => setTimeout(r, 300));
    mic.stop();

    const audioMs = (from: number, to: number): number =>
      client.received
        .slice(from, to)
        .filter(isFrame("audio"))
        .reduce((ms, m) => {
          const a = protoDecode(m.data).audio!;
          return ms + pcmMs(a.audio.length, a.sample_rate);
        }, 0);
    const cut = client.received.indexOf(interruption);
    const before = audioMs(client.received.indexOf(botAudio), cut);
    const after = audioMs(cut + 1, client.received.length);
    expect(before).toBeGreaterThan(300);
    expect(after).toBeLessThanOrEqual(100);
    // RTVI events came as message frames: the first turn's transcript, and two user turns.
    const events = client.received.filter(isFrame("message")).map((m) => JSON.parse(protoDecode(m.data).message!.data) as { type: string; data?: { text?: string } });
    // The transcript travels both ways (turn taking hears it too) but is reported once.
    expect(events.filter((e) => e.type === "user-transcription").map((e) => e.data?.text)).toEqual(["Tell me a long story."]);
    expect(events.filter((e) => e.type === "user-started-speaking")).toHaveLength(2);
    client.close();
    await client.closed;
  });
});
