// PcmRing against a plain model (one growing byte list trimmed to the capacity), over random
// pushes, reads and capacity changes, and the property that it keeps no caller's bytes.

import { describe, expect, it } from "vitest";
import { PcmRing } from "../../../../lib/processors/voice/turn/pcmRing.ts";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("PcmRing", () => {
  it("holds exactly the newest `capacity` bytes, whatever the pushes, reads and capacity changes", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      let cap = Math.floor(r() * 20_000);
      const ring = new PcmRing(cap);
      let model: number[] = [];
      let next = 0;
      for (let step = 0; step < 300; step++) {
        const op = r();
        if (op < 0.7) {
          const chunk = new Uint8Array(Math.floor(r() * (r() < 0.1 ? 30_000 : 2_000)));
          for (let i = 0; i < chunk.length; i++) chunk[i] = next++ & 0xff;
          ring.push(chunk);
          model = model.concat(Array.from(chunk));
        } else if (op < 0.8) {
          cap = Math.floor(r() * 20_000);
          ring.capacity = cap;
        } else if (op < 0.85) {
          ring.clear();
          model = [];
        } else {
          const want = Math.floor(r() * 25_000);
          model = model.slice(Math.max(0, model.length - cap));
          expect(Array.from(ring.takeLast(want))).toEqual(model.slice(Math.max(0, model.length - want)));
        }
        model = model.slice(Math.max(0, model.length - cap));
        expect(ring.byteLength).toBe(model.length);
        expect(ring.capacity).toBe(cap);
      }
      expect(Array.from(ring.takeLast())).toEqual(model);
    }
  });

  it("copies what it is given: the caller may reuse its buffer at once", () => {
    const ring = new PcmRing(8);
    const buf = new Uint8Array([1, 2, 3, 4]);
    ring.push(buf);
    buf.fill(9);
    ring.push(buf.subarray(0, 2));
    expect(Array.from(ring.takeLast())).toEqual([1, 2, 3, 4, 9, 9]);
    const out = ring.takeLast(2);
    out.fill(0);
    expect(Array.from(ring.takeLast(2))).toEqual([9, 9]);
  });

  it("with no capacity holds nothing", () => {
    const ring = new PcmRing(0);
    ring.push(new Uint8Array(100));
    expect(ring.byteLength).toBe(0);
    expect(ring.takeLast().byteLength).toBe(0);
  });
});
