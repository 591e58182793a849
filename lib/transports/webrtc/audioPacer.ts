// The bot's voice path: PCM at any rate → 48 kHz → 20 ms frames (960 samples, remainders
// carried, the last partial frame of a response padded with silence) → Opus → RTP, sent at
// real time.
//
// Pacing is against deadlines, not chains of relative sleeps: frame n of a talkspurt is due
// at start + n × 20 ms on a monotonic clock and goes out `leadMs` early (default 40 ms, at
// most 60), so timer jitter never accumulates and the client's jitter buffer holds at most
// ~2 frames. That small lead is what makes an interruption audible at once: dropping the
// queue leaves no more than `leadMs` of bot audio in flight.
//
// RTP: one sequence number per packet (random start, wraps at 2^16); the timestamp is the
// 48 kHz media clock, +960 per packet inside a talkspurt. A new talkspurt (a new response,
// or audio after the queue ran dry and the deadline passed) starts at the current time, its
// timestamp advanced by the real gap, with the marker bit set (RFC 3551 §4.1).
//
// Frames are Opus-encoded when sent, not when queued, so an interruption throws away PCM
// and no encoder time is spent on audio nobody hears.

import { createOpusEncoder, type OpusEncoder } from "../../audio/opus.ts";
import { StreamResampler } from "../../audio/resampler.ts";
import { CHUNK_MS, OPUS_RATE } from "./inboundAudio.ts";
import { PcmChunker } from "./pcmChunker.ts";
import type { OutboundRtp } from "./peer.ts";

const FRAME_SAMPLES = (OPUS_RATE * CHUNK_MS) / 1000; // 960
const SAMPLES_PER_MS = OPUS_RATE / 1000; // 48
/** A packet this late (ms past its deadline) starts a new talkspurt instead of a catch-up burst. */
const MAX_LATE_MS = 60;
const MAX_LEAD_MS = 60;

export interface AudioPacerOptions {
  /** Writes one packet to the network. */
  readonly send: (packet: OutboundRtp) => void;
  /** true when the first packet of a run is sent; false when the run has played out or was cut. */
  readonly onSpeaking: (speaking: boolean) => void;
  /** How early a packet goes out before its deadline. @defaultValue 40 */
  readonly leadMs?: number;
  /**
   * How long the queue may stay empty, after the last frame has played, before the run ends
   * (streaming TTS delivers in bursts; a short gap is not the end of a response).
   * An explicit end of response (`endOfResponse`) ends the run when its audio has played.
   * @defaultValue 300
   */
  readonly stopHoldMs?: number;
  /** Monotonic milliseconds. @defaultValue performance.now */
  readonly now?: () => number;
  readonly encoder?: OpusEncoder;
  /** Source of the random RTP sequence and timestamp origins. @defaultValue Math.random */
  readonly random?: () => number;
}

export class AudioPacer {
  private readonly opts: AudioPacerOptions;
  private readonly now: () => number;
  private readonly leadMs: number;
  private readonly stopHoldMs: number;
  private readonly encoder: OpusEncoder;
  private readonly chunker = new PcmChunker(FRAME_SAMPLES);
  private resampler: StreamResampler | undefined;
  private readonly queue: Int16Array[] = [];

  private ready = false;
  private closed = false;
  private speaking = false;
  private responseEnded = false;
  /** Samples held in the resampler or the chunker since the last push. */
  private tailPending = false;
  /** The current talkspurt: start time, packets sent in it, RTP timestamp of its first packet. */
  private spurt: { start: number; sent: number; rtpStart: number } | undefined;
  /** Deadline of the last packet sent (its play-out starts then). */
  private lastDeadline = -Infinity;
  private seq: number;
  private readonly rtpOrigin: number;
  private readonly clockOrigin: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private drainWaiters: (() => void)[] = [];
  /** Packets sent, for metrics and specs. */
  packetsSent = 0;

  constructor(options: AudioPacerOptions) {
    this.opts = options;
    this.now = options.now ?? (() => performance.now());
    this.leadMs = options.leadMs ?? 40;
    if (!(this.leadMs >= 0 && this.leadMs <= MAX_LEAD_MS)) {
      throw new RangeError(`audio pacing lead must be 0..${MAX_LEAD_MS} ms, got ${this.leadMs}`);
    }
    this.stopHoldMs = options.stopHoldMs ?? 300;
    this.encoder = options.encoder ?? createOpusEncoder({ sampleRate: OPUS_RATE, channels: 1 });
    const random = options.random ?? Math.random;
    this.seq = Math.floor(random() * 0x10000);
    this.rtpOrigin = Math.floor(random() * 0x1_0000_0000);
    this.clockOrigin = this.now();
  }

  /** Audio queued and not yet sent, in ms (including the carried partial frame). */
  get queuedMs(): number {
    return this.queue.length * CHUNK_MS + this.chunker.pending / SAMPLES_PER_MS;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Queues mono PCM16 at `sampleRate`. */
  push(samples: Int16Array, sampleRate: number): void {
    if (this.closed || samples.length === 0) return;
    if (this.resampler?.fromRate !== sampleRate) {
      this.flushResampler();
      this.resampler = new StreamResampler(sampleRate, OPUS_RATE);
    }
    this.responseEnded = false;
    this.tailPending = true;
    this.queue.push(...this.chunker.push(this.resampler.process(samples)));
    this.pump();
  }

  /** The response is complete: its held-back and partial samples are queued, padded to 20 ms. */
  endOfResponse(): void {
    if (this.closed) return;
    this.flushTail();
    this.responseEnded = true;
    this.pump();
  }

  /** Barge-in: drops every queued sample at once and ends the run. */
  interrupt(): void {
    this.queue.length = 0;
    this.chunker.clear();
    this.resampler?.reset();
    this.responseEnded = false;
    this.tailPending = false;
    this.endRun();
    this.resolveDrained();
    this.schedule();
  }

  /** Packets flow only while the connection is up; audio queues meanwhile. */
  setReady(ready: boolean): void {
    this.ready = ready;
    this.pump();
  }

  /** Resolves once everything queued so far has been sent (or dropped by interrupt/close). */
  drained(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.chunker.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.endRun();
    this.resolveDrained();
  }

  private flushResampler(): void {
    if (!this.resampler) return;
    this.queue.push(...this.chunker.push(this.resampler.flush()));
  }

  /** Sends every packet whose send time has come, then sleeps until the next one. */
  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    this.sendDue(now);
    if (this.tailDue(now)) {
      this.flushTail();
      this.sendDue(now);
    }
    if (this.queue.length === 0) this.resolveDrained();
    if (this.speaking && this.queue.length === 0 && now >= this.stopTime()) this.endRun();
    this.schedule();
  }

  private sendDue(now: number): void {
    while (this.ready && this.queue.length > 0) {
      let spurt = this.spurt;
      if (spurt && spurt.start + spurt.sent * CHUNK_MS + MAX_LATE_MS < now) spurt = undefined; // starved: restart
      if (!spurt) spurt = this.startSpurt(now);
      const deadline = spurt.start + spurt.sent * CHUNK_MS;
      if (deadline - this.leadMs > now) return;
      const frame = this.queue.shift() as Int16Array;
      this.opts.send({
        payload: this.encoder.encode(frame),
        sequenceNumber: this.seq,
        timestamp: (spurt.rtpStart + spurt.sent * FRAME_SAMPLES) >>> 0,
        marker: spurt.sent === 0,
      });
      this.seq = (this.seq + 1) & 0xffff;
      spurt.sent++;
      this.packetsSent++;
      this.lastDeadline = deadline;
      if (!this.speaking) {
        this.speaking = true;
        this.opts.onSpeaking(true);
      }
    }
  }

  /**
   * Audio that never got an explicit end of response (no TTSStoppedFrame) must not keep its
   * last partial frame forever: once the client has played everything sent (the next
   * frame's deadline has come) and nothing new arrived, the tail goes out padded.
   */
  private tailDue(now: number): boolean {
    return (
      this.ready &&
      this.speaking &&
      this.queue.length === 0 &&
      this.tailPending &&
      !this.responseEnded &&
      now >= this.lastDeadline + CHUNK_MS
    );
  }

  private flushTail(): void {
    this.flushResampler();
    const last = this.chunker.flushPadded();
    if (last) this.queue.push(last);
    this.tailPending = false;
  }

  private startSpurt(now: number): { start: number; sent: number; rtpStart: number } {
    // Never before the previous packet's slot has passed: RTP time must move forward.
    const start = Math.max(now, this.lastDeadline + CHUNK_MS);
    const rtpStart = this.rtpOrigin + Math.round((start - this.clockOrigin) * SAMPLES_PER_MS);
    this.spurt = { start, sent: 0, rtpStart };
    return this.spurt;
  }

  /** When the run ends if nothing more arrives: play-out of the last frame, plus the hold unless the response ended. */
  private stopTime(): number {
    return this.lastDeadline + CHUNK_MS + (this.responseEnded ? 0 : this.stopHoldMs);
  }

  private endRun(): void {
    this.spurt = undefined;
    if (!this.speaking) return;
    this.speaking = false;
    this.opts.onSpeaking(false);
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    let wake: number | undefined;
    if (this.ready && this.queue.length > 0) {
      const spurt = this.spurt;
      wake = spurt ? spurt.start + spurt.sent * CHUNK_MS - this.leadMs : this.now();
    } else if (this.speaking && this.ready && this.tailPending && !this.responseEnded) {
      wake = this.lastDeadline + CHUNK_MS;
    } else if (this.speaking) {
      wake = this.stopTime();
    }
    if (wake === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, wake - this.now()));
  }

  private resolveDrained(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
