// PcmChunker: fixed-size chunks out of arbitrary pushes; nothing is ever lost at a boundary.

import { describe, expect, it } from "vitest";
import { PcmChunker } from "../../../lib/transports/webrtc/pcmChunker.ts";

const ramp = (from: number, n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => from + i);

describe("PcmChunker", () => {
  it("cuts exact chunks and carries the remainder across pushes, in order", () => {
    const chunker = new PcmChunker(4);
    expect(chunker.push(ramp(0, 3))).toEqual([]);
    expect(chunker.pending).toBe(3);
    const out = chunker.push(ramp(3, 7)); // 10 samples in all
    expect(out.map((c) => [...c])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(chunker.pending).toBe(2);
    expect([...(chunker.flushPadded() ?? [])]).toEqual([8, 9, 0, 0]);
    expect(chunker.pending).toBe(0);
    expect(chunker.flushPadded()).toBeUndefined();
  });

  it("keeps every sample over many odd-sized pushes", () => {
    const chunker = new PcmChunker(960);
    const sizes = [1, 959, 961, 37, 2000, 3, 960, 1234];
    const total = sizes.reduce((a, b) => a + b, 0);
    const seen: number[] = [];
    let next = 0;
    for (const size of sizes) {
      for (const chunk of chunker.push(ramp(next, size))) {
        expect(chunk.length).toBe(960);
        seen.push(...chunk);
      }
      next += size;
    }
    const tail = chunker.flushPadded();
    expect(Math.ceil(total / 960) * 960).toBe(seen.length + (tail?.length ?? 0));
    expect(seen).toEqual([...ramp(0, seen.length)]);
    expect([...(tail ?? [])].slice(0, total - seen.length)).toEqual([...ramp(seen.length, total - seen.length)]);
  });

  it("returns fresh arrays that later pushes do not overwrite", () => {
    const chunker = new PcmChunker(2);
    chunker.push(ramp(0, 1));
    const [first] = chunker.push(ramp(1, 1));
    chunker.push(ramp(100, 3));
    expect([...(first ?? [])]).toEqual([0, 1]);
  });

  it("clear() forgets the carried samples", () => {
    const chunker = new PcmChunker(4);
    chunker.push(ramp(0, 3));
    chunker.clear();
    expect(chunker.push(ramp(10, 4)).map((c) => [...c])).toEqual([[10, 11, 12, 13]]);
  });

  it("rejects a size that is not a positive integer", () => {
    expect(() => new PcmChunker(0)).toThrow(RangeError);
    expect(() => new PcmChunker(2.5)).toThrow(RangeError);
  });
});
