// A 44-byte RIFF/WAVE header in front of PCM16LE, so file-based STT endpoints receive a real WAV
// file: OpenAI rejects or misreads headerless PCM whatever name the upload carries.

const HEADER_BYTES = 44;

export function encodeWav(pcm: Uint8Array, sampleRate: number, channels: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + pcm.byteLength);
  const view = new DataView(out.buffer);
  const blockAlign = channels * 2;
  writeAscii(out, 0, "RIFF");
  view.setUint32(4, 36 + pcm.byteLength, true);
  writeAscii(out, 8, "WAVE");
  writeAscii(out, 12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size for plain PCM
  view.setUint16(20, 1, true); // format 1 = integer PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  writeAscii(out, 36, "data");
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, HEADER_BYTES);
  return out;
}

function writeAscii(out: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
}
