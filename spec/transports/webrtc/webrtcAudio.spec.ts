// Audio through WebRTCTransport over a loopback werift link.
// In: a 440 Hz tone the browser sends as Opus reaches the pipeline as InputAudioRawFrames of
// exactly 20 ms at 16 kHz, at the level and pitch it was sent. Out: 24 kHz bot audio in odd
// chunk sizes reaches the browser decodable, with no sample lost at a chunk boundary, paced
// at real time (lower bound only), numbered right, and an interruption stops it at once.

import { afterEach, describe, expect, it } from "vitest";
import { rms } from "../../../lib/audio/pcm.ts";
import { audioFrame, counterIds, createFrame, type Frame } from "../../../lib/frames/index.ts";
import { int16ToPcmBytes, pcmBytesToInt16, concatInt16 } from "../../../lib/audio/pcm.ts";
import type { WebRTCTransport } from "../../../lib/transports/webrtc/webrtcTransport.ts";
import { FakeBrowser, sleep, tone, toneShare, waitFor } from "./fakeBrowser.ts";
import { connectBrowser, loopbackSignaller } from "./harness.ts";

const ids = counterIds();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function session(): Promise<{ browser: FakeBrowser; transport: WebRTCTransport }> {
  const { signaller, started } = loopbackSignaller({ pacing: { leadMs: 40 } });
  const { browser, transport } = await connectBrowser(signaller, started);
  cleanup.push(async () => {
    await browser.close();
    await signaller.closeAll();
  });
  return { browser, transport };
}

/** Sends `totalMs` of a 24 kHz tone as TTSAudioRawFrames of `chunkMs` each. */
function speak(transport: WebRTCTransport, totalMs: number, chunkMs: number): number {
  const pcm = tone(300, 6000, totalMs, 24000);
  const size = (24000 * chunkMs) / 1000;
  for (let at = 0; at < pcm.length; at += size) {
    const chunk = pcm.slice(at, Math.min(pcm.length, at + size));
    transport.send(audioFrame(ids, "TTSAudioRawFrame", int16ToPcmBytes(chunk), 24000, 1));
  }
  return pcm.length;
}

describe("WebRTCTransport audio", () => {
  it("delivers the browser's microphone as 20 ms InputAudioRawFrames at 16 kHz with the tone's level and pitch", async () => {
    const { browser, transport } = await session();
    const frames: Frame[] = [];
    transport.input$.subscribe((f) => frames.push(f));
    const sentPackets = await browser.sendPcm(tone(440, 8000, 1000, 48000));
    expect(sentPackets).toBe(50);
    await waitFor(() => frames.length >= 48, 3000, "48 audio frames");
    const audio = frames.filter((f) => f.type === "InputAudioRawFrame");
    for (const f of audio) {
      expect(f.sample_rate).toBe(16000);
      expect(f.num_channels).toBe(1);
      expect(f.num_frames).toBe(320);
      expect(f.audio.byteLength).toBe(640);
    }
    // Skip the first 100 ms: codec and resampler warm-up.
    const steady = concatInt16(audio.slice(5).map((f) => pcmBytesToInt16(f.audio)));
    const expectedRms = 8000 / Math.SQRT2 / 32768; // 0.173
    expect(rms(steady)).toBeGreaterThan(expectedRms * 0.75);
    expect(rms(steady)).toBeLessThan(expectedRms * 1.25);
    expect(toneShare(steady, 440, 16000)).toBeGreaterThan(0.8);
  });

  it("sends 24 kHz bot audio as paced 20 ms Opus packets, losing no sample at chunk boundaries", async () => {
    const { browser, transport } = await session();
    const events: Frame[] = [];
    transport.events$.subscribe((f) => events.push(f));
    const samples24k = speak(transport, 1010, 37); // 1010 ms in 28 chunks of 37 ms
    transport.send(createFrame(ids, "TTSStoppedFrame", {}));
    await transport.drained();
    const expectedPackets = Math.ceil((samples24k * 2) / 960); // 51: the last one padded
    await waitFor(() => browser.received.length >= expectedPackets, 3000, "every packet");
    await sleep(100);
    const got = browser.received;
    expect(got).toHaveLength(expectedPackets);

    // Numbering: consecutive sequence numbers, +960 timestamps, one marker.
    for (let i = 1; i < got.length; i++) {
      expect(got[i]?.sequenceNumber).toBe(((got[i - 1]?.sequenceNumber ?? 0) + 1) & 0xffff);
      expect(((got[i]?.timestamp ?? 0) - (got[i - 1]?.timestamp ?? 0) + 2 ** 32) % 2 ** 32).toBe(960);
    }
    expect(got.filter((p) => p.marker)).toHaveLength(1);

    // Pacing, lower bound only: 51 packets are 1020 ms of audio; with a 40 ms lead the last
    // one may leave 40 ms early, and never earlier than 0.8 × real time.
    const span = (got.at(-1)?.at ?? 0) - (got[0]?.at ?? 0);
    expect(span).toBeGreaterThanOrEqual(0.8 * (expectedPackets - 1) * 20);

    // Decodable, same duration, same tone (the 300 Hz tone resampled to 48 kHz).
    const decoded = browser.decodeReceived();
    expect(decoded.reduce((n, d) => n + d.length, 0)).toBe(expectedPackets * 960);
    const steady = concatInt16(decoded.slice(5, -2));
    expect(toneShare(steady, 300, 48000)).toBeGreaterThan(0.8);
    expect(rms(steady)).toBeGreaterThan((6000 / Math.SQRT2 / 32768) * 0.75);

    await waitFor(() => events.length >= 2, 2000, "speaking events");
    expect(events.map((e) => e.type)).toEqual(["BotStartedSpeakingFrame", "BotStoppedSpeakingFrame"]);
  });

  it("stops sending at once on InterruptionFrame and reports BotStoppedSpeaking", async () => {
    const { browser, transport } = await session();
    const events: Frame[] = [];
    transport.events$.subscribe((f) => events.push(f));
    speak(transport, 3000, 40);
    await waitFor(() => browser.received.length >= 10, 3000, "the first packets");
    transport.send(createFrame(ids, "InterruptionFrame", {}));
    expect(events.map((e) => e.type)).toEqual(["BotStartedSpeakingFrame", "BotStoppedSpeakingFrame"]);
    expect(transport.queuedAudioMs).toBe(0);
    await sleep(250); // packets already on the wire land
    const settled = browser.received.length;
    await sleep(400);
    expect(browser.received.length).toBe(settled);
    expect(settled).toBeLessThan(150 / 3); // far fewer than the 150 packets queued
    await expect(transport.drained()).resolves.toBeUndefined();
  });

  it("mixes stereo bot audio down to mono", async () => {
    const { browser, transport } = await session();
    const mono = tone(300, 6000, 200, 24000);
    const stereo = new Int16Array(mono.length * 2);
    for (let i = 0; i < mono.length; i++) {
      stereo[2 * i] = mono[i] ?? 0;
      stereo[2 * i + 1] = mono[i] ?? 0;
    }
    transport.send(audioFrame(ids, "OutputAudioRawFrame", int16ToPcmBytes(stereo), 24000, 2));
    transport.send(createFrame(ids, "EndFrame", {}));
    await transport.drained();
    await waitFor(() => browser.received.length >= 10, 2000, "10 packets");
    await sleep(50);
    expect(browser.received).toHaveLength(10);
  });
});
