// The SmallWebRTC transport: one browser peer connection as a session's Transport.
//
//   in:  Opus RTP → InputAudioRawFrame (16 kHz, 20 ms each)
//        "chat" JSON objects → InputTransportMessageFrame{message}
//   out: OutputAudioRawFrame / TTSAudioRawFrame (any rate) → paced Opus RTP (AudioPacer)
//        OutputTransportMessage(Urgent)Frame → JSON text on "chat"
//   events$: BotStartedSpeaking when the first packet of a run is sent, BotStoppedSpeaking
//        when the run has played out or an InterruptionFrame cut it.
//
// input$ completes when the client goes away: connection failed or closed, "disconnected"
// for longer than `disconnectGraceMs`, no ping for `keepaliveTimeoutMs`, a peerLeft
// message, or no connection at all within `connectTimeoutMs` (60 s, as Pipecat's client).
//
// pauseReads: RTP cannot be paused (the browser keeps sending in real time), so while
// paused the microphone audio is decoded and dropped, and counted; data channel messages
// still pass. Holding live audio back to replay it late would only make turn-taking wrong.
//
// A peer can be replaced (`attachPeer`, used for `restart_pc`): the old connection is
// closed and the session carries on over the new one.

import { Subject, Subscription, type Observable } from "rxjs";
import { downmixToMono, int16ToPcmBytes, pcmBytesToInt16 } from "../../audio/pcm.ts";
import { audioFrame, counterIds, createFrame, isFrame, type Frame, type IdSource } from "../../frames/index.ts";
import { silentLogger, type Logger } from "../../pipeline/context.ts";
import type { Transport } from "../transport.ts";
import { AudioPacer } from "./audioPacer.ts";
import { CHAT_LABEL, ChatChannel, type SignallingMessage } from "./chatChannel.ts";
import { InboundAudio } from "./inboundAudio.ts";
import type { InboundRtp, WebRTCPeer } from "./peer.ts";

export interface WebRTCTransportOptions {
  readonly ids?: IdSource;
  readonly log?: Logger;
  /** Rate of the InputAudioRawFrames. @defaultValue 16000 */
  readonly inputSampleRate?: number;
  /** @defaultValue 3000 */
  readonly keepaliveTimeoutMs?: number;
  /** @defaultValue 60000 */
  readonly connectTimeoutMs?: number;
  /** @defaultValue 5000 */
  readonly disconnectGraceMs?: number;
  /** Outbound pacing lead (≤ 60) and end-of-run hold; see AudioPacer. */
  readonly pacing?: { readonly leadMs?: number; readonly stopHoldMs?: number };
  /** @defaultValue 50 */
  readonly messageQueueCap?: number;
  /** @defaultValue 10000 */
  readonly channelOpenTimeoutMs?: number;
}

/** The audio transceiver is the first one the client adds: trackStatus index 0. */
const AUDIO_RECEIVER_INDEX = 0;
/** Time given to the peerLeft message to leave before the connection closes (ms). */
const PEER_LEFT_FLUSH_MS = 50;

export class WebRTCTransport implements Transport {
  readonly kind = "webrtc";
  private readonly input = new Subject<Frame>();
  private readonly events = new Subject<Frame>();
  readonly input$: Observable<Frame> = this.input.asObservable();
  readonly events$: Observable<Frame> = this.events.asObservable();

  private readonly ids: IdSource;
  private readonly log: Logger;
  private readonly opts: WebRTCTransportOptions;
  private readonly pacer: AudioPacer;
  private readonly chat: ChatChannel;
  private peer: WebRTCPeer | undefined;
  private peerSubscription = new Subscription();
  private inbound: InboundAudio | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private paused = false;
  private muted = false;
  private closing: Promise<void> | undefined;
  private resolveClosed!: (reason: string) => void;
  /** Resolves with the reason once the transport has closed. */
  readonly closed: Promise<string> = new Promise((resolve) => (this.resolveClosed = resolve));
  /** Microphone chunks dropped while reads were paused or the track was muted. */
  droppedInputChunks = 0;

  constructor(options: WebRTCTransportOptions = {}) {
    this.opts = options;
    this.ids = options.ids ?? counterIds(1_000_000);
    this.log = options.log ?? silentLogger;
    this.pacer = new AudioPacer({
      send: (packet) => this.peer?.sendAudio(packet),
      onSpeaking: (speaking) =>
        this.events.next(createFrame(this.ids, speaking ? "BotStartedSpeakingFrame" : "BotStoppedSpeakingFrame", {})),
      ...(options.pacing?.leadMs !== undefined && { leadMs: options.pacing.leadMs }),
      ...(options.pacing?.stopHoldMs !== undefined && { stopHoldMs: options.pacing.stopHoldMs }),
    });
    this.chat = new ChatChannel({
      log: this.log,
      onMessage: (message) => this.input.next(createFrame(this.ids, "InputTransportMessageFrame", { message })),
      onSignalling: (message) => this.onSignalling(message),
      onKeepaliveLost: () => void this.close("no keepalive ping from the client"),
      ...(options.keepaliveTimeoutMs !== undefined && { keepaliveTimeoutMs: options.keepaliveTimeoutMs }),
      ...(options.messageQueueCap !== undefined && { queueCap: options.messageQueueCap }),
      ...(options.channelOpenTimeoutMs !== undefined && { openTimeoutMs: options.channelOpenTimeoutMs }),
    });
  }

  /** Audio queued for the peer and not sent yet, in ms. */
  get queuedAudioMs(): number {
    return this.pacer.queuedMs;
  }

  /** Binds a peer connection; a previous one is closed (restart_pc). */
  attachPeer(peer: WebRTCPeer): void {
    if (this.closing) {
      void peer.close();
      return;
    }
    const previous = this.peer;
    this.peerSubscription.unsubscribe();
    this.peerSubscription = new Subscription();
    this.chat.detach();
    this.pacer.setReady(false);
    this.clearTimers();
    if (previous) void previous.close().catch((e: unknown) => this.log.debug({ err: e }, "closing the replaced peer failed"));

    this.peer = peer;
    const inbound = new InboundAudio({ outputRate: this.opts.inputSampleRate ?? 16000 });
    this.inbound = inbound;
    const connectMs = this.opts.connectTimeoutMs ?? 60_000;
    this.connectTimer = setTimeout(() => void this.close(`no connection within ${connectMs} ms`), connectMs);
    this.peerSubscription.add(peer.audioRtp$.subscribe((packet) => this.onAudioPacket(inbound, packet)));
    this.peerSubscription.add(
      peer.dataChannel$.subscribe((channel) => {
        if (channel.label === CHAT_LABEL) this.chat.attach(channel);
        else this.log.debug({ label: channel.label }, "ignoring a data channel that is not \"chat\"");
      }),
    );
    this.peerSubscription.add(peer.connectionState$.subscribe((state) => this.onConnectionState(state)));
  }

  send(frame: Frame): void {
    if (this.closing) return;
    if (isFrame(frame, "OutputAudioRawFrame")) {
      const samples = downmixToMono(pcmBytesToInt16(frame.audio), frame.num_channels);
      this.pacer.push(samples, frame.sample_rate);
    } else if (frame.type === "InterruptionFrame" || frame.type === "CancelFrame") {
      this.pacer.interrupt();
    } else if (frame.type === "TTSStoppedFrame" || frame.type === "EndFrame") {
      this.pacer.endOfResponse();
    } else if (frame.type === "OutputTransportMessageFrame" || frame.type === "OutputTransportMessageUrgentFrame") {
      this.chat.send(frame.message);
    }
  }

  drained(): Promise<void> {
    return this.pacer.drained();
  }

  pauseReads(): void {
    this.paused = true;
  }

  resumeReads(): void {
    this.paused = false;
  }

  close(reason = "closed"): Promise<void> {
    this.closing ??= this.shutDown(reason);
    return this.closing;
  }

  private async shutDown(reason: string): Promise<void> {
    this.log.debug({ reason }, "webrtc transport closing");
    this.clearTimers();
    this.pacer.close();
    if (this.chat.isOpen) {
      this.chat.sendSignalling({ type: "peerLeft" });
      await new Promise((resolve) => setTimeout(resolve, PEER_LEFT_FLUSH_MS));
    }
    this.chat.close();
    this.peerSubscription.unsubscribe();
    const peer = this.peer;
    this.peer = undefined;
    try {
      await peer?.close();
    } catch (error) {
      this.log.debug({ err: error }, "peer close failed");
    }
    this.input.complete();
    this.events.complete();
    this.resolveClosed(reason);
  }

  private onAudioPacket(inbound: InboundAudio, packet: InboundRtp): void {
    const chunks = inbound.push(packet);
    if (this.paused || this.muted) {
      this.droppedInputChunks += chunks.length;
      return;
    }
    for (const chunk of chunks) {
      this.input.next(audioFrame(this.ids, "InputAudioRawFrame", int16ToPcmBytes(chunk), inbound.outputRate, 1));
    }
  }

  private onConnectionState(state: string): void {
    switch (state) {
      case "connected":
        this.clearTimers();
        this.pacer.setReady(true);
        return;
      case "disconnected": {
        this.pacer.setReady(false);
        const graceMs = this.opts.disconnectGraceMs ?? 5000;
        this.graceTimer ??= setTimeout(() => void this.close(`disconnected for ${graceMs} ms`), graceMs);
        return;
      }
      case "failed":
      case "closed":
        void this.close(`connection ${state}`);
        return;
      default:
        return;
    }
  }

  private onSignalling(message: SignallingMessage): void {
    switch (message.type) {
      case "trackStatus":
        if (message.receiver_index === AUDIO_RECEIVER_INDEX) {
          this.muted = !message.enabled;
          this.log.debug({ muted: this.muted }, "client microphone track status");
        }
        return;
      case "peerLeft":
        void this.close("the client left");
        return;
      case "renegotiate":
        this.log.debug({}, "client asked to renegotiate: it sends a new offer with its pc_id");
        return;
    }
  }

  private clearTimers(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.connectTimer = undefined;
    this.graceTimer = undefined;
  }
}
