// One WebRTC peer connection on werift, seen through RxJS.
//
// werift reports everything through its own event type (`.subscribe` returning
// `{unSubscribe}`); this file is the only place that touches it. Each event is bridged to an
// Observable whose teardown unsubscribes, so nothing outside this folder holds a werift
// listener and closing a session leaves none behind.
//
// The peer answers offers the Pipecat small-webrtc client makes: audio sendrecv, video
// sendrecv, screen video sendonly, data channel "chat". The audio m-line gets our sendrecv
// transceiver (added before the offer is applied, so werift matches it to the first audio
// m-line); video m-lines are accepted receive-only, which needs VP8/H264 in the codec list
// or werift rejects the offer ("negotiate codecs failed").

import { Observable, ReplaySubject, Subject, BehaviorSubject } from "rxjs";
import {
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useH264,
  useOPUS,
  useVP8,
  type Event as WeriftEvent,
  type RTCDataChannel,
  type RTCPeerConnectionConfig,
  type RTCRtpTransceiver,
} from "werift";
import type { IceServer } from "../../config/iceServers.ts";

export interface PeerOptions {
  /** STUN/TURN servers (TURN with username/credential). @defaultValue [] */
  readonly iceServers?: readonly IceServer[];
  /**
   * Gather only a 127.0.0.1 host candidate and no STUN: for specs and same-host clients.
   * Without it werift offers every interface address.
   */
  readonly loopbackOnly?: boolean;
  /** UDP port range for ICE (firewalled servers), min < max. */
  readonly icePortRange?: readonly [number, number];
}

export type PeerConnectionState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/** A trickled remote candidate. An empty `candidate` marks the end of candidates. */
export interface IceCandidateInit {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
}

export interface InboundRtp {
  readonly payload: Uint8Array;
  readonly sequenceNumber: number;
  readonly timestamp: number;
}

export interface OutboundRtp {
  readonly payload: Uint8Array;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  /** Set on the first packet of a talkspurt. */
  readonly marker: boolean;
}

export type ChannelState = "connecting" | "open" | "closing" | "closed";

/** A data channel without werift types. */
export interface PeerChannel {
  readonly label: string;
  readonly state: ChannelState;
  /** Hot; completes when the peer closes. */
  readonly state$: Observable<ChannelState>;
  /** Text and binary messages, hot. */
  readonly messages$: Observable<string | Uint8Array>;
  send(text: string): void;
}

/** A werift event as an Observable of its first argument. */
export function fromWeriftEvent<A extends unknown[]>(event: WeriftEvent<A>): Observable<A[0]> {
  return new Observable<A[0]>((subscriber) => {
    const handle = event.subscribe(
      (...args: A) => subscriber.next(args[0]),
      () => subscriber.complete(),
    );
    return () => handle.unSubscribe();
  });
}

export function peerConfig(options: PeerOptions = {}): RTCPeerConnectionConfig {
  return {
    iceServers: (options.iceServers ?? []).map((s) => ({
      urls: [...s.urls],
      ...(s.username !== undefined && { username: s.username }),
      ...(s.credential !== undefined && { credential: s.credential }),
    })),
    codecs: { audio: [useOPUS()], video: [useVP8(), useH264()] },
    ...(options.icePortRange && { icePortRange: [options.icePortRange[0], options.icePortRange[1]] }),
    ...(options.loopbackOnly && { iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] }),
  };
}

export class WebRTCPeer {
  private readonly pc: RTCPeerConnection;
  private readonly audio: RTCRtpTransceiver;
  private readonly state = new BehaviorSubject<PeerConnectionState>("new");
  private readonly rtp = new Subject<InboundRtp>();
  private readonly channels = new ReplaySubject<PeerChannel>();
  private readonly teardown: (() => void)[] = [];
  private closed = false;

  /** Connection state, replaying the current one; completes after "closed". */
  readonly connectionState$ = this.state.asObservable();
  /** RTP packets of the remote audio track. Hot; completes on close. */
  readonly audioRtp$ = this.rtp.asObservable();
  /** Data channels the remote opened, replayed to late subscribers; completes on close. */
  readonly dataChannel$ = this.channels.asObservable();

  constructor(options: PeerOptions = {}) {
    this.pc = new RTCPeerConnection(peerConfig(options));
    this.audio = this.pc.addTransceiver("audio", { direction: "sendrecv" });
    this.listen(fromWeriftEvent(this.pc.connectionStateChange), (s) => {
      if (!this.closed) this.state.next(s);
    });
    // onTrack fires while an offer is applied, so this listens before any offer arrives.
    const tracked = new Set<string>();
    this.listen(fromWeriftEvent(this.pc.onTrack), (track) => {
      if (track.kind !== "audio" || tracked.has(track.uuid)) return;
      tracked.add(track.uuid);
      this.listen(fromWeriftEvent(track.onReceiveRtp), (packet) =>
        this.rtp.next({ payload: packet.payload, sequenceNumber: packet.header.sequenceNumber, timestamp: packet.header.timestamp }),
      );
    });
    this.listen(fromWeriftEvent(this.pc.onDataChannel), (channel) => this.channels.next(this.bridgeChannel(channel)));
  }

  get connectionState(): PeerConnectionState {
    return this.state.value;
  }

  /** Applies a remote offer and returns our answer SDP, with candidates gathered for up to `gatherTimeoutMs`. */
  async answer(offerSdp: string, gatherTimeoutMs: number): Promise<string> {
    await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.iceGathered(gatherTimeoutMs);
    const local = this.pc.localDescription;
    if (!local) throw new Error("werift produced no local description");
    return local.sdp;
  }

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    await this.pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? undefined,
      sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
    });
  }

  /** Sends one audio packet; dropped silently until the connection is up (werift's behaviour). */
  sendAudio(packet: OutboundRtp): void {
    if (this.closed) return;
    const header = new RtpHeader({
      payloadType: this.audio.sender.codec?.payloadType ?? 111,
      sequenceNumber: packet.sequenceNumber,
      timestamp: packet.timestamp,
      marker: packet.marker,
    });
    const payload = Buffer.from(packet.payload.buffer, packet.payload.byteOffset, packet.payload.byteLength);
    void this.audio.sender.sendRtp(new RtpPacket(header, payload)).catch(() => {
      // A send racing the close of the DTLS transport: the packet is gone, nothing to do.
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pc.close();
    } finally {
      for (const stop of this.teardown.splice(0)) stop();
      this.state.next("closed");
      this.state.complete();
      this.rtp.complete();
      this.channels.complete();
    }
  }

  private async iceGathered(timeoutMs: number): Promise<void> {
    if (this.pc.iceGatheringState === "complete") return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = fromWeriftEvent(this.pc.iceGatheringStateChange).subscribe((s) => {
        if (s === "complete") done();
      });
      function done(): void {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      }
    });
  }

  private listen<T>(source: Observable<T>, next: (value: T) => void): void {
    const sub = source.subscribe(next);
    this.teardown.push(() => sub.unsubscribe());
  }

  private bridgeChannel(channel: RTCDataChannel): PeerChannel {
    const state = new BehaviorSubject<ChannelState>(channel.readyState);
    this.listen(fromWeriftEvent(channel.stateChanged), (s) => state.next(s));
    this.teardown.push(() => state.complete());
    const messages = new Observable<string | Uint8Array>((subscriber) => {
      const sub = fromWeriftEvent(channel.onMessage).subscribe((data) =>
        subscriber.next(typeof data === "string" ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
      );
      const end = state.subscribe({ complete: () => subscriber.complete() });
      return () => {
        sub.unsubscribe();
        end.unsubscribe();
      };
    });
    return {
      label: channel.label,
      get state() {
        return state.value;
      },
      state$: state.asObservable(),
      messages$: messages,
      // werift holds a message sent from inside its own receive callback until the next
      // message arrives (bot-ready waited ~1 s for the client's next ping); sending on the
      // next turn of the event loop puts it on the wire at once (~4 ms).
      send: (text) => {
        setImmediate(() => {
          if (channel.readyState === "open") channel.send(text);
        });
      },
    };
  }
}
