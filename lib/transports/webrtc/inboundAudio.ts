// The microphone path: Opus RTP at 48 kHz → PCM → the pipeline's input rate (16 kHz)
// → chunks of exactly 20 ms (320 samples at 16 kHz), remainders carried across packets.
//
// One decoder and one resampler per stream, both stateful, so packet boundaries leave no
// clicks. Duplicate and late packets (sequence number not ahead of the last one, modulo
// 2^16) are dropped: decoding them out of order would corrupt the decoder's state. Lost
// packets are not concealed; on loopback and LAN links loss is rare and VAD/STT tolerate it.

import { createOpusDecoder, type OpusDecoder } from "../../audio/opus.ts";
import { StreamResampler } from "../../audio/resampler.ts";
import { PcmChunker } from "./pcmChunker.ts";
import type { InboundRtp } from "./peer.ts";

/** WebRTC Opus always runs its RTP clock and our decoder at 48 kHz. */
export const OPUS_RATE = 48000;
/** Chunk length in both directions: 20 ms, the WebRTC packet norm. */
export const CHUNK_MS = 20;

export interface InboundAudioOptions {
  /** Rate of the frames the pipeline gets. @defaultValue 16000 */
  readonly outputRate?: number;
  readonly decoder?: OpusDecoder;
}

export class InboundAudio {
  readonly outputRate: number;
  private readonly decoder: OpusDecoder;
  private readonly resampler: StreamResampler;
  private readonly chunker: PcmChunker;
  private lastSeq: number | undefined;
  /** Packets dropped as duplicate or late, and packets that failed to decode. */
  dropped = 0;
  undecodable = 0;

  constructor(options: InboundAudioOptions = {}) {
    this.outputRate = options.outputRate ?? 16000;
    this.decoder = options.decoder ?? createOpusDecoder({ sampleRate: OPUS_RATE, channels: 1 });
    this.resampler = new StreamResampler(OPUS_RATE, this.outputRate);
    this.chunker = new PcmChunker((this.outputRate * CHUNK_MS) / 1000);
  }

  /** Samples per chunk at the output rate. */
  get chunkSamples(): number {
    return this.chunker.size;
  }

  /** The 20 ms chunks this packet completes (zero, one or a few). */
  push(packet: InboundRtp): Int16Array[] {
    if (this.lastSeq !== undefined) {
      const ahead = (packet.sequenceNumber - this.lastSeq + 0x10000) % 0x10000;
      // More than half the sequence space "ahead" is really behind: a late packet.
      if (ahead === 0 || ahead >= 0x8000) {
        this.dropped++;
        return [];
      }
    }
    this.lastSeq = packet.sequenceNumber;
    if (packet.payload.byteLength === 0) return [];
    let pcm: Int16Array;
    try {
      pcm = this.decoder.decode(packet.payload);
    } catch {
      this.undecodable++;
      return [];
    }
    return this.chunker.push(this.resampler.process(pcm));
  }
}
