// InboundAudio: Opus packets at 48 kHz become exact 20 ms chunks at the pipeline rate, with
// samples carried across packets; duplicate and late packets are dropped (sequence numbers
// compared modulo 2^16, so the wrap from 65535 to 0 is "ahead").

import { describe, expect, it } from "vitest";
import { createOpusEncoder } from "../../../lib/audio/opus.ts";
import { InboundAudio } from "../../../lib/transports/webrtc/inboundAudio.ts";
import { tone } from "./fakeBrowser.ts";

function packets(count: number, firstSeq: number) {
  const encoder = createOpusEncoder({ sampleRate: 48000, channels: 1 });
  const pcm = tone(440, 8000, count * 20, 48000);
  return Array.from({ length: count }, (_, i) => ({
    payload: encoder.encode(pcm.subarray(i * 960, (i + 1) * 960)),
    sequenceNumber: (firstSeq + i) & 0xffff,
    timestamp: i * 960,
  }));
}

describe("InboundAudio", () => {
  it("yields 320-sample chunks at 16 kHz, one per packet once the resampler has filled", () => {
    const inbound = new InboundAudio({ outputRate: 16000 });
    const chunks = packets(50, 65530).flatMap((p) => inbound.push(p)); // crosses the 16-bit wrap
    expect(inbound.dropped).toBe(0);
    expect(chunks.every((c) => c.length === 320)).toBe(true);
    expect(chunks).toHaveLength(49); // 50 × 320 samples less the resampler's held-back few
  });

  it("keeps other rates exact too (24 kHz: 480-sample chunks)", () => {
    const inbound = new InboundAudio({ outputRate: 24000 });
    const chunks = packets(10, 0).flatMap((p) => inbound.push(p));
    expect(chunks.every((c) => c.length === 480)).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(9);
  });

  it("drops duplicate and late packets", () => {
    const inbound = new InboundAudio();
    const [a, b, c] = packets(3, 100);
    inbound.push(a!);
    inbound.push(c!);
    expect(inbound.push(b!)).toEqual([]); // late: 101 after 102
    expect(inbound.push(c!)).toEqual([]); // duplicate
    expect(inbound.dropped).toBe(2);
  });

  it("counts a packet that does not decode and carries on", () => {
    const inbound = new InboundAudio();
    const [good] = packets(1, 7);
    inbound.push({ payload: new Uint8Array([0xff, 0xff, 0xff]), sequenceNumber: 6, timestamp: 0 });
    expect(inbound.undecodable).toBe(1);
    expect(() => inbound.push(good!)).not.toThrow();
  });
});
