// The hot Pipecat message by hand: Frame{audio: AudioRawFrame}, 50 times a second per session
// each way. protobufjs's decode + toObject (a message object, a Long for every uint64, then a
// plain copy of it all) and its writer are a visible share of a busy server's CPU and garbage;
// these two functions do the same job with one small result object and a view of the input
// (decode), or one buffer written in a single pass (encode).
//
// Both are partial on purpose: each returns null for anything it does not handle exactly as
// protobufjs would, and the caller then takes the protobufjs path. That keeps every odd input
// (other frame kinds, unknown or repeated fields, non-minimal tags, non-ASCII names, values
// protobufjs would truncate, truncation) on the one path that defines its outcome, and error
// messages unchanged.
//
// AudioRawFrame (frames.proto): 1 id uint64, 2 name string, 3 audio bytes, 4 sample_rate uint32,
// 5 num_channels uint32, 6 pts optional uint64; Frame carries it as field 2 of the oneof.

/** What a fast decode yields: the AudioRawFrame fields the serializer uses. */
export interface AudioWireFields {
  readonly id: number;
  /** A view of the input bytes (no copy); empty when the field is absent. */
  readonly audio: Uint8Array;
  readonly sample_rate: number;
  readonly num_channels: number;
  readonly pts: number | undefined;
}

// Single-byte keys (field << 3 | wire type). Any other byte, including a longer encoding of
// the same key, sends the input to protobufjs.
const FRAME_AUDIO = 0x12; // Frame.audio, length-delimited
const ID = 0x08;
const NAME = 0x12;
const AUDIO = 0x1a;
const SAMPLE_RATE = 0x20;
const NUM_CHANNELS = 0x28;
const PTS = 0x30;

const TWO_32 = 4294967296;

/** Read position shared by the readers below (a decode runs start to end synchronously). */
let at = 0;

/**
 * A length prefix of at most 4 bytes ending before `end`, or -1. Four bytes reach 2^28 − 1,
 * beyond any audio message; protobufjs reads such prefixes to the same value.
 */
function readSize(buf: Uint8Array, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= end) return -1;
    const b = buf[at++]!;
    value |= (b & 0x7f) << shift;
    if (b < 0x80) return value;
  }
  return -1;
}

/**
 * A uint32 varint, or -1. protobufjs keeps the low 32 bits of longer or wider encodings; those
 * are left to it (5 bytes at most, the fifth no more than 4 bits).
 */
function readUint32(buf: Uint8Array, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) return -1;
    const b = buf[at++]!;
    if (shift === 28 && b > 0x0f) return -1;
    value = (value | ((b & 0x7f) << shift)) >>> 0;
    if (b < 0x80) return value;
  }
  return -1;
}

/**
 * A uint64 varint as protobufjs's `longs: Number` gives it, or -1: the low and high 32-bit
 * halves are assembled the same way and combined as lo + hi × 2^32, so values past 2^53 round
 * exactly as they do there. A tenth byte may only carry bit 63.
 */
function readUint64(buf: Uint8Array, end: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (at >= end) return -1;
    const b = buf[at++]!;
    const bits = b & 0x7f;
    if (i < 4) lo = (lo | (bits << (7 * i))) >>> 0;
    else if (i === 4) {
      lo = (lo | (bits << 28)) >>> 0;
      hi = bits >>> 4;
    } else {
      if (i === 9 && b > 1) return -1;
      hi = (hi | (bits << (7 * i - 32))) >>> 0;
    }
    if (b < 0x80) return lo + hi * TWO_32;
  }
  return -1;
}

/**
 * The audio fields of a Frame whose only content is one `audio` message made of fields 1–6,
 * each at most once, with single-byte keys and an ASCII name; null for anything else
 * (including anything truncated or malformed), which the caller decodes with protobufjs.
 */
export function decodeAudioFrame(buf: Uint8Array): AudioWireFields | null {
  const end = buf.length;
  if (end < 2 || buf[0] !== FRAME_AUDIO) return null;
  at = 1;
  const length = readSize(buf, end);
  // The audio message must be all there is: protobufjs merges a repeated `audio`, and any
  // other field would switch or add to the oneof.
  if (length < 0 || at + length !== end) return null;

  let seen = 0;
  let id = 0;
  let audioStart = 0;
  let audioLength = 0;
  let sampleRate = 0;
  let numChannels = 0;
  let pts = -1;
  while (at < end) {
    const key = buf[at++]!;
    switch (key) {
      case ID:
        if (seen & 1) return null;
        seen |= 1;
        if ((id = readUint64(buf, end)) < 0) return null;
        break;
      case NAME: {
        if (seen & 2) return null;
        seen |= 2;
        const n = readSize(buf, end);
        if (n < 0 || at + n > end) return null;
        // proto3 strings are checked: protobufjs rejects a name that is not UTF-8 even though
        // the name goes unused. ASCII always is UTF-8; anything else is left to it.
        for (const stop = at + n; at < stop; at++) if (buf[at]! >= 0x80) return null;
        break;
      }
      case AUDIO:
        if (seen & 4) return null;
        seen |= 4;
        audioLength = readSize(buf, end);
        if (audioLength < 0 || at + audioLength > end) return null;
        audioStart = at;
        at += audioLength;
        break;
      case SAMPLE_RATE:
        if (seen & 8) return null;
        seen |= 8;
        if ((sampleRate = readUint32(buf, end)) < 0) return null;
        break;
      case NUM_CHANNELS:
        if (seen & 16) return null;
        seen |= 16;
        if ((numChannels = readUint32(buf, end)) < 0) return null;
        break;
      case PTS:
        if (seen & 32) return null;
        seen |= 32;
        if ((pts = readUint64(buf, end)) < 0) return null;
        break;
      default:
        return null;
    }
  }
  return {
    id,
    audio: new Uint8Array(buf.buffer, buf.byteOffset + audioStart, audioLength),
    sample_rate: sampleRate,
    num_channels: numChannels,
    pts: pts < 0 ? undefined : pts,
  };
}

const isUint32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < TWO_32;
const isSafeUint = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Bytes of `v` (a non-negative safe integer) as a varint. */
function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = v > 0xffffffff ? Math.floor(v / 128) : v >>> 7;
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80; // & takes the value mod 2^32: exact low bits for safe integers
    v = v > 0xffffffff ? Math.floor(v / 128) : v >>> 7;
  }
  out[pos++] = v;
  return pos;
}

/**
 * Frame{audio: {id, name, audio, sample_rate, num_channels, pts}} byte for byte as protobufjs
 * writes it (fields in number order; zero id and rate, empty name and audio left out as proto3
 * does; pts written whenever given, zero included), or null when a value is one protobufjs
 * would coerce (not an integer in range, a negative pts), the name is not ASCII, or the audio
 * is not a Uint8Array.
 */
export function encodeAudioFrame(
  id: number,
  name: string,
  audio: Uint8Array,
  sampleRate: number,
  numChannels: number,
  pts: number | undefined,
): Uint8Array | null {
  if (!isSafeUint(id) || typeof name !== "string" || !(audio instanceof Uint8Array)) return null;
  if (!isUint32(sampleRate) || !isUint32(numChannels)) return null;
  const hasPts = pts !== undefined && pts !== null;
  if (hasPts && !isSafeUint(pts)) return null;
  const nameLength = name.length;
  for (let i = 0; i < nameLength; i++) if (name.charCodeAt(i) > 0x7f) return null;
  const audioLength = audio.length;

  let inner = 0;
  if (id !== 0) inner += 1 + varintSize(id);
  if (nameLength !== 0) inner += 1 + varintSize(nameLength) + nameLength;
  if (audioLength !== 0) inner += 1 + varintSize(audioLength) + audioLength;
  if (sampleRate !== 0) inner += 1 + varintSize(sampleRate);
  if (numChannels !== 0) inner += 1 + varintSize(numChannels);
  if (hasPts) inner += 1 + varintSize(pts);

  // Every byte is written below, so pooled uninitialized memory will do (as protobufjs's own
  // writer does); a fresh zeroed ArrayBuffer per 20 ms chunk costs several times more.
  const total = 1 + varintSize(inner) + inner;
  const pooled = Buffer.allocUnsafe(total);
  const out = new Uint8Array(pooled.buffer, pooled.byteOffset, total);
  out[0] = FRAME_AUDIO;
  let pos = writeVarint(out, 1, inner);
  if (id !== 0) {
    out[pos++] = ID;
    pos = writeVarint(out, pos, id);
  }
  if (nameLength !== 0) {
    out[pos++] = NAME;
    pos = writeVarint(out, pos, nameLength);
    for (let i = 0; i < nameLength; i++) out[pos++] = name.charCodeAt(i);
  }
  if (audioLength !== 0) {
    out[pos++] = AUDIO;
    pos = writeVarint(out, pos, audioLength);
    out.set(audio, pos);
    pos += audioLength;
  }
  if (sampleRate !== 0) {
    out[pos++] = SAMPLE_RATE;
    pos = writeVarint(out, pos, sampleRate);
  }
  if (numChannels !== 0) {
    out[pos++] = NUM_CHANNELS;
    pos = writeVarint(out, pos, numChannels);
  }
  if (hasPts) {
    out[pos++] = PTS;
    writeVarint(out, pos, pts);
  }
  return out;
}
