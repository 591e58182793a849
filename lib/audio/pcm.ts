// PCM16LE helpers. Frames carry audio as little-endian 16-bit bytes (Uint8Array); DSP code
// works on Int16Array / Float32Array. Views are used where the bytes allow it (even byteOffset,
// little-endian host) and copies only where they must be made, because a 20 ms frame passes
// through these helpers several times per hop.

import { endianness } from "node:os";

const LITTLE_ENDIAN_HOST = endianness() === "LE";

/** Full scale of a 16-bit sample: int16 / 32768 maps onto [-1, 1). */
export const INT16_FULL_SCALE = 32768;

/**
 * Samples of a PCM16LE payload. A zero-copy view when the payload is 2-byte aligned in its
 * buffer; otherwise (odd byteOffset, as a subarray of a network buffer can be) a copy: into
 * `scratch` when one is given (then valid until the scratch's next use), else a new buffer.
 * Throws a RangeError when the byte length is odd: that is not PCM16.
 */
export function pcmBytesToInt16(bytes: Uint8Array, scratch?: PcmScratch): Int16Array {
  if (bytes.byteLength % 2 !== 0) {
    throw new RangeError(`PCM16 payload must have an even byte length, got ${bytes.byteLength}`);
  }
  const count = bytes.byteLength / 2;
  if (LITTLE_ENDIAN_HOST) {
    if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
    const copy = scratch ? scratch.bytes(bytes.byteLength) : new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Int16Array(copy.buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/**
 * Storage reused for the copies a stream's every chunk would otherwise get a fresh buffer for
 * (50 a second per caller, each its own ArrayBuffer for the young-generation GC to sweep). It
 * grows to the largest size asked; what it hands out is overwritten by its next use.
 */
export class PcmScratch {
  private storage = new Uint8Array(0);

  /** `length` bytes at the start of the storage (2-byte aligned). */
  bytes(length: number): Uint8Array {
    if (this.storage.byteLength < length) this.storage = new Uint8Array(Math.max(length, this.storage.byteLength * 2));
    return this.storage.subarray(0, length);
  }
}

/** PCM16LE bytes of some samples: a zero-copy view on little-endian hosts. */
export function int16ToPcmBytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return out;
}

/** Samples of either representation (bytes are read as PCM16LE). */
export function asInt16(pcm: Int16Array | Uint8Array): Int16Array {
  return pcm instanceof Int16Array ? pcm : pcmBytesToInt16(pcm);
}

/** int16 → float in [-1, 1). Writes into `out` when given (it must be at least as long). */
export function int16ToFloat32(samples: Int16Array, out: Float32Array = new Float32Array(samples.length)): Float32Array {
  const scale = 1 / INT16_FULL_SCALE;
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] as number) * scale;
  return out;
}

/** float → int16, rounded and clipped to [-32768, 32767]. */
export function float32ToInt16(samples: Float32Array, out: Int16Array = new Int16Array(samples.length)): Int16Array {
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] as number) * INT16_FULL_SCALE);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Root mean square as a fraction of full scale (0 for silence, ~0.707 for a full-scale sine). */
export function rms(samples: Int16Array, start = 0, end = samples.length): number {
  const n = end - start;
  if (n <= 0) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const s = samples[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / n) / INT16_FULL_SCALE;
}

/** RMS in dB relative to full scale; -Infinity for digital silence. */
export function rmsDbfs(samples: Int16Array, start = 0, end = samples.length): number {
  const r = rms(samples, start, end);
  return r > 0 ? 20 * Math.log10(r) : -Infinity;
}

/** One byte array holding the chunks in order. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** One sample array holding the chunks in order. */
export function concatInt16(chunks: readonly Int16Array[]): Int16Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Int16Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Duration in ms of a PCM16 payload of `byteLength` bytes (fractional ms are kept). */
export function pcmDurationMs(byteLength: number, sampleRate: number, channels = 1): number {
  if (!(sampleRate > 0) || !(channels > 0)) {
    throw new RangeError(`sample rate and channels must be positive, got ${sampleRate} Hz, ${channels} ch`);
  }
  return (byteLength / (2 * channels) / sampleRate) * 1000;
}

/** Number of bytes of PCM16 audio lasting `ms` milliseconds (whole frames, rounded down). */
export function pcmBytesForMs(ms: number, sampleRate: number, channels = 1): number {
  return Math.floor((ms * sampleRate) / 1000) * 2 * channels;
}

/**
 * Mono mix of interleaved samples: the mean of the channels of each frame (rounded), so a
 * signal present in one channel only comes out 1/channels as loud, and nothing clips.
 * Returns the input itself when it is already mono.
 */
export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (channels === 1) return samples;
  if (samples.length % channels !== 0) {
    throw new RangeError(`${samples.length} samples is not a whole number of ${channels}-channel frames`);
  }
  const frames = samples.length / channels;
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i++] as number;
    out[f] = Math.round(sum / channels);
  }
  return out;
}
