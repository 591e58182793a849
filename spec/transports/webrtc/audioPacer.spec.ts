// AudioPacer, on a fake clock: bot audio at any rate becomes 20 ms Opus packets sent against
// deadlines (start + n × 20 ms, `leadMs` early), with exact RTP numbering, nothing dropped at
// chunk boundaries, the last partial frame padded, and an interruption that stops at once.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createOpusDecoder } from "../../../lib/audio/opus.ts";
import { AudioPacer, type AudioPacerOptions } from "../../../lib/transports/webrtc/audioPacer.ts";
import type { OutboundRtp } from "../../../lib/transports/webrtc/peer.ts";
import { tone } from "./fakeBrowser.ts";

interface Sent extends OutboundRtp {
  readonly at: number;
}

function pacer(over: Partial<AudioPacerOptions> = {}) {
  const sent: Sent[] = [];
  const speaking: { at: number; speaking: boolean }[] = [];
  const p = new AudioPacer({
    send: (packet) => sent.push({ ...packet, at: Date.now() }),
    onSpeaking: (s) => speaking.push({ at: Date.now(), speaking: s }),
    now: () => Date.now(),
    random: () => 0.5,
    ...over,
  });
  return { p, sent, speaking };
}

/** 24 kHz audio in chunks of `chunkMs`. */
function chunks24k(totalMs: number, chunkMs: number): Int16Array[] {
  const all = tone(300, 6000, totalMs, 24000);
  const size = (24000 * chunkMs) / 1000;
  const out: Int16Array[] = [];
  for (let at = 0; at < all.length; at += size) out.push(all.subarray(at, Math.min(all.length, at + size)));
  return out;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("AudioPacer", () => {
  it("turns 24 kHz chunks of odd sizes into ceil(duration / 20 ms) packets, the last one padded", () => {
    const { p, sent } = pacer();
    p.setReady(true);
    for (const chunk of chunks24k(259, 37)) p.push(chunk, 24000); // 259 ms in 7 pushes
    p.endOfResponse();
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(Math.ceil(259 / 20)); // 13: 12 full frames + 19 ms padded
    const decoder = createOpusDecoder({ sampleRate: 48000, channels: 1 });
    const decoded = sent.map((s) => decoder.decode(s.payload));
    expect(decoded.every((d) => d.length === 960)).toBe(true);
  });

  it("sends the padded tail of audio that never got an end of response once the client has played the rest", () => {
    const { p, sent, speaking } = pacer({ leadMs: 40, stopHoldMs: 300 });
    const start = Date.now();
    p.setReady(true);
    for (const chunk of chunks24k(259, 37)) p.push(chunk, 24000);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(13); // 12 full frames, then the 19 ms tail padded
    expect(sent.at(-1)?.at).toBe(start + 12 * 20); // the tail left when frame 11 had played, in its own slot
    expect(sent.at(-1)?.marker).toBe(false);
    expect(speaking.map((s) => [s.at - start, s.speaking])).toEqual([
      [0, true],
      [13 * 20 + 300, false],
    ]);
    expect(p.queuedMs).toBe(0);
  });

  it("sends on deadlines start + n×20 ms, leadMs early, and never faster", () => {
    const { p, sent } = pacer({ leadMs: 40 });
    const start = Date.now();
    p.setReady(true);
    p.push(tone(440, 5000, 200, 48000), 48000); // 10 frames
    p.endOfResponse();
    vi.advanceTimersByTime(500);
    expect(sent.map((s) => s.at - start)).toEqual([0, 0, 0, 20, 40, 60, 80, 100, 120, 140]);
  });

  it("numbers packets: sequence +1 (wrapping at 2^16), timestamp +960, marker on the first", () => {
    const { p, sent } = pacer({ random: () => 0.99999 }); // sequence starts at 65535
    p.setReady(true);
    p.push(tone(440, 5000, 100, 48000), 48000);
    vi.advanceTimersByTime(200);
    expect(sent.map((s) => s.sequenceNumber)).toEqual([65535, 0, 1, 2, 3]);
    const ts0 = sent[0]?.timestamp ?? 0;
    expect(sent.map((s) => (s.timestamp - ts0 + 2 ** 32) % 2 ** 32)).toEqual([0, 960, 1920, 2880, 3840]);
    expect(sent.map((s) => s.marker)).toEqual([true, false, false, false, false]);
  });

  it("reports speaking when the first packet goes out and stopped when the response has played", () => {
    const { p, speaking } = pacer({ leadMs: 40 });
    const start = Date.now();
    p.setReady(true);
    p.push(tone(440, 5000, 100, 48000), 48000); // 5 frames: deadlines 0..80, played out at 100
    p.endOfResponse();
    expect(speaking).toEqual([{ at: start, speaking: true }]);
    vi.advanceTimersByTime(1000);
    expect(speaking.map((s) => [s.at - start, s.speaking])).toEqual([
      [0, true],
      [100, false],
    ]);
  });

  it("holds the run open across a short gap in streaming audio, and ends it after the hold", () => {
    const { p, sent, speaking } = pacer({ leadMs: 40, stopHoldMs: 300 });
    const start = Date.now();
    p.setReady(true);
    p.push(tone(440, 5000, 100, 48000), 48000);
    vi.advanceTimersByTime(250); // queue empty since ~60 ms, last frame played at 100
    p.push(tone(440, 5000, 100, 48000), 48000);
    vi.advanceTimersByTime(1000);
    expect(speaking.map((s) => [s.at - start, s.speaking])).toEqual([
      [0, true],
      [250 + 100 + 300, false], // last deadline 250+80, played at 350, plus the 300 ms hold
    ]);
    // The late audio starts a new talkspurt: marker set, RTP time advanced by the real gap.
    const second = sent[5];
    expect(second?.marker).toBe(true);
    expect(second?.sequenceNumber).toBe(((sent[4]?.sequenceNumber ?? 0) + 1) & 0xffff);
    expect(((second?.timestamp ?? 0) - (sent[0]?.timestamp ?? 0) + 2 ** 32) % 2 ** 32).toBe(250 * 48);
  });

  it("drops everything queued on interrupt: no packet after it, stopped at once, drained resolves", async () => {
    const { p, sent, speaking } = pacer({ leadMs: 40 });
    p.setReady(true);
    p.push(tone(440, 5000, 2000, 48000), 48000); // 100 frames
    vi.advanceTimersByTime(200);
    const before = sent.length;
    expect(before).toBe(13); // deadlines 0..240 are due by t=200 with a 40 ms lead
    const drained = p.drained();
    p.interrupt();
    expect(speaking.at(-1)?.speaking).toBe(false);
    await expect(drained).resolves.toBeUndefined();
    vi.advanceTimersByTime(3000);
    expect(sent).toHaveLength(before);
    expect(p.queuedMs).toBe(0);
  });

  it("queues while the connection is not up, then starts", () => {
    const { p, sent } = pacer();
    p.push(tone(440, 5000, 100, 48000), 48000);
    vi.advanceTimersByTime(500);
    expect(sent).toHaveLength(0);
    expect(p.queuedMs).toBe(100);
    p.setReady(true);
    vi.advanceTimersByTime(500);
    expect(sent).toHaveLength(5);
  });

  it("drained() resolves once the queued audio has been sent", async () => {
    const { p, sent } = pacer({ leadMs: 20 });
    p.setReady(true);
    p.push(tone(440, 5000, 110, 48000), 48000);
    p.endOfResponse(); // 6 packets, the last padded
    let done = false;
    void p.drained().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(60);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(true);
    expect(sent).toHaveLength(6);
  });

  it("rejects a lead over 60 ms", () => {
    expect(() => pacer({ leadMs: 80 })).toThrow(/0\.\.60 ms/);
  });
});
