// Helpers for the voice specs: a real server started the way `voxray serve` starts it (serve()
// builds the config's voice stage itself; prepareVoice is called here too, only to tell the
// spec which mode the config means), a microphone that streams PCM at real time in 20 ms
// frames over a real socket, and the Pipecat protobuf framing written from the field numbers.

import { performance } from "node:perf_hooks";
import protobuf from "protobufjs";
import { parseConfig } from "../../../lib/config/load.ts";
import { serve, type ServeOptions } from "../../../lib/server/serve.ts";
import { prepareVoice, type PreparedVoice } from "../../../lib/server/voiceStage.ts";
import type { TestServer } from "../harness.ts";

export interface VoiceServer extends TestServer {
  readonly voice: PreparedVoice;
}

/** serve() on 127.0.0.1:0 from a config, as the CLI would start it. */
export async function startVoiceServer(raw: Record<string, unknown>, options: ServeOptions = {}): Promise<VoiceServer> {
  const config = parseConfig({ host: "127.0.0.1", port: 0, log_level: "silent", ...raw });
  const running = await serve(config, { handleSignals: false, print: () => {}, shutdownTimeoutMs: 2_000, ...options });
  return { ...running, voice: prepareVoice(config), wsUrl: running.url.replace(/^http/, "ws") };
}

const FRAME_SAMPLES = 320; // 20 ms at 16 kHz
const FRAME_MS = 20;

/**
 * A microphone: from start() on it sends one 20 ms frame every 20 ms against deadlines (no
 * drift), taken from what `say` queued, or silence, as a real client's microphone does.
 */
export class RealTimeMic {
  private readonly queue: Int16Array[] = [];
  private readonly waiters: { remaining: number; resolve: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private next = 0;
  private pending: Int16Array = new Int16Array(0);
  sent = 0;

  constructor(private readonly send: (pcm: Uint8Array) => void) {}

  start(): void {
    this.next = performance.now();
    this.tick();
  }

  /** Queues 16 kHz mono samples; resolves once the last of them has been sent. */
  say(samples: Int16Array): Promise<void> {
    this.queue.push(samples);
    const remaining = this.queuedSamples();
    return new Promise((resolve) => this.waiters.push({ remaining, resolve }));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private queuedSamples(): number {
    return this.pending.length + this.queue.reduce((n, q) => n + q.length, 0);
  }

  private tick = (): void => {
    const frame = new Int16Array(FRAME_SAMPLES);
    let filled = 0;
    while (filled < FRAME_SAMPLES) {
      if (this.pending.length === 0) {
        const head = this.queue.shift();
        if (!head) break;
        this.pending = head;
      }
      const take = Math.min(FRAME_SAMPLES - filled, this.pending.length);
      frame.set(this.pending.subarray(0, take), filled);
      this.pending = this.pending.subarray(take);
      filled += take;
    }
    for (const w of this.waiters) w.remaining -= filled;
    this.send(new Uint8Array(frame.buffer));
    this.sent++;
    for (const w of this.waiters.filter((x) => x.remaining <= 0)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    this.next += FRAME_MS;
    this.timer = setTimeout(this.tick, Math.max(0, this.next - performance.now()));
  };
}

// ---- Pipecat protobuf framing, from the field numbers -------------------------------------

const root = protobuf.parse(
  `syntax = "proto3";
  package client;
  message AudioRawFrame { uint64 id = 1; string name = 2; bytes audio = 3; uint32 sample_rate = 4; uint32 num_channels = 5; optional uint64 pts = 6; }
  message MessageFrame { string data = 1; }
  message InterruptionFrame { uint64 id = 1; string name = 2; }
  message Frame { oneof frame { AudioRawFrame audio = 2; MessageFrame message = 4; InterruptionFrame interruption = 5; } }`,
  { keepCase: true },
).root;
const ProtoFrame = root.lookupType("client.Frame");

export interface ProtoDecoded {
  readonly frame?: "audio" | "message" | "interruption";
  readonly audio?: { audio: Uint8Array; sample_rate: number; num_channels: number };
  readonly message?: { data: string };
}

export const protoAudio = (pcm: Uint8Array): Uint8Array =>
  ProtoFrame.encode(ProtoFrame.fromObject({ audio: { id: 0, name: "audio", audio: pcm, sample_rate: 16000, num_channels: 1 } })).finish();

export const protoMessage = (message: object): Uint8Array =>
  ProtoFrame.encode(ProtoFrame.fromObject({ message: { data: JSON.stringify(message) } })).finish();

export const protoDecode = (data: Buffer): ProtoDecoded =>
  ProtoFrame.toObject(ProtoFrame.decode(data), { oneofs: true, longs: Number }) as ProtoDecoded;

/** An RTVI client-ready, so the server reports transcripts and speaking state as RTVI events. */
export const CLIENT_READY = {
  label: "rtvi-ai",
  type: "client-ready",
  id: "spec-ready",
  data: { version: "2.1.0", about: { library: "voxray-spec", library_version: "0" } },
};

/** Milliseconds of PCM16 mono audio. */
export const pcmMs = (bytes: number, rate: number): number => (bytes / 2 / rate) * 1000;
