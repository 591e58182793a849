// G.711 companding for telephony (Twilio, Telnyx, Plivo, Exotel send 8 kHz μ-law or A-law).
// One byte per sample: a sign bit, a 3-bit segment (exponent) and a 4-bit step within it.
// Decoding goes through 256-entry tables built once at load; encoding finds the segment from
// the magnitude's highest set bit. Both laws are as ITU-T G.711 defines them, including the
// bit inversions on the wire (μ-law: all bits; A-law: even bits, i.e. XOR 0x55).

const ULAW_BIAS = 0x84; // 132: shifts the magnitude so every segment starts at a power of two
const ULAW_CLIP = 32635; // largest magnitude that still fits after adding the bias

const ULAW_TO_LINEAR = buildTable(decodeUlawByte);
const ALAW_TO_LINEAR = buildTable(decodeAlawByte);

/** μ-law byte of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  let magnitude = sample < 0 ? -sample : sample;
  const sign = sample < 0 ? 0x80 : 0;
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  magnitude += ULAW_BIAS;
  // magnitude is now in [132, 32767]: its top bit is bit 7..14, giving segment 0..7.
  const segment = 31 - Math.clz32(magnitude) - 7;
  const step = (magnitude >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | step) & 0xff;
}

/** 16-bit sample of one μ-law byte. */
export function ulawToLinear(byte: number): number {
  return ULAW_TO_LINEAR[byte & 0xff] as number;
}

/** A-law byte of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  // A-law works on 13 bits; its sign bit is 1 for positive values.
  let magnitude = sample >> 3;
  let sign = 0x80;
  if (magnitude < 0) {
    magnitude = -magnitude - 1;
    sign = 0;
  }
  let code: number;
  if (magnitude < 32) {
    code = magnitude >> 1; // segment 0: 16 steps of 2
  } else {
    const segment = 31 - Math.clz32(magnitude) - 4; // 1..8 for magnitudes 32..4095+
    code = segment > 7 ? 0x7f : (segment << 4) | ((magnitude >> segment) & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

/** 16-bit sample of one A-law byte. */
export function alawToLinear(byte: number): number {
  return ALAW_TO_LINEAR[byte & 0xff] as number;
}

export function ulawEncode(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToUlaw(samples[i] as number);
  return out;
}

export function ulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ULAW_TO_LINEAR[bytes[i] as number] as number;
  return out;
}

export function alawEncode(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToAlaw(samples[i] as number);
  return out;
}

export function alawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ALAW_TO_LINEAR[bytes[i] as number] as number;
  return out;
}

function decodeUlawByte(byte: number): number {
  const b = ~byte & 0xff;
  const segment = (b >> 4) & 0x07;
  const step = b & 0x0f;
  // Middle of the step, with the encoder's bias taken back off.
  const magnitude = (((step << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
  return b & 0x80 ? -magnitude : magnitude;
}

function decodeAlawByte(byte: number): number {
  const b = byte ^ 0x55;
  const segment = (b >> 4) & 0x07;
  const step = b & 0x0f;
  // Middle of the step: segment 0 and 1 share the same step size (16 at 16-bit scale).
  const magnitude = segment === 0 ? (step << 4) + 8 : ((step << 4) + 0x108) << (segment - 1);
  return b & 0x80 ? magnitude : -magnitude;
}

function buildTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decode(b);
  return table;
}
