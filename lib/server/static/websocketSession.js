// The WebSocket mode: /ws?rtvi=1 with the JSON envelope.
//
//   out  microphone as 20 ms frames {"type":"InputAudioRawFrame","data":{audio:<base64 PCM16
//        16 kHz>, sample_rate:16000, num_channels:1}} (captured by mic-worklet.js), and RTVI as
//        bare {"label":"rtvi-ai",…} objects
//   in   OutputAudioRawFrame / TTSAudioRawFrame, scheduled back to back with Web Audio at the
//        frame's own rate; InterruptionFrame stops whatever is still queued at once; RTVI
//
// With an API key the page first trades it for a 300 s token (POST /api/v1/token): a browser
// cannot put headers on a WebSocket.

import { authHeaders, clientReady, levelMeter, openMicrophone, postJson, stopTracks } from "./shared.js";

const MIC_RATE = 16000;
const MIC_FRAME_SAMPLES = 320; // 20 ms at 16 kHz
/** Bot audio is scheduled this far ahead of "now" when playback restarts (absorbs jitter). */
const PLAYBACK_LEAD_S = 0.05;

function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Bot audio, scheduled back to back; `clear()` silences it at once. */
class Playback {
  constructor() {
    this.context = new AudioContext();
    const meter = levelMeter(this.context);
    this.analyser = meter.analyser;
    this.level = meter.level;
    this.analyser.connect(this.context.destination);
    this.sources = new Set();
    this.nextStart = 0;
  }

  play(pcm, sampleRate, channels) {
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
    const frames = Math.floor(samples.length / channels);
    if (frames === 0) return;
    const buffer = this.context.createBuffer(channels, frames, sampleRate);
    for (let c = 0; c < channels; c++) {
      const out = buffer.getChannelData(c);
      for (let i = 0; i < frames; i++) out[i] = samples[i * channels + c] / 32768;
    }
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.analyser);
    const now = this.context.currentTime;
    if (this.nextStart < now) this.nextStart = now + PLAYBACK_LEAD_S;
    source.start(this.nextStart);
    this.nextStart += buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
  }

  clear() {
    for (const source of this.sources) source.stop();
    this.sources.clear();
    this.nextStart = 0;
  }

  close() {
    this.clear();
    void this.context.close();
  }
}

/** Microphone → 16 kHz PCM16 frames through the capture worklet. */
async function micCapture(stream, onFrame) {
  const context = new AudioContext();
  await context.audioWorklet.addModule("/mic-worklet.js");
  const source = context.createMediaStreamSource(stream);
  const worklet = new AudioWorkletNode(context, "mic-capture", { processorOptions: { frameSamples: MIC_FRAME_SAMPLES } });
  const meter = levelMeter(context);
  const sink = context.createGain();
  sink.gain.value = 0; // keeps the worklet in the rendered graph without playing the mic back
  source.connect(worklet).connect(sink).connect(context.destination);
  source.connect(meter.analyser);
  worklet.port.onmessage = (event) => onFrame(new Uint8Array(event.data));
  return { context, level: meter.level };
}

/**
 * Opens a session. `hooks`: onRtvi(message), onWaiting(), onEnded(problem), stats (counters
 * the page shows to tests: botAudioFrames, interruptions).
 */
export async function connectWebSocket(key, hooks) {
  const url = new URL("/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("rtvi", "1");
  if (key) {
    const token = await postJson("/api/v1/token", {}, authHeaders(key));
    url.searchParams.set("token", token.data.token);
  }
  const stream = await openMicrophone();
  const playback = new Playback();
  let ws = null;
  let mic;
  try {
    mic = await micCapture(stream, (pcm) => {
      if (ws?.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: "InputAudioRawFrame", data: { audio: toBase64(pcm), sample_rate: MIC_RATE, num_channels: 1 } }));
    });
  } catch (error) {
    stopTracks(stream);
    playback.close();
    throw error;
  }

  ws = new WebSocket(url);
  let opened = false;
  ws.onopen = () => {
    opened = true;
    hooks.onWaiting();
    ws.send(JSON.stringify(clientReady()));
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    const message = JSON.parse(event.data);
    if (message.label === "rtvi-ai") return hooks.onRtvi(message);
    switch (message.type) {
      case "OutputAudioRawFrame":
      case "TTSAudioRawFrame":
        hooks.stats.botAudioFrames += 1;
        playback.play(fromBase64(message.data.audio), message.data.sample_rate, message.data.num_channels ?? 1);
        break;
      case "InterruptionFrame":
        hooks.stats.interruptions += 1;
        playback.clear();
        break;
      default:
        break;
    }
  };
  ws.onclose = (event) => {
    // Browsers hide why an upgrade failed: a refused key and a server that is down look alike.
    if (!opened) return hooks.onEnded("the server refused the WebSocket (is an API key needed, or is the server down?)");
    hooks.onEnded(event.code === 1000 || event.code === 1005 ? "" : `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
  };

  return {
    setMuted(muted) {
      for (const track of stream.getAudioTracks()) track.enabled = !muted; // a muted track sends silence
    },
    micLevel: mic.level,
    botLevel: playback.level,
    close() {
      ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, "hang up");
      stopTracks(stream);
      playback.close();
      void mic.context.close();
    },
  };
}
