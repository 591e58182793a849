// The streamed WAV header of a TTS response is stripped however the network splits it.

import { describe, expect, it } from "vitest";
import { wavStreamParser } from "../../../lib/services/openai/wav-stream.ts";
import { streamingWavHeader, tonePcm } from "../../support/standins/openai-wire.ts";

describe("wavStreamParser", () => {
  const pcm = tonePcm(20, 24_000);
  const stream = Buffer.concat([streamingWavHeader(24_000), pcm]);

  it.each([1, 3, 43, 44, 45, 1000])("returns exactly the PCM when fed %i-byte pieces", (size) => {
    const parser = wavStreamParser();
    const out: Uint8Array[] = [];
    for (let at = 0; at < stream.byteLength; at += size) out.push(parser.push(stream.subarray(at, at + size)));
    expect(Buffer.concat(out)).toEqual(Buffer.from(pcm));
    expect(parser.format).toEqual({ sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
  });

  it("skips chunks between fmt and data (LIST metadata)", () => {
    const header = streamingWavHeader(48_000);
    const list = Buffer.concat([Buffer.from("LIST"), Buffer.from([5, 0, 0, 0]), Buffer.from("INFOx"), Buffer.from([0])]); // odd size, padded
    const wav = Buffer.concat([header.subarray(0, 36), list, header.subarray(36), pcm]);
    const parser = wavStreamParser();
    expect(Buffer.from(parser.push(wav))).toEqual(Buffer.from(pcm));
    expect(parser.format?.sampleRate).toBe(48_000);
  });

  it("rejects a body that is not a WAV stream", () => {
    expect(() => wavStreamParser().push(new TextEncoder().encode("ID3\u0004 not a wave file"))).toThrow("not a WAV stream");
  });
});
