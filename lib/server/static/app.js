// Voxray browser client: talk to the server's voice pipeline over WebSocket or WebRTC
// (websocketSession.js, webrtcSession.js). Both speak RTVI 2.1: the page sends
// `client-ready`, the bot answers `bot-ready`, and from then on the server reports speaking
// state, transcripts and bot text as RTVI events, which this file shows.
//
// `window.voxray` exposes the state, the RTVI events received, counters and the audio levels,
// for the browser console and for tests.

import { connectWebRTC } from "./webrtcSession.js";
import { connectWebSocket } from "./websocketSession.js";

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
  transcriptHint: $("transcript-hint"),
  error: $("error"),
};

/** The open session: {setMuted(b), micLevel(), botLevel(), close()}, or null. */
let session = null;
let muted = false;
let meterTimer = 0;
const events = [];
const stats = { botAudioFrames: 0, interruptions: 0 };

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function setSpeaking(element, speaking) {
  element.dataset.speaking = String(speaking);
}

// ---------------------------------------------------------------- transcript

let userLine = null; // the user's transcript in progress (interim results)
let botLine = null; // the bot's current reply
let botLineHasTokens = false;

function addLine(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  ui.transcriptHint.hidden = true;
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

// ---------------------------------------------------------------- RTVI events

function onRtvi(message) {
  const { type, data } = message;
  events.push({ at: performance.now(), type, data });
  switch (type) {
    case "bot-ready":
      return setStatus("ready", "Connected: talk to the bot");
    case "user-started-speaking":
      return setSpeaking(ui.userSpeaking, true);
    case "user-stopped-speaking":
      return setSpeaking(ui.userSpeaking, false);
    case "bot-started-speaking":
      return setSpeaking(ui.botSpeaking, true);
    case "bot-stopped-speaking":
      return setSpeaking(ui.botSpeaking, false);
    case "user-transcription":
      return showUserTranscript(data?.text ?? "", data?.final === true);
    case "bot-llm-started":
      return startBotLine();
    case "bot-llm-stopped":
      botLine = null;
      return;
    case "bot-llm-text":
      return appendBotText(data?.text ?? "", true);
    case "bot-output":
      return appendBotText(data?.text ?? "", false);
    case "error":
    case "error-response":
      return showError(data?.message ?? data?.error ?? "error");
    default:
      return;
  }
}

// ---------------------------------------------------------------- connect / hang up / mute

const hooks = {
  onRtvi,
  onWaiting: () => setStatus("connecting", "Waiting for the bot…"),
  onEnded: (problem) => hangUp(problem),
  stats,
};

function selectedMode() {
  return document.querySelector('input[name="mode"]:checked')?.value === "webrtc" ? "webrtc" : "websocket";
}

function setConnectedUi(connected) {
  ui.connect.textContent = connected ? "Hang up" : "Connect";
  ui.connect.dataset.connected = String(connected);
  ui.mute.disabled = !connected;
  for (const input of document.querySelectorAll('input[name="mode"]')) input.disabled = connected;
}

function setMuteUi() {
  ui.mute.setAttribute("aria-pressed", String(muted));
  ui.mute.textContent = muted ? "Unmute" : "Mute";
}

async function connect() {
  ui.error.hidden = true;
  muted = false;
  setMuteUi();
  setConnectedUi(true);
  setStatus("connecting", "Connecting…");
  const key = ui.apiKey.value.trim();
  try {
    const opened = selectedMode() === "webrtc" ? await connectWebRTC(key, hooks) : await connectWebSocket(key, hooks);
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
  setMuteUi();
});
// Leaving the page hangs up, so the server ends the session now rather than on a timeout.
addEventListener("pagehide", () => session && hangUp());

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
