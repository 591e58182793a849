// Helpers both transports use: RTVI messages, HTTP calls, the microphone and audio levels.

export const RTVI_VERSION = "2.1.0";
const ABOUT = { library: "voxray-web", library_version: "0.1.0" };

/** An 8-hex-digit message id (crypto.randomUUID needs a secure context; this does not). */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function rtviMessage(type, data) {
  return { label: "rtvi-ai", type, id: randomId(), data };
}

export function clientReady() {
  return rtviMessage("client-ready", { version: RTVI_VERSION, about: { ...ABOUT, platform: navigator.platform || "web" } });
}

export function authHeaders(key) {
  return key ? { "X-API-Key": key } : {};
}

/** POSTs JSON; throws an Error carrying the server's error message on a non-2xx answer. */
export async function postJson(path, body, headers) {
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
    // not JSON: the status line says enough
  }
  if (!res.ok) throw new Error(`${path}: ${parsed?.error?.message ?? `${res.status} ${res.statusText}`}`);
  return parsed;
}

export async function openMicrophone() {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("this page needs a secure context (https or localhost) to use the microphone");
  }
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}

export function stopTracks(stream) {
  for (const track of stream.getTracks()) track.stop();
}

/** An AnalyserNode and a reader of its latest RMS (0..1). */
export function levelMeter(context) {
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  const samples = new Float32Array(analyser.fftSize);
  const level = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    return Math.sqrt(sum / samples.length);
  };
  return { analyser, level };
}
