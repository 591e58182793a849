// End-to-end setup: the real server in process (echo of each finished user turn, with Silero
// turn-taking in front), real Chromium running the bundled browser client, and a fake
// microphone playing two sentences made offline with flite:
//
//   2.0 s silence | "Hello there, can you hear me?" | 1.3 s | "Stop, I am talking over you now." | 1.5 s
//
// The first sentence becomes a user turn (~0.8 s after it ends) and the bot starts echoing
// it back; the second starts while the bot still speaks, so it barges in. The leading
// silence covers the time the page needs to connect (the fake microphone starts playing at
// getUserMedia, and audio before the connection is up is lost).
//
// The page samples its own bot-audio level every 20 ms (an AnalyserNode on the remote track
// or on the played buffers) and keeps the RTVI events it received, both on the page clock.

import { tap } from "rxjs";
import { expect } from "vitest";
import { parseConfig } from "../../lib/config/load.ts";
import type { Frame } from "../../lib/frames/index.ts";
import { processor } from "../../lib/pipeline/processor.ts";
import { turnTakingStage } from "../../lib/processors/voice/turn/index.ts";
import { createRunnerExtension } from "../../lib/server/runnerRoutes.ts";
import { serve, type RunningServer, type ServerExtension } from "../../lib/server/serve.ts";
import type { SessionStage } from "../../lib/server/sessionPipeline.ts";
import { staticExtension } from "../../lib/server/static.ts";
import { createWebrtcExtension } from "../../lib/server/webrtcRoutes.ts";
import type { Page } from "playwright-core";
import { makeSpeechWav, type SpeechWav } from "../support/speech.ts";

export const BARGE_IN_SPEECH = {
  rate: 48000,
  segments: [
    { silenceMs: 2000 },
    { say: "Hello there, can you hear me?" },
    { silenceMs: 1300 },
    { say: "Stop, I am talking over you now." },
    { silenceMs: 1500 },
  ],
} as const;

export function bargeInWav(): Promise<SpeechWav> {
  return makeSpeechWav(BARGE_IN_SPEECH);
}

export interface ServerFrame {
  readonly at: number;
  readonly type: string;
  readonly session: string;
  readonly body?: unknown;
}

export interface VoiceServer {
  readonly server: RunningServer;
  /** Turn-taking frames seen after the turn stage, server side, with the session's body. */
  readonly frames: ServerFrame[];
  /** Microphone frames (InputAudioRawFrame) each session received, by session id. */
  readonly inputAudio: Map<string, number>;
  close(): Promise<void>;
}

const RECORDED = new Set(["VADUserStartedSpeakingFrame", "VADUserStoppedSpeakingFrame", "UserStartedSpeakingFrame", "InterruptionFrame", "StartFrame"]);

/** The echo-with-turns server, WebSocket and WebRTC (loopback peers), the browser client at /. */
export async function startVoiceServer(config: Record<string, unknown> = {}, extra: readonly ServerExtension[] = []): Promise<VoiceServer> {
  const extensions = [createWebrtcExtension({ peer: { loopbackOnly: true } }), createRunnerExtension(), staticExtension, ...extra];
  const frames: ServerFrame[] = [];
  const inputAudio = new Map<string, number>();
  const recorder: SessionStage = (ctx) => [
    processor("recorder", () => ({
      down: tap((f: Frame) => {
        if (f.type === "InputAudioRawFrame") inputAudio.set(ctx.session.id, (inputAudio.get(ctx.session.id) ?? 0) + 1);
        if (RECORDED.has(f.type)) frames.push({ at: performance.now(), type: f.type, session: ctx.session.id, body: ctx.session.body });
      }),
    })),
  ];
  const server = await serve(
    parseConfig({
      host: "127.0.0.1",
      port: 0,
      log_level: "silent",
      transport: "both",
      webrtc_ice_servers: [],
      plugins: ["echo"],
      plugin_options: { echo: { source: "turn" } },
      ...config,
    }),
    {
      handleSignals: false,
      print: () => {},
      shutdownTimeoutMs: 2_000,
      stages: [(ctx, c) => turnTakingStage(ctx, c), recorder],
      extensions,
    },
  );
  return { server, frames, inputAudio, close: () => server.close() };
}

export interface PageEvent {
  readonly at: number;
  readonly type: string;
}

export interface LevelSample {
  readonly at: number;
  /** RMS of the bot audio the page plays, 0..1. */
  readonly bot: number;
  /** Bot audio frames received so far (WebSocket mode). */
  readonly frames: number;
}

/** Opens the browser client in `mode`, starts the level sampler and presses Connect. */
export async function connectClient(page: Page, url: string, mode: "websocket" | "webrtc"): Promise<void> {
  await page.goto(`${url}/?mode=${mode}`);
  await page.evaluate(`(() => {
    window.__levels = [];
    setInterval(() => window.__levels.push({ at: performance.now(), bot: window.voxray.levels.bot(), frames: window.voxray.stats.botAudioFrames }), 20);
  })()`);
  await page.click("#connect");
}

/**
 * Resolves once the page has seen `count` user-stopped-speaking events. Polls with
 * page.evaluate: the page's CSP forbids the eval that page.waitForFunction uses.
 */
export async function waitForUserTurns(page: Page, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const seen = async (): Promise<number> =>
    (await page.evaluate(`window.voxray.events.filter((e) => e.type === "user-stopped-speaking").length`)) as number;
  let turns = 0;
  while ((turns = await seen()) < count) {
    if (performance.now() > deadline) throw new Error(`the page saw ${turns} of ${count} user turns within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function pageRecord(page: Page): Promise<{ events: PageEvent[]; levels: LevelSample[]; interruptions: number }> {
  return (await page.evaluate(`({
    events: window.voxray.events.map((e) => ({ at: e.at, type: e.type })),
    levels: window.__levels,
    interruptions: window.voxray.stats.interruptions,
  })`)) as { events: PageEvent[]; levels: LevelSample[]; interruptions: number };
}

export const timesOf = (events: readonly PageEvent[], type: string): number[] => events.filter((e) => e.type === type).map((e) => e.at);

export function maxLevel(levels: readonly LevelSample[], from: number, to: number): number {
  return Math.max(0, ...levels.filter((l) => l.at >= from && l.at < to).map((l) => l.bot));
}

export function framesBetween(levels: readonly LevelSample[], from: number, to: number): number {
  const inside = levels.filter((l) => l.at >= from && l.at < to);
  return inside.length === 0 ? 0 : inside[inside.length - 1]!.frames - inside[0]!.frames;
}

/** Bot audio decays this fast at most after the server stops it (jitter buffer, fade-out). */
export const STOP_GRACE_MS = 400;

/**
 * The barge-in story as the page lived it: the server heard both sentences (user turns), the
 * bot's echo of the first reached the page as audible audio, the second sentence interrupted it
 * while it was still speaking, and the page heard (next to) nothing from the bot until the end
 * of that second turn.
 */
export function expectBargeIn(record: { events: PageEvent[]; levels: LevelSample[] }): { botMs: number; silentMs: number; peak: number; after: number } {
  const { events, levels } = record;
  expect(timesOf(events, "bot-ready")).toHaveLength(1);
  const userStarted = timesOf(events, "user-started-speaking");
  const userStopped = timesOf(events, "user-stopped-speaking");
  const botStarted = timesOf(events, "bot-started-speaking");
  const botStopped = timesOf(events, "bot-stopped-speaking");
  expect(userStarted.length).toBeGreaterThanOrEqual(2);
  expect(userStopped.length).toBeGreaterThanOrEqual(2);
  const [botStart] = botStarted;
  const interruptAt = userStarted[1]!;
  const secondTurnEnd = userStopped[1]!;
  expect(botStart).toBeDefined();
  // ≥: a page the machine held up reads both messages in one task, at one (coarse) performance.now().
  expect(botStart!).toBeGreaterThanOrEqual(userStopped[0]!);
  expect(events.findIndex((e) => e.type === "bot-started-speaking")).toBeGreaterThan(events.findIndex((e) => e.type === "user-stopped-speaking"));
  expect(botStart!).toBeLessThan(interruptAt);
  // The bot was still speaking when the user cut in, and stopped at that moment.
  const stop = botStopped.find((t) => t >= botStart!);
  expect(stop).toBeDefined();
  expect(stop!).toBeGreaterThanOrEqual(interruptAt - 50);
  expect(stop! - interruptAt).toBeLessThan(300);

  const peak = maxLevel(levels, botStart!, interruptAt + 100);
  expect(peak).toBeGreaterThan(0.05);
  const quietFrom = interruptAt + STOP_GRACE_MS;
  expect(secondTurnEnd - quietFrom).toBeGreaterThan(800);
  const after = maxLevel(levels, quietFrom, secondTurnEnd);
  expect(after).toBeLessThan(0.01);
  return { botMs: interruptAt - botStart!, silentMs: secondTurnEnd - quietFrom, peak, after };
}
