// The WebSocket transport: one socket carries one session.
//
// Inbound, each message is decoded by the session's serializer into frames on `input$`
// (hot; completes when the socket closes). A malformed message gets an error reply and the
// socket stays open; more than `maxBadMessages` (50) of them close it with 1008. Oversized
// messages (over 1 MiB, enforced by ws's maxPayload) close it with 1009.
//
// Outbound, audio goes through the OutputPacer (real-time, deadline-paced 40 ms chunks,
// resampled to the session's output rate); other frames share its queue so they keep their
// order relative to the audio. An InterruptionFrame drops the queued audio at once and is
// written straight away; system frames never wait behind audio.

import { Subject, type Observable } from "rxjs";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { StreamResampler } from "../../audio/resampler.ts";
import {
  audioFrame,
  categoryOf,
  createFrame,
  isFrame,
  isUninterruptible,
  type Frame,
  type IdSource,
} from "../../frames/index.ts";
import type { Logger } from "../../pipeline/context.ts";
import { SerializerError, type FrameSerializer } from "../../serializers/serializer.ts";
import type { Transport } from "../transport.ts";
import { hasRtviLabel } from "../../serializers/rtvi/protocol.ts";
import { errorReply } from "./errors.ts";
import { OutputPacer, realClock, type PacerClock, type PcmChunk } from "./pacer.ts";
import { SocketWriter } from "./writer.ts";

export type ExpiryReason = "inactive" | "max_duration";

export interface WebSocketTransportOptions {
  readonly ws: WebSocket;
  /** The upgraded TCP socket under `ws` (lets the writer cork it for coalescing). */
  readonly socket?: Duplex | null;
  readonly serializer: FrameSerializer;
  readonly ids: IdSource;
  readonly log: Logger;
  /** Binary (protobuf) framing: error replies go inside a protobuf message frame. */
  readonly binary?: boolean;
  /** The client speaks RTVI from the start (?rtvi=1); otherwise learnt from its first RTVI message. */
  readonly rtvi?: boolean;
  /** Output audio rate; otherwise the StartFrame's audio_out_sample_rate. */
  readonly outputSampleRate?: number;
  /** No inbound message for this long ends the session. 0 = never. */
  readonly inactivityTimeoutMs?: number;
  /** Session limit counted from the first inbound audio. 0 = none. */
  readonly maxDurationMs?: number;
  /** A limit above elapsed. Default: close the socket with 1000 and the reason. */
  readonly onExpired?: (why: ExpiryReason) => void;
  /** @defaultValue 50 */
  readonly maxBadMessages?: number;
  readonly coalesceMs?: number;
  readonly coalesceMaxFrames?: number;
  readonly clock?: PacerClock;
}

export interface WebSocketTransport extends Transport {
  readonly kind: "websocket";
  /** The next close() says 1001 "going away" (server shutdown) instead of 1000. */
  goingAway(): void;
  readonly stats: { readonly received: number; readonly malformed: number; readonly sent: number };
}

const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
/** How long a closing handshake may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

export function createWebSocketTransport(opts: WebSocketTransportOptions): WebSocketTransport {
  const { ws, serializer, ids, log } = opts;
  const clock = opts.clock ?? realClock;
  const input = new Subject<Frame>();
  const events = new Subject<Frame>();
  const writer = new SocketWriter(ws, opts.socket ?? null, {
    coalesceMs: opts.coalesceMs,
    coalesceMaxFrames: opts.coalesceMaxFrames,
  });
  const maxBad = opts.maxBadMessages ?? 50;
  const stats = { received: 0, malformed: 0, sent: 0 };
  let rtvi = opts.rtvi === true;
  let outRate = opts.outputSampleRate ?? 0;
  const resamplers = new Map<number, StreamResampler>();
  let closeCode = CLOSE_NORMAL;
  let closed = false;
  let lastInboundAt = clock.now();
  const timers: (() => void)[] = [];
  let closedPromise: Promise<void> | null = null;

  const writeSerialized = (frame: Frame, urgent: boolean): void => {
    let data: string | Uint8Array | null;
    try {
      data = serializer.serialize(frame);
    } catch (error) {
      log.warn({ err: error, frame: frame.type }, "could not serialize an outbound frame");
      return;
    }
    if (data === null) return;
    stats.sent++;
    writer.write(data, urgent);
  };

  const pacer = new OutputPacer<Frame>({
    clock,
    writeAudio: (chunk: PcmChunk) =>
      writeSerialized(audioFrame(ids, "OutputAudioRawFrame", chunk.pcm, chunk.sampleRate, chunk.channels), true),
    writeItem: (frame) => writeSerialized(frame, false),
    onSpeaking: (speaking) => {
      const frame = createFrame(ids, speaking ? "BotStartedSpeakingFrame" : "BotStoppedSpeakingFrame", {});
      // The client hears about it too (JSON clients have no other way to know); upstream,
      // the pipeline learns what was really played.
      writeSerialized(frame, false);
      if (!events.closed) events.next(frame);
    },
    keepOnInterrupt: (frame) => isUninterruptible(frame),
  });

  const expire = (why: ExpiryReason): void => {
    if (closed) return;
    log.info({ event: "session_limit", limit: why }, why === "inactive" ? "no input for too long" : "session reached its maximum duration");
    if (opts.onExpired) opts.onExpired(why);
    else void transport.close(why);
  };

  const inactivityMs = opts.inactivityTimeoutMs ?? 0;
  if (inactivityMs > 0) {
    // One timer per window, re-armed from the last message: no timer work per message.
    const check = (): void => {
      const idle = clock.now() - lastInboundAt;
      if (idle >= inactivityMs) expire("inactive");
      else timers.push(clock.setTimer(check, inactivityMs - idle));
    };
    timers.push(clock.setTimer(check, inactivityMs));
  }
  let maxDurationArmed = false;
  const armMaxDuration = (): void => {
    maxDurationArmed = true;
    const ms = opts.maxDurationMs ?? 0;
    if (ms > 0) timers.push(clock.setTimer(() => expire("max_duration"), ms));
  };

  const reject = (message: string, data: string | Uint8Array): void => {
    stats.malformed++;
    log.debug({ event: "malformed_input", error: message, count: stats.malformed }, "malformed message");
    if (stats.malformed > maxBad) {
      log.warn({ event: "malformed_input", count: stats.malformed }, "too many malformed messages; closing");
      closeCode = CLOSE_POLICY;
      void transport.close("too many malformed messages");
      return;
    }
    const reply = errorReply({ binary: opts.binary === true, rtvi, serializer, ids }, message, data);
    if (reply !== null) writer.write(reply, true);
  };

  ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (closed) return;
    lastInboundAt = clock.now();
    stats.received++;
    const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const data: string | Uint8Array = isBinary ? bytes : bytes.toString("utf8");
    let frames: Frame[];
    try {
      frames = serializer.deserialize(data, isBinary);
    } catch (error) {
      const message = error instanceof SerializerError ? error.message : "could not read the message";
      if (!(error instanceof SerializerError)) log.warn({ err: error }, "serializer failed on inbound message");
      reject(message, data);
      return;
    }
    for (const frame of frames) {
      if (!maxDurationArmed && frame.type === "InputAudioRawFrame") armMaxDuration();
      if (!rtvi && speaksRtvi(frame)) rtvi = true;
      input.next(frame);
    }
  });
  ws.on("error", (error: Error & { code?: string }) => {
    log.info({ event: "socket_error", code: error.code, err: error.message }, "websocket error");
  });
  ws.on("close", (code: number, reason: Buffer) => {
    log.debug({ event: "socket_closed", code, reason: reason.toString() }, "websocket closed");
    stopTimers();
    input.complete();
  });

  const stopTimers = (): void => {
    for (const cancel of timers.splice(0)) cancel();
  };

  const toOutputRate = (frame: Frame & { audio: Uint8Array; sample_rate: number; num_channels: number }): PcmChunk => {
    const { audio, sample_rate: rate, num_channels: channels } = frame;
    if (outRate === 0 || rate === outRate || channels !== 1) return { pcm: audio, sampleRate: rate, channels };
    let resampler = resamplers.get(rate);
    if (!resampler) {
      resampler = new StreamResampler(rate, outRate);
      resamplers.set(rate, resampler);
    }
    const out = resampler.process(int16View(audio));
    return { pcm: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), sampleRate: outRate, channels: 1 };
  };

  /** The held-back tail of each resampler, at the end of a run of audio. */
  const flushResamplers = (): void => {
    for (const r of resamplers.values()) {
      const tail = r.flush();
      if (tail.length > 0) pacer.pushAudio({ pcm: new Uint8Array(tail.buffer, tail.byteOffset, tail.byteLength), sampleRate: outRate, channels: 1 });
    }
  };

  const transport: WebSocketTransport = {
    kind: "websocket",
    input$: input.asObservable() as Observable<Frame>,
    events$: events.asObservable() as Observable<Frame>,
    stats,
    send(frame) {
      if (closed) return;
      if (isFrame(frame, "OutputAudioRawFrame")) {
        pacer.pushAudio(toOutputRate(frame));
        return;
      }
      switch (frame.type) {
        case "InputAudioRawFrame":
          return; // the user's own audio is never sent back
        case "StartFrame":
          if (opts.outputSampleRate === undefined) outRate = frame.audio_out_sample_rate;
          writeSerialized(frame, false);
          return;
        case "InterruptionFrame":
        case "CancelFrame":
          // The client hears of the interruption first, then of the bot stopping.
          writeSerialized(frame, true);
          for (const r of resamplers.values()) r.reset();
          pacer.interrupt();
          return;
        case "EndFrame":
        case "TTSStoppedFrame":
          flushResamplers();
          pacer.pushItem(frame);
          return;
        default:
          if (categoryOf(frame) === "system") writeSerialized(frame, false);
          else pacer.pushItem(frame);
      }
    },
    drained: () => pacer.drained(),
    pauseReads() {
      if (!closed) ws.pause();
    },
    resumeReads() {
      // Time spent paused was the server's doing, not the client's silence.
      lastInboundAt = clock.now();
      if (!closed) ws.resume();
    },
    goingAway() {
      closeCode = CLOSE_GOING_AWAY;
    },
    close(reason) {
      if (closedPromise) return closedPromise;
      closed = true;
      stopTimers();
      pacer.close();
      writer.flush();
      closedPromise = new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(force);
          resolve();
        };
        const force = setTimeout(() => {
          ws.terminate();
          resolve();
        }, CLOSE_GRACE_MS);
        if (ws.readyState === ws.CLOSED) done();
        else {
          ws.once("close", done);
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(closeCode, truncateReason(reason ?? ""));
        }
      });
      void closedPromise.then(() => {
        input.complete();
        events.complete();
      });
      return closedPromise;
    },
  };
  return transport;
}

function speaksRtvi(frame: Frame): boolean {
  if (frame.type === "RTVIClientMessageFrame") return true;
  if (frame.type === "InputTransportMessageFrame" || frame.type === "TransportMessageFrame") return hasRtviLabel(frame.message);
  return false;
}

/** PCM16 samples of a byte payload (copied only when the bytes are not 2-byte aligned). */
function int16View(bytes: Uint8Array): Int16Array {
  const count = bytes.byteLength >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  return new Int16Array(bytes.slice(0, count * 2).buffer);
}

/** Close reasons are limited to 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
