// One simulated caller: a WebSocket session that talks like a person on a real-time microphone.
//
// Audio: a 20 ms PCM16 frame every 20 ms, each sent at its deadline (anchor + n × 20 ms on the
// monotonic clock, so timer lateness never accumulates; frames that fell due during a stall go
// out together). Each caller's anchor is offset by a random fraction of a frame, so the callers'
// frames are spread over the 20 ms period instead of arriving in one burst.
//
// Conversation, repeated: say an utterance (2–4 s of speech), then wait for the bot. When its
// first audio arrives, a barge-in caller (a `bargeInRatio` share of turns) starts the next
// utterance 0.5–1.5 s into the answer; otherwise it waits until the answer has ended (no bot
// audio for 400 ms) and a 0.2–1 s pause, then speaks again. An utterance that gets no answer
// within `answerTimeoutMs` is counted and the caller moves on.
//
// Measurements, from the server's in-band decision stamps (protocol.ts) and the arrival times of
// bot audio here, all on CLOCK_MONOTONIC: see Collector.

import WebSocket from "ws";
import type { Collector } from "./collector.ts";
import type { TurnRecord } from "./turnLegs.ts";
import type { BenchMessage } from "./protocol.ts";
import { FRAME_MS, FRAME_SAMPLES, RATE, type Utterance } from "./speech.ts";
import { monoUs } from "./stats.ts";
import { classify, encodeJsonAudio, encodeProtobufAudio, type WireFormat } from "./wire.ts";

export interface CallerOptions {
  readonly url: string;
  readonly format: WireFormat;
  readonly utterances: readonly Utterance[];
  readonly noise: Int16Array;
  /** Sum of the stand-in latencies on the answer path (STT + LLM first token + TTS first audio), ms. */
  readonly standInMs: number;
  readonly bargeInRatio: number;
  readonly collector: Collector;
  readonly random: () => number;
  /** @defaultValue 5000 */
  readonly answerTimeoutMs?: number;
}

type Mode = "speaking" | "waiting" | "pausing";

/** Pushed to the collector's turn records at its first bot audio; the tag and bot_started may still come later. */
interface PendingTurn extends TurnRecord {
  superseded?: boolean;
}

interface PendingInterrupt {
  readonly atUs: number;
  lastAudioUs?: number;
}

export class Caller {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private anchorMs = 0;
  private frameNo = 0;
  private frameId = 1;
  private mode: Mode = "pausing";
  private utterance: Utterance | null = null;
  private utteranceAt = 0;
  private noiseAt = 0;
  /** When the current wait or pause ends (ms, monotonic), or when the barge-in starts. */
  private nextSpeechAt = 0;
  private waitingSince = 0;
  private bargeIn = false;
  private answered = false;
  private lastAudioMs = -Infinity;
  private turn: PendingTurn | null = null;
  private interrupt: PendingInterrupt | null = null;
  private closing = false;
  private readonly answerTimeoutMs: number;
  /** True while the socket is open and the session has not been dropped. */
  healthy = false;

  constructor(private readonly opts: CallerOptions) {
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 5_000;
  }

  /** Connects, then starts the microphone after a random pause of up to `firstPauseMs`. */
  async start(firstPauseMs: number): Promise<void> {
    const ws = new WebSocket(`${this.opts.url}/ws?format=${this.opts.format}`, { perMessageDeflate: false });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    this.healthy = true;
    ws.on("message", (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on("close", () => {
      if (!this.closing && this.healthy) this.opts.collector.droppedSessions++;
      this.healthy = false;
      this.stopTimer();
    });
    ws.on("error", () => undefined);
    const now = nowMs();
    this.anchorMs = now + this.opts.random() * FRAME_MS;
    this.nextSpeechAt = now + this.opts.random() * firstPauseMs;
    this.schedule();
  }

  close(): Promise<void> {
    this.closing = true;
    this.stopTimer();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once("close", () => resolve());
      ws.close();
    });
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const deadline = this.anchorMs + this.frameNo * FRAME_MS;
    this.timer = setTimeout(() => this.tick(), Math.max(0, deadline - nowMs()));
  }

  private tick(): void {
    this.timer = null;
    if (!this.healthy) return;
    const now = nowMs();
    // Every frame whose deadline has passed goes now, oldest first.
    while (this.anchorMs + this.frameNo * FRAME_MS <= now) {
      this.opts.collector.sendLate.push(now - (this.anchorMs + this.frameNo * FRAME_MS));
      this.sendFrame(now);
      this.frameNo++;
    }
    this.schedule();
  }

  private sendFrame(now: number): void {
    this.advance(now);
    const pcm = this.nextSamples();
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const ws = this.ws!;
    if (this.opts.format === "protobuf") ws.send(encodeProtobufAudio(bytes, RATE, this.frameId++, monoUs()));
    else ws.send(encodeJsonAudio(bytes, RATE));
  }

  /** The conversation's state machine, stepped once per frame. */
  private advance(now: number): void {
    if (this.mode === "pausing" && now >= this.nextSpeechAt) return this.speak();
    if (this.mode !== "waiting") return;
    if (this.bargeIn && this.answered && now >= this.nextSpeechAt) return this.speak();
    if (!this.answered && now - this.waitingSince > this.answerTimeoutMs) {
      if (this.turn === null || this.turn.eotUs < this.waitingSince * 1000) this.opts.collector.missedTurns++;
      this.pause(now, 1_000);
      return;
    }
    if (this.answered && now - this.lastAudioMs > 400) this.pause(now, 200 + this.opts.random() * 800);
  }

  private speak(): void {
    const list = this.opts.utterances;
    this.utterance = list[Math.floor(this.opts.random() * list.length)]!;
    this.utteranceAt = 0;
    this.mode = "speaking";
  }

  private pause(now: number, ms: number): void {
    this.mode = "pausing";
    this.nextSpeechAt = now + ms;
  }

  private nextSamples(): Int16Array {
    if (this.mode === "speaking" && this.utterance) {
      const pcm = this.utterance.pcm;
      const out = new Int16Array(FRAME_SAMPLES);
      out.set(pcm.subarray(this.utteranceAt, this.utteranceAt + FRAME_SAMPLES));
      this.utteranceAt += FRAME_SAMPLES;
      if (this.utteranceAt >= pcm.length) {
        this.mode = "waiting";
        this.waitingSince = nowMs();
        this.answered = false;
        this.bargeIn = this.opts.random() < this.opts.bargeInRatio;
      }
      return out;
    }
    const noise = this.opts.noise;
    if (this.noiseAt + FRAME_SAMPLES > noise.length) this.noiseAt = 0;
    const out = noise.subarray(this.noiseAt, this.noiseAt + FRAME_SAMPLES);
    this.noiseAt += FRAME_SAMPLES;
    return out;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const rxUs = monoUs();
    const inbound = classify(data, isBinary);
    if (inbound.kind === "audio") this.onAudio(rxUs);
    else if (inbound.kind === "bench") this.onBench(inbound.message, rxUs);
  }

  private onAudio(rxUs: number): void {
    const now = rxUs / 1000;
    this.lastAudioMs = now;
    if (this.interrupt) this.interrupt.lastAudioUs = rxUs;
    const turn = this.turn;
    if (turn && turn.firstAudioUs === undefined && !turn.superseded) {
      turn.firstAudioUs = rxUs;
      this.opts.collector.turnWire.push((rxUs - turn.eotUs) / 1000 - this.opts.standInMs);
      this.opts.collector.turnRecords.push(turn);
    }
    if (this.mode === "waiting" && !this.answered) {
      this.answered = true;
      if (this.bargeIn) this.nextSpeechAt = now + 500 + this.opts.random() * 1_000;
    }
  }

  private onBench(message: BenchMessage, rxUs: number): void {
    const c = this.opts.collector;
    switch (message.ev) {
      case "eot":
        this.settleInterrupt();
        this.settleTurn();
        c.turns++;
        this.turn = { eotUs: message.t };
        return;
      case "user_started":
        if (this.turn && this.turn.firstAudioUs === undefined) this.turn.superseded = true;
        return;
      case "bot_started":
        if (this.turn && this.turn.botStartedUs === undefined && !this.turn.superseded) {
          this.turn.botStartedUs = message.t;
          c.turnServer.push((message.t - this.turn.eotUs) / 1000 - this.opts.standInMs);
        }
        return;
      case "interrupt":
        this.settleInterrupt();
        this.interrupt = { atUs: message.t };
        // Audio already in flight when the decision was made arrives after it: it counts.
        setTimeout(() => this.settleInterrupt(), 1_000);
        return;
      case "transcript":
        if (this.turn && this.turn.turn === undefined && !this.turn.superseded && message.turn !== undefined) {
          this.turn.turn = message.turn;
        }
        return;
      case "interrupt_at_sink":
        if (this.interrupt) c.cutoffServer.push((message.t - this.interrupt.atUs) / 1000);
        return;
    }
    void rxUs;
  }

  private settleInterrupt(): void {
    const i = this.interrupt;
    if (!i) return;
    this.interrupt = null;
    const last = i.lastAudioUs;
    this.opts.collector.cutoffWire.push(last === undefined ? 0 : Math.max(0, (last - i.atUs) / 1000));
  }

  private settleTurn(): void {
    const t = this.turn;
    if (!t) return;
    if (t.firstAudioUs === undefined && !t.superseded) this.opts.collector.failedTurns++;
  }

  /** Turns still open at a window's end: counted as failed only when past the answer timeout. */
  settleStale(): void {
    const t = this.turn;
    if (t && t.firstAudioUs === undefined && !t.superseded && monoUs() - t.eotUs > this.answerTimeoutMs * 1000) {
      this.opts.collector.failedTurns++;
      this.turn = null;
    }
  }
}

function nowMs(): number {
  return monoUs() / 1000;
}
