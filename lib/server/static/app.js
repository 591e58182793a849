// Voxray browser client: talk to the server's voice pipeline over WebSocket or WebRTC.
//
// Both modes speak RTVI 2.1: the page sends `client-ready`, the bot answers `bot-ready`, and
// from then on the server reports speaking state, transcripts and bot text as RTVI events.
//
//   WebSocket  /ws?rtvi=1 with the JSON envelope: microphone audio goes out as 20 ms frames
//              {"type":"InputAudioRawFrame","data":{audio:<base64 PCM16 16 kHz>,…}}; bot audio
//              comes back as OutputAudioRawFrame and is scheduled back to back with Web Audio;
//              an InterruptionFrame stops whatever is still queued at once. RTVI messages are
//              bare {"label":"rtvi-ai",…} objects both ways. With an API key, the page first
//              trades it for a short-lived token (POST /api/v1/token), since a browser cannot
//              put headers on a WebSocket.
//   WebRTC     POST /start (for the server's ICE servers), then an offer with the microphone
//              track to /sessions/{id}/api/offer, sent once ICE gathering is complete. Bot
//              audio arrives as the remote track; RTVI travels on the "chat" data channel,
//              along with "ping: <ms>" every second (the server's keepalive).
//
// `window.voxray` exposes the state, the RTVI events received and the audio levels, for the
// browser console and for tests.

const RTVI_VERSION = "2.1.0";
const ABOUT = { library: "voxray-web", library_version: "0.1.0" };
const MIC_RATE = 16000;
const MIC_FRAME_SAMPLES = 320; // 20 ms at 16 kHz
const PING_INTERVAL_MS = 1000;
const ICE_GATHERING_LIMIT_MS = 2000;
/** Bot audio is scheduled this far ahead of "now" when playback restarts (absorbs jitter). */
const PLAYBACK_LEAD_S = 0.05;
const METER_INTERVAL_MS = 50;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  connect: $("connect"),
  mute: $("mute"),
  apiKey: $("api-key"),
  userSpeaking: $("user-speaking"),
  botSpeaking: $("bot-speaking"),
  micLevel: $("mic-level"),
  botLevel: $("bot-level"),
  transcript: $("transcript"),
  error: $("error"),
};

/** @type {{close(reason?: string): void, setMuted(muted: boolean): void, micLevel(): number, botLevel(): number} | null} */
let session = null;
let muted = false;
const events = [];
const stats = { botAudioFrames: 0, lastBotAudioAt: 0, interruptions: 0 };
let meterTimer = 0;

// ---------------------------------------------------------------- shared helpers

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function rtviMessage(type, data) {
  return { label: "rtvi-ai", type, id: randomId(), data };
}

function clientReady() {
  return rtviMessage("client-ready", { version: RTVI_VERSION, about: { ...ABOUT, platform: navigator.platform || "web" } });
}

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = "";
}

function setSpeaking(element, speaking) {
  element.dataset.speaking = String(speaking);
}

async function openMicrophone() {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("this page needs a secure context (https or localhost) to use the microphone");
  }
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}

/** An AnalyserNode reader: RMS of the latest window, 0..1. */
function levelOf(analyser) {
  const samples = new Float32Array(analyser.fftSize);
  return () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    return Math.sqrt(sum / samples.length);
  };
}

function authHeaders(key) {
  return key ? { "X-API-Key": key } : {};
}

async function postJson(path, body, headers) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const message = parsed?.error?.message ?? `${res.status} ${res.statusText}`;
    throw new Error(`${path}: ${message}`);
  }
  return parsed;
}

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

// ---------------------------------------------------------------- transcript

let userLine = null; // the <li> of the user's transcript in progress (interim)
let botLine = null; // the <li> of the bot's current reply
let botLineHasTokens = false;

function addLine(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  ui.transcript.append(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

function showUserTranscript(text, final) {
  if (!userLine) userLine = addLine("user interim", "");
  userLine.textContent = text;
  if (final) {
    userLine.classList.remove("interim");
    userLine = null;
  }
}

function startBotLine() {
  botLine = addLine("bot", "");
  botLineHasTokens = false;
}

function appendBotText(text, fromTokens) {
  if (!botLine) startBotLine();
  if (!fromTokens && botLineHasTokens) return; // bot-output repeats the tokens already shown
  if (fromTokens) botLineHasTokens = true;
  botLine.textContent += text;
}

// ---------------------------------------------------------------- RTVI

function onRtvi(message) {
  const { type, data } = message;
  events.push({ at: performance.now(), type, data });
  switch (type) {
    case "bot-ready":
      setStatus("ready", "Connected: talk to the bot");
      break;
    case "user-started-speaking":
      setSpeaking(ui.userSpeaking, true);
      break;
    case "user-stopped-speaking":
      setSpeaking(ui.userSpeaking, false);
      break;
    case "bot-started-speaking":
      setSpeaking(ui.botSpeaking, true);
      break;
    case "bot-stopped-speaking":
      setSpeaking(ui.botSpeaking, false);
      break;
    case "user-transcription":
      showUserTranscript(data?.text ?? "", data?.final === true);
      break;
    case "bot-llm-started":
      startBotLine();
      break;
    case "bot-llm-stopped":
      botLine = null;
      break;
    case "bot-llm-text":
      appendBotText(data?.text ?? "", true);
      break;
    case "bot-output":
      appendBotText(data?.text ?? "", false);
      break;
    case "error":
    case "error-response":
      showError(data?.message ?? data?.error ?? "error");
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- WebSocket mode

/** Bot audio over the WebSocket, scheduled back to back; `clear()` silences it at once. */
class Playback {
  constructor() {
    this.context = new AudioContext();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.analyser.connect(this.context.destination);
    this.level = levelOf(this.analyser);
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

async function micCapture(stream, onFrame) {
  const context = new AudioContext();
  await context.audioWorklet.addModule("/mic-worklet.js");
  const source = context.createMediaStreamSource(stream);
  const worklet = new AudioWorkletNode(context, "mic-capture", { processorOptions: { frameSamples: MIC_FRAME_SAMPLES } });
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  const sink = context.createGain();
  sink.gain.value = 0; // keeps the worklet in the rendered graph without playing the mic back
  source.connect(worklet).connect(sink).connect(context.destination);
  source.connect(analyser);
  worklet.port.onmessage = (event) => onFrame(new Uint8Array(event.data));
  return { context, level: levelOf(analyser) };
}

async function connectWebSocket(key) {
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
    for (const track of stream.getTracks()) track.stop();
    playback.close();
    throw error;
  }

  ws = new WebSocket(url);
  let opened = false;
  ws.onopen = () => {
    opened = true;
    setStatus("connecting", "Waiting for the bot…");
    ws.send(JSON.stringify(clientReady()));
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    const message = JSON.parse(event.data);
    if (message.label === "rtvi-ai") return onRtvi(message);
    switch (message.type) {
      case "OutputAudioRawFrame":
      case "TTSAudioRawFrame":
        stats.botAudioFrames += 1;
        stats.lastBotAudioAt = performance.now();
        playback.play(fromBase64(message.data.audio), message.data.sample_rate, message.data.num_channels ?? 1);
        break;
      case "InterruptionFrame":
        stats.interruptions += 1;
        playback.clear();
        break;
      default:
        break;
    }
  };
  ws.onclose = (event) => {
    // Browsers hide why an upgrade failed: a refused key and a server that is down look alike.
    if (!opened) return hangUp("the server refused the WebSocket (is an API key needed, or is the server down?)");
    hangUp(event.code === 1000 || event.code === 1005 ? "" : `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
  };

  return {
    setMuted(value) {
      for (const track of stream.getAudioTracks()) track.enabled = !value; // a muted track sends silence
    },
    micLevel: mic.level,
    botLevel: playback.level,
    close() {
      ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, "hang up");
      for (const track of stream.getTracks()) track.stop();
      playback.close();
      void mic.context.close();
    },
  };
}

// ---------------------------------------------------------------- WebRTC mode

function iceGatheringComplete(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => pc.iceGatheringState === "complete" && done();
    const timer = setTimeout(done, ICE_GATHERING_LIMIT_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

async function connectWebRTC(key) {
  const headers = authHeaders(key);
  const started = await postJson("/start", { transport: "webrtc" }, headers);
  const stream = await openMicrophone();
  const pc = new RTCPeerConnection({ iceServers: started.iceConfig?.iceServers ?? [] });
  const [track] = stream.getAudioTracks();
  pc.addTransceiver(track, { direction: "sendrecv", streams: [stream] });
  const channel = pc.createDataChannel("chat", { ordered: true });

  const context = new AudioContext();
  const micAnalyser = context.createAnalyser();
  micAnalyser.fftSize = 1024;
  context.createMediaStreamSource(stream).connect(micAnalyser);
  const botAnalyser = context.createAnalyser();
  botAnalyser.fftSize = 1024;
  // Chrome only feeds a remote track into Web Audio while a media element plays it too.
  const speaker = new Audio();
  speaker.autoplay = true;
  pc.ontrack = (event) => {
    if (event.track.kind !== "audio") return;
    const remote = new MediaStream([event.track]);
    speaker.srcObject = remote;
    void speaker.play().catch(() => undefined);
    context.createMediaStreamSource(remote).connect(botAnalyser);
  };

  let pinger = 0;
  const sendSignalling = (message) => channel.readyState === "open" && channel.send(JSON.stringify({ type: "signalling", message }));
  channel.onopen = () => {
    setStatus("connecting", "Waiting for the bot…");
    sendSignalling({ type: "trackStatus", receiver_index: 0, enabled: !muted });
    channel.send(JSON.stringify(clientReady()));
    pinger = setInterval(() => channel.readyState === "open" && channel.send(`ping: ${Date.now()}`), PING_INTERVAL_MS);
  };
  channel.onmessage = (event) => {
    if (typeof event.data !== "string" || !event.data.startsWith("{")) return;
    const message = JSON.parse(event.data);
    if (message.type === "signalling") {
      if (message.message?.type === "peerLeft") hangUp("the bot left");
      return;
    }
    if (message.label === "rtvi-ai") onRtvi(message);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "failed") hangUp("the connection failed");
  };

  const opened = {
    setMuted(value) {
      track.enabled = !value;
      sendSignalling({ type: "trackStatus", receiver_index: 0, enabled: !value });
    },
    micLevel: levelOf(micAnalyser),
    botLevel: levelOf(botAnalyser),
    close() {
      clearInterval(pinger);
      sendSignalling({ type: "peerLeft" });
      channel.close();
      pc.close();
      for (const t of stream.getTracks()) t.stop();
      speaker.srcObject = null;
      void context.close();
    },
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc);
    const offerPath = `/sessions/${encodeURIComponent(started.sessionId)}/api/offer`;
    const answer = await postJson(offerPath, { sdp: pc.localDescription.sdp, type: "offer", pc_id: null, restart_pc: false }, headers);
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  } catch (error) {
    opened.close();
    throw error;
  }
  return opened;
}

// ---------------------------------------------------------------- connect / hang up / mute

function selectedMode() {
  return document.querySelector('input[name="mode"]:checked')?.value === "webrtc" ? "webrtc" : "websocket";
}

function setConnectedUi(connected) {
  ui.connect.textContent = connected ? "Hang up" : "Connect";
  ui.connect.dataset.connected = String(connected);
  ui.mute.disabled = !connected;
  for (const input of document.querySelectorAll('input[name="mode"]')) input.disabled = connected;
}

async function connect() {
  clearError();
  muted = false;
  ui.mute.setAttribute("aria-pressed", "false");
  ui.mute.textContent = "Mute";
  setConnectedUi(true);
  setStatus("connecting", "Connecting…");
  const mode = selectedMode();
  try {
    const opened = mode === "webrtc" ? await connectWebRTC(ui.apiKey.value.trim()) : await connectWebSocket(ui.apiKey.value.trim());
    if (ui.connect.dataset.connected !== "true") {
      opened.close(); // hung up while connecting
      return;
    }
    session = opened;
    meterTimer = setInterval(() => {
      ui.micLevel.value = session?.micLevel() ?? 0;
      ui.botLevel.value = session?.botLevel() ?? 0;
    }, METER_INTERVAL_MS);
  } catch (error) {
    hangUp(error instanceof Error ? error.message : String(error));
  }
}

function hangUp(problem = "") {
  clearInterval(meterTimer);
  session?.close();
  session = null;
  setConnectedUi(false);
  setSpeaking(ui.userSpeaking, false);
  setSpeaking(ui.botSpeaking, false);
  ui.micLevel.value = 0;
  ui.botLevel.value = 0;
  if (problem) {
    showError(problem);
    setStatus("error", "Disconnected");
  } else {
    setStatus("idle", "Not connected");
  }
}

ui.connect.addEventListener("click", () => (ui.connect.dataset.connected === "true" ? hangUp() : void connect()));
ui.mute.addEventListener("click", () => {
  muted = !muted;
  session?.setMuted(muted);
  ui.mute.setAttribute("aria-pressed", String(muted));
  ui.mute.textContent = muted ? "Unmute" : "Mute";
});

const requestedMode = new URLSearchParams(location.search).get("mode");
if (requestedMode === "webrtc" || requestedMode === "websocket") {
  document.querySelector(`input[name="mode"][value="${requestedMode}"]`).checked = true;
}

window.voxray = {
  get state() {
    return ui.status.dataset.state;
  },
  events,
  stats,
  levels: {
    mic: () => session?.micLevel() ?? 0,
    bot: () => session?.botLevel() ?? 0,
  },
};
