// A stand-in for the browser side of SmallWebRTC, built on werift directly (not on the
// code under test): it offers what Pipecat's small-webrtc client offers (audio sendrecv,
// video sendrecv, screen video sendonly, data channel "chat"), loopback only.

import {
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useH264,
  useOPUS,
  useVP8,
  type RTCDataChannel,
  type RTCRtpTransceiver,
} from "werift";
import { createOpusDecoder, createOpusEncoder } from "../../../lib/audio/opus.ts";

export interface ReceivedPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
  /** performance.now() at arrival. */
  readonly at: number;
}

export interface BrowserCandidate {
  readonly candidate: string;
  readonly sdp_mid: string;
  readonly sdp_mline_index: number;
}

export class FakeBrowser {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  readonly chat: RTCDataChannel;
  readonly received: ReceivedPacket[] = [];
  readonly messages: string[] = [];
  private readonly encoder = createOpusEncoder({ sampleRate: 48000, channels: 1 });
  private seq = 1000;
  private ts = 50_000;

  constructor() {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ["127.0.0.1"],
      bundlePolicy: "max-bundle", // as Chrome does
      codecs: { audio: [useOPUS()], video: [useVP8(), useH264()] },
    });
    this.audio = this.pc.addTransceiver("audio", { direction: "sendrecv" });
    this.pc.addTransceiver("video", { direction: "sendrecv" });
    this.pc.addTransceiver("video", { direction: "sendonly" });
    this.chat = this.pc.createDataChannel("chat", { ordered: true });
    this.chat.onMessage.subscribe((m) => this.messages.push(m.toString()));
    this.pc.onTrack.subscribe((track) => {
      if (track.kind !== "audio") return;
      track.onReceiveRtp.subscribe((p) =>
        this.received.push({
          sequenceNumber: p.header.sequenceNumber,
          timestamp: p.header.timestamp,
          marker: p.header.marker,
          payload: new Uint8Array(p.payload),
          at: performance.now(),
        }),
      );
    });
  }

  /** An offer with gathered candidates inside, or (trickle) without them plus the list. */
  async offer(options: { trickle?: boolean; iceRestart?: boolean } = {}): Promise<{ sdp: string; candidates: BrowserCandidate[] }> {
    await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: options.iceRestart ?? false }));
    await waitFor(() => this.pc.iceGatheringState === "complete", 5000, "browser ICE gathering");
    const sdp = this.pc.localDescription?.sdp ?? "";
    if (!options.trickle) return { sdp, candidates: [] };
    const candidates: BrowserCandidate[] = [];
    const kept: string[] = [];
    let mline = -1;
    let mid = "";
    for (const line of sdp.split("\r\n")) {
      if (line.startsWith("m=")) mline++;
      if (line.startsWith("a=mid:")) mid = line.slice(6);
      if (line.startsWith("a=candidate:")) {
        candidates.push({ candidate: line.slice(2), sdp_mid: mid, sdp_mline_index: mline });
        continue;
      }
      if (line === "a=end-of-candidates") continue;
      kept.push(line);
    }
    // a=mid follows the candidate lines in werift's SDP: fill in mids per m-line afterwards.
    const mids = midsOf(sdp);
    return { sdp: kept.join("\r\n"), candidates: candidates.map((c) => ({ ...c, sdp_mid: mids[c.sdp_mline_index] ?? "0" })) };
  }

  async accept(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "answer", sdp: answerSdp });
  }

  async connected(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.pc.connectionState === "connected", timeoutMs, "browser connection");
  }

  async chatOpen(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.chat.readyState === "open", timeoutMs, "browser data channel");
  }

  /** Sends 48 kHz mono PCM as 20 ms Opus packets, `spacingMs` apart. */
  async sendPcm(samples: Int16Array, spacingMs = 5): Promise<number> {
    let packets = 0;
    for (let at = 0; at + 960 <= samples.length; at += 960) {
      const payload = this.encoder.encode(samples.subarray(at, at + 960));
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: this.seq, timestamp: this.ts, marker: packets === 0 });
      await this.audio.sender.sendRtp(new RtpPacket(header, Buffer.from(payload)));
      this.seq = (this.seq + 1) & 0xffff;
      this.ts = (this.ts + 960) >>> 0;
      packets++;
      await sleep(spacingMs);
    }
    return packets;
  }

  /** Every received packet decoded, in arrival order, as 48 kHz mono. */
  decodeReceived(): Int16Array[] {
    const decoder = createOpusDecoder({ sampleRate: 48000, channels: 1 });
    return this.received.map((p) => decoder.decode(p.payload).slice());
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

export function tone(hz: number, amplitude: number, ms: number, rate: number): Int16Array {
  const n = Math.round((ms * rate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** Relative power of `hz` in the samples (Goertzel), normalized by total power. */
export function toneShare(samples: Int16Array, hz: number, rate: number): number {
  const k = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function midsOf(sdp: string): string[] {
  const mids: string[] = [];
  let index = -1;
  for (const line of sdp.split("\r\n")) {
    if (line.startsWith("m=")) index++;
    if (line.startsWith("a=mid:") && index >= 0) mids[index] = line.slice(6);
  }
  return mids;
}
