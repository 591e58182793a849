// G.711: the code points every telephony peer agrees on, the quantization error bound of
// each law over all 65536 inputs, and decode∘encode being the identity on code points.

import { describe, expect, it } from "vitest";
import {
  alawDecode,
  alawEncode,
  alawToLinear,
  linearToAlaw,
  linearToUlaw,
  ulawDecode,
  ulawEncode,
  ulawToLinear,
} from "../../lib/audio/g711.ts";

function snrDb(reference: Int16Array, decoded: Int16Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += (reference[i] as number) ** 2;
    noise += ((reference[i] as number) - (decoded[i] as number)) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** Largest round-trip error over every int16: absolute up to |x| 256, relative up to `top`, absolute beyond. */
function worstErrors(roundTrip: (x: number) => number, top: number): { small: number; relative: number; clipped: number } {
  const worst = { small: 0, relative: 0, clipped: 0 };
  for (let x = -32768; x <= 32767; x++) {
    const err = Math.abs(roundTrip(x) - x);
    const mag = Math.abs(x);
    if (mag <= 256) worst.small = Math.max(worst.small, err);
    else if (mag <= top) worst.relative = Math.max(worst.relative, err / mag);
    else worst.clipped = Math.max(worst.clipped, err);
  }
  return worst;
}

const speechLevelSine = Int16Array.from({ length: 8000 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 437 * i) / 8000)));

describe("μ-law", () => {
  it("matches the standard's code points", () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0); // "negative zero"
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
  });

  it("errs by at most half a step: ≤ 4.3% of the value above 256, ≤ 8 below", () => {
    const worst = worstErrors((x) => ulawToLinear(linearToUlaw(x)), 32124);
    expect(worst.small).toBeLessThanOrEqual(8);
    expect(worst.relative).toBeLessThanOrEqual(0.043);
    expect(worst.clipped).toBeLessThanOrEqual(644); // beyond ±32124 everything codes to the top point
  });

  it("re-encodes every decoded code point to itself", () => {
    for (let b = 0; b < 256; b++) if (b !== 0x7f) expect(linearToUlaw(ulawToLinear(b))).toBe(b);
  });

  it("codes a speech-level sine at ≥ 35 dB SNR, array in, array out", () => {
    const bytes = ulawEncode(speechLevelSine);
    expect(bytes.length).toBe(speechLevelSine.length);
    expect(snrDb(speechLevelSine, ulawDecode(bytes))).toBeGreaterThan(35);
  });
});

describe("A-law", () => {
  it("matches the standard's code points", () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it("errs by at most half a step: ≤ 3.2% of the value above 256, ≤ 8 below", () => {
    const worst = worstErrors((x) => alawToLinear(linearToAlaw(x)), 32768);
    expect(worst.small).toBeLessThanOrEqual(8);
    expect(worst.relative).toBeLessThanOrEqual(0.032);
  });

  it("re-encodes every decoded code point to itself", () => {
    for (let b = 0; b < 256; b++) expect(linearToAlaw(alawToLinear(b))).toBe(b);
  });

  it("codes a speech-level sine at ≥ 35 dB SNR, array in, array out", () => {
    const bytes = alawEncode(speechLevelSine);
    expect(bytes.length).toBe(speechLevelSine.length);
    expect(snrDb(speechLevelSine, alawDecode(bytes))).toBeGreaterThan(35);
  });
});
