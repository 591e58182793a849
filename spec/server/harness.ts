// Test harness for the real server: serve() on 127.0.0.1:0 and real `ws` clients.

import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { parseConfig } from "../../lib/config/load.ts";
import { serve, type RunningServer, type ServeOptions } from "../../lib/server/serve.ts";

export interface TestServer extends RunningServer {
  readonly wsUrl: string;
}

/**
 * The real server on a free loopback port. Transport specs want the microphone echoed live,
 * so turn detection is off unless a spec turns it on.
 */
export async function startServer(config: Record<string, unknown> = {}, options: ServeOptions = {}): Promise<TestServer> {
  const base = { host: "127.0.0.1", port: 0, log_level: "silent", turn_detection: "none" };
  const running = await serve(parseConfig({ ...base, ...config }), {
    handleSignals: false,
    print: () => {},
    shutdownTimeoutMs: 3_000,
    ...options,
  });
  return { ...running, wsUrl: running.url.replace(/^http/, "ws") };
}

export interface Received {
  readonly data: Buffer;
  readonly binary: boolean;
  /** performance.now() when the client got it. */
  readonly at: number;
}

export interface TestClient {
  readonly ws: WebSocket;
  readonly received: Received[];
  /** Text messages parsed as JSON, in order. */
  json(): any[];
  /** Resolves with the first received message (past or future) that `pred` accepts. */
  waitFor(pred: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(data: string | Uint8Array): void;
  close(): void;
}

export function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  const received: Received[] = [];
  const listeners = new Set<() => void>();
  ws.on("message", (data: Buffer, binary: boolean) => {
    received.push({ data, binary, at: performance.now() });
    for (const l of [...listeners]) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const l of [...listeners]) l();
    }),
  );
  const client: TestClient = {
    ws,
    received,
    json: () => received.filter((m) => !m.binary).map((m) => JSON.parse(m.data.toString("utf8"))),
    waitFor(pred, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = received.find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error("socket closed before the expected message"));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching message within ${timeoutMs} ms (got ${received.length})`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    closed,
    send: (data) => ws.send(data),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
  });
}

/** The HTTP status an upgrade attempt was refused with (or "open" if it succeeded). */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("error", (e) => reject(e));
  });
}

/** PCM16LE mono: a 440 Hz tone of `ms` milliseconds. */
export function tone(ms: number, rate = 16_000): Uint8Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return new Uint8Array(out.buffer);
}

export function jsonAudio(pcm: Uint8Array, rate = 16_000): string {
  return JSON.stringify({
    type: "InputAudioRawFrame",
    data: { audio: Buffer.from(pcm).toString("base64"), sample_rate: rate, num_channels: 1 },
  });
}

/** Milliseconds of audio in JSON OutputAudioRawFrame messages. */
export function audioMs(messages: readonly any[]): number {
  let ms = 0;
  for (const m of messages) {
    if (m.type !== "OutputAudioRawFrame") continue;
    ms += (Buffer.from(m.data.audio, "base64").length / 2 / m.data.num_channels / m.data.sample_rate) * 1000;
  }
  return ms;
}

export const isJsonType = (type: string) => (m: Received): boolean =>
  !m.binary && (JSON.parse(m.data.toString("utf8")) as { type?: string }).type === type;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fetch Response's JSON body, loosely typed for assertions. */
export const bodyOf = (res: Response): Promise<any> => res.json() as Promise<any>;
