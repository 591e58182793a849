// The WebRTC mode, as Pipecat's small-webrtc client does it:
//
//   POST /start                      → {sessionId, iceConfig} (the server's STUN/TURN servers)
//   offer with the microphone track  → /sessions/{id}/api/offer, sent once ICE gathering is
//                                      complete (at most 2 s), so no candidate trickling
//   remote audio track               → played by an <audio> element and measured
//   data channel "chat"              → RTVI both ways, trackStatus on mute, and "ping: <ms>"
//                                      every second (the server's keepalive)

import { authHeaders, clientReady, levelMeter, openMicrophone, postJson, stopTracks } from "./shared.js";

const PING_INTERVAL_MS = 1000;
const ICE_GATHERING_LIMIT_MS = 2000;

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

/** Opens a session; `hooks` as for connectWebSocket. */
export async function connectWebRTC(key, hooks) {
  const headers = authHeaders(key);
  const started = await postJson("/start", { transport: "webrtc" }, headers);
  const stream = await openMicrophone();
  const pc = new RTCPeerConnection({ iceServers: started.iceConfig?.iceServers ?? [] });
  const [track] = stream.getAudioTracks();
  pc.addTransceiver(track, { direction: "sendrecv", streams: [stream] });
  const channel = pc.createDataChannel("chat", { ordered: true });

  const context = new AudioContext();
  const mic = levelMeter(context);
  context.createMediaStreamSource(stream).connect(mic.analyser);
  const bot = levelMeter(context);
  // Chrome only feeds a remote track into Web Audio while a media element plays it too.
  const speaker = new Audio();
  speaker.autoplay = true;
  pc.ontrack = (event) => {
    if (event.track.kind !== "audio") return;
    const remote = new MediaStream([event.track]);
    speaker.srcObject = remote;
    void speaker.play().catch(() => undefined);
    context.createMediaStreamSource(remote).connect(bot.analyser);
  };

  let muted = false;
  let pinger = 0;
  const sendSignalling = (message) => channel.readyState === "open" && channel.send(JSON.stringify({ type: "signalling", message }));
  channel.onopen = () => {
    hooks.onWaiting();
    sendSignalling({ type: "trackStatus", receiver_index: 0, enabled: !muted });
    channel.send(JSON.stringify(clientReady()));
    pinger = setInterval(() => channel.readyState === "open" && channel.send(`ping: ${Date.now()}`), PING_INTERVAL_MS);
  };
  channel.onmessage = (event) => {
    if (typeof event.data !== "string" || !event.data.startsWith("{")) return;
    const message = JSON.parse(event.data);
    if (message.type === "signalling") {
      if (message.message?.type === "peerLeft") hooks.onEnded("the bot left");
      return;
    }
    if (message.label === "rtvi-ai") hooks.onRtvi(message);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "failed") hooks.onEnded("the connection failed");
  };

  const opened = {
    setMuted(value) {
      muted = value;
      track.enabled = !value;
      sendSignalling({ type: "trackStatus", receiver_index: 0, enabled: !value });
    },
    micLevel: mic.level,
    botLevel: bot.level,
    close() {
      clearInterval(pinger);
      sendSignalling({ type: "peerLeft" });
      channel.close();
      pc.close();
      stopTracks(stream);
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
