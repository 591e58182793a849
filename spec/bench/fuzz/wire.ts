// Over-the-wire fuzz targets against the server child, and the witness session.
//
//   http     random and mutated requests to the server's routes (JSON bodies for /start and the
//            signalling routes, offers whose SDP is mutated lightly enough that many reach
//            werift's negotiation, garbage bodies, wrong content types, random paths and
//            methods). A 500 answer is a crash (an exception other than the documented ones).
//   ws       "fed" sessions (JSON or protobuf, with or without RTVI) receive mutated envelopes,
//            protobuf frames and garbage; the server may answer with errors and close a session
//            after 50 bad messages (1008), and the fuzzer opens another. A close with 1011
//            (internal error) is a crash.
//   witness  one more session, running the echo pipeline, that nobody fuzzes: it sends 20 ms
//            of 24 kHz audio every 20 ms (a counting pattern) and must get exactly that audio
//            back, in order, for the whole run. Anything else means a fuzzed session affected it.

import { request, Agent } from "node:http";
import WebSocket from "ws";
import { pipecatProtoRoot } from "../../../lib/serializers/protobuf.ts";
import { ENVELOPE_KEYS, jsonEnvelopes, protobufFrames } from "./corpus.ts";
import { preview } from "./parsers.ts";
import { mutateBytes, mutateJson, mutateText, randomBytes, randomJson, randomString, type Rng } from "./random.ts";

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");

export interface WireCrash {
  readonly target: string;
  readonly input: string;
  readonly error: string;
}

export interface WireResult {
  readonly inputs: number;
  readonly rejected: number;
  readonly crashes: WireCrash[];
  /** Informational: connections reset without an answer, abnormal closes. */
  readonly resets: number;
  /** Informational: 2xx answers (HTTP), e.g. offers that werift negotiated. */
  readonly accepted?: number;
}

interface HttpCase {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD). */
function pathSegment(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).padStart(2, "0").toUpperCase()}`;
  }
  return out;
}

function httpCase(rng: Rng, offer: string, started: readonly string[]): HttpCase {
  const uuid = started.length > 0 && rng.chance(0.8) ? rng.pick(started) : "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e";
  const r = rng.next();
  const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v) ?? "");
  const keys = ["sdp", "type", "pc_id", "restart_pc", "request_data", "candidates", "transport", "body", "enableDefaultIceServers"];
  let method = "POST";
  let path: string;
  let body: Uint8Array;
  if (r < 0.2) {
    path = rng.pick(["/api/offer", "/api/v1/api/offer", `/sessions/${uuid}/api/offer`, `/api/v1/sessions/${uuid}/offer`]);
    const sdp = rng.chance(0.5) ? offer : mutateText(rng, offer);
    body = json(rng.chance(0.7) ? { sdp, type: "offer" } : mutateJson(rng, { sdp, type: "offer", pc_id: null, restart_pc: rng.chance(0.2) }, keys));
  } else if (r < 0.25) {
    path = rng.pick(["/webrtc/offer", "/api/v1/webrtc/offer"]);
    const sdp = rng.chance(0.5) ? offer : mutateText(rng, offer);
    body = json(mutateJson(rng, { offer: JSON.stringify({ type: "offer", sdp }) }, ["offer", "request_data", "type", "sdp"]));
  } else if (r < 0.4) {
    method = "PATCH";
    path = rng.pick(["/api/offer", `/sessions/${uuid}/api/offer`, `/sessions/${pathSegment(randomString(rng, 12))}/api/offer`]);
    body = json(mutateJson(rng, { pc_id: "x", candidates: [{ candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdp_mid: "0" }] }, keys));
  } else if (r < 0.6) {
    path = rng.pick(["/start", "/api/v1/start"]);
    body = json(mutateJson(rng, { transport: "webrtc", body: { user: "a" }, enableDefaultIceServers: true }, keys));
  } else if (r < 0.7) {
    path = rng.pick(["/token", "/api/v1/token", "/health", "/ready", "/metrics"]);
    method = rng.pick(["POST", "GET", "HEAD", "PUT"]);
    body = randomBytes(rng, 256);
  } else if (r < 0.85) {
    path = rng.pick(["/start", "/api/offer", "/sessions/x/api/offer", "/token"]);
    body = rng.chance(0.5) ? randomBytes(rng, 4096) : json(randomJson(rng, 4, keys));
  } else {
    path = `/${pathSegment(randomString(rng, 24))}/${rng.pick(["api/offer", "start", "..", "%", "%zz"])}`;
    method = rng.pick(["POST", "GET", "DELETE", "OPTIONS", "PATCH", "BREW"]);
    body = randomBytes(rng, 128);
  }
  const headers: Record<string, string> = {
    "content-type": rng.pick(["application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data; boundary=x", "application/sdp", ""]),
  };
  if (rng.chance(0.1)) headers["idempotency-key"] = randomString(rng, 300).replace(/[^\x20-\x7e]/g, "a");
  if (rng.chance(0.05)) headers["authorization"] = `Bearer ${randomString(rng, 20).replace(/[^\x20-\x7e]/g, "b")}`;
  return { method, path, headers, body };
}

function send(agent: Agent, base: URL, c: HttpCase): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    let req: ReturnType<typeof request>;
    try {
      req = request(
      { agent, host: base.hostname, port: base.port, method: c.method, path: c.path, headers: { ...c.headers, "content-length": String(c.body.byteLength) } },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8").slice(0, 300) }));
        res.on("error", (e) => resolve({ error: e.message }));
      },
      );
    } catch (error) {
      // The client library itself refused the request (e.g. a header it cannot send).
      resolve({ error: `not sent: ${(error as Error).message}` });
      return;
    }
    req.setTimeout(15_000, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ error: e.message }));
    req.end(c.body);
  });
}

export async function fuzzHttp(rng: Rng, url: string, offer: string, count: number, parallel = 4): Promise<WireResult> {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  const crashes: WireCrash[] = [];
  let next = 0;
  let rejected = 0;
  let resets = 0;
  const started: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const c = httpCase(rng, offer, started);
      const result = await send(agent, base, c);
      const id = "status" in result && result.status === 201 ? /"sessionId":"([0-9a-f-]{36})"/.exec(result.body)?.[1] : undefined;
      if (id && started.length < 200) started.push(id);
      if ("error" in result) resets++;
      else if (result.status >= 500 && result.status !== 503) {
        crashes.push({ target: "http", input: `${c.method} ${c.path} ${preview(Buffer.from(c.body).toString("utf8"))}`, error: `${result.status} ${result.body}` });
      } else if (result.status >= 400) rejected++;
      else if (result.status >= 200 && result.status < 300) accepted++;
    }
  };
  let accepted = 0;
  await Promise.all(Array.from({ length: parallel }, worker));
  agent.destroy();
  return { inputs: count, rejected, crashes, resets, accepted };
}

/** Sessions fed garbage over WebSocket; a new one is opened whenever the server closes one. */
export async function fuzzWebSocket(rng: Rng, url: string, count: number): Promise<WireResult> {
  const wsBase = url.replace(/^http/, "ws");
  const envelopes = jsonEnvelopes().map((e) => JSON.stringify(e));
  const envelopeObjects = jsonEnvelopes();
  const frames = protobufFrames();
  const crashes: WireCrash[] = [];
  let sent = 0;
  let resets = 0;
  while (sent < count) {
    const protobuf = rng.chance(0.5);
    const query = protobuf ? "format=protobuf" : rng.pick(["", "format=json", "rtvi=1", "format=json&rtvi=1"]);
    const ws = new WebSocket(`${wsBase}/ws?${query}`, { perMessageDeflate: false });
    let lastInput = "";
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.on("error", () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
      ws.once("open", () => resolve(true));
      ws.once("error", () => resolve(false));
    });
    if (!opened) {
      resets++;
      continue;
    }
    ws.on("message", () => undefined);
    // Up to 120 messages per session: past 50 malformed ones the server closes it (1008).
    for (let i = 0; i < 120 && sent < count && ws.readyState === WebSocket.OPEN; i++) {
      sent++;
      const r = rng.next();
      let data: string | Uint8Array;
      if (protobuf) data = r < 0.8 ? mutateBytes(rng, rng.pick(frames), rng.pick(frames)) : r < 0.95 ? randomBytes(rng, 1024) : randomString(rng, 64);
      else if (r < 0.4) data = JSON.stringify(mutateJson(rng, rng.pick(envelopeObjects), ENVELOPE_KEYS)) ?? "null";
      else if (r < 0.75) data = mutateText(rng, rng.pick(envelopes));
      else if (r < 0.9) data = JSON.stringify(randomJson(rng, 3, ENVELOPE_KEYS)) ?? "null";
      else data = randomBytes(rng, 512);
      lastInput = preview(data);
      ws.send(data);
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (ws.readyState === WebSocket.OPEN) ws.close();
    const code = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 3_000))]);
    if (code === 1011) crashes.push({ target: "ws", input: lastInput, error: "server closed the session with 1011 (internal error)" });
    else if (code === 1006 || code === -1) resets++;
    if (code === -1) ws.terminate();
  }
  return { inputs: sent, rejected: 0, crashes, resets };
}

/** The untouched session. `check()` says whether it got back exactly what it sent. */
export class Witness {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private sentSamples = 0;
  private receivedSamples = 0;
  private frameNo = 0;
  private lastRx = 0;
  maxGapMs = 0;
  problem: string | null = null;

  async start(url: string): Promise<void> {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws?format=protobuf`, { perMessageDeflate: false });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("close", (code) => {
      if (this.timer) this.problem ??= `witness socket closed (${code}) during the run`;
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data[0] !== 0x12) return;
      const frame = FrameMessage.toObject(FrameMessage.decode(data)) as { audio?: { audio?: Uint8Array; sample_rate?: number } };
      const audio = frame.audio?.audio;
      if (!audio) return;
      if (frame.audio?.sample_rate !== 24_000) this.problem ??= `witness got audio at ${frame.audio?.sample_rate} Hz`;
      const samples = new Int16Array(audio.buffer.slice(audio.byteOffset, audio.byteOffset + audio.byteLength));
      for (const s of samples) {
        if (s !== patternAt(this.receivedSamples)) {
          this.problem ??= `witness audio differs at sample ${this.receivedSamples}: got ${s}, sent ${patternAt(this.receivedSamples)}`;
          break;
        }
        this.receivedSamples++;
      }
      const now = performance.now();
      if (this.lastRx > 0) this.maxGapMs = Math.max(this.maxGapMs, now - this.lastRx);
      this.lastRx = now;
    });
    const SAMPLES = 480; // 20 ms at 24 kHz
    this.timer = setInterval(() => {
      const pcm = new Int16Array(SAMPLES);
      for (let i = 0; i < SAMPLES; i++) pcm[i] = patternAt(this.sentSamples + i);
      this.sentSamples += SAMPLES;
      const frame = FrameMessage.encode({ audio: { id: ++this.frameNo, name: "audio", audio: new Uint8Array(pcm.buffer), sample_rate: 24_000, num_channels: 1 } }).finish();
      ws.send(frame);
    }, 20);
  }

  /** Stops sending, waits for the echo to catch up, and says what went wrong (null = nothing). */
  async finish(): Promise<string | null> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (let i = 0; i < 50 && this.receivedSamples < this.sentSamples && !this.problem; i++) await new Promise((r) => setTimeout(r, 100));
    if (!this.problem && this.receivedSamples !== this.sentSamples) {
      this.problem = `witness sent ${this.sentSamples} samples and got ${this.receivedSamples} back`;
    }
    this.ws?.close();
    return this.problem;
  }

  get seconds(): number {
    return this.sentSamples / 24_000;
  }
}

/** The witness's counting pattern: distinct values, never silent. */
function patternAt(sample: number): number {
  return ((sample * 7) % 30_000) - 15_000;
}
