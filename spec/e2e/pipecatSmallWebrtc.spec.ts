// Pipecat's official browser client (@pipecat-ai/client-js + @pipecat-ai/small-webrtc-transport,
// bundled as npm ships them) against the server in real Chromium: startBotAndConnect() posts
// /start, derives /sessions/{id}/api/offer from it, trickles its candidates with PATCH, and
// resolves only when bot-ready arrives over the "chat" data channel. The /start `body` reaches
// the session's pipeline, and the session ends when the client disconnects.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium, type ChromiumSession } from "../support/chromium.ts";
import { openPipecatPage, pipecatPageExtension } from "../support/pipecatClient/bundle.ts";
import { startVoiceServer, type VoiceServer } from "./harness.ts";

const missing = chromiumMissing();

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(missing)("Pipecat's SmallWebRTC client (Chromium)", () => {
  let voice: VoiceServer;
  let chrome: ChromiumSession;

  beforeAll(async () => {
    voice = await startVoiceServer({}, [await pipecatPageExtension()]);
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await voice?.close();
  });

  it("starts a bot through /start and /sessions/{id}/api/offer and reaches ready on bot-ready", async () => {
    const { page } = chrome;
    // Statuses as the page saw them. Bodies only where the client reads them: Chromium never
    // finishes loading an unread fetch body, so Playwright could not return it.
    const calls: { method: string; path: string; status: number }[] = [];
    let startBody: Promise<string> | undefined;
    page.on("response", (res) => {
      const { pathname } = new URL(res.url());
      if (pathname.startsWith("/__pipecat")) return;
      calls.push({ method: res.request().method(), path: pathname, status: res.status() });
      if (pathname === "/start") startBody = res.text();
    });
    await openPipecatPage(page, voice.server.url);

    const result = (await page.evaluate(`(async () => {
      const { PipecatClient, SmallWebRTCTransport, WavMediaManager } = window.Pipecat;
      const states = [];
      let botReady = null;
      const client = new PipecatClient({
        transport: new SmallWebRTCTransport({ mediaManager: new WavMediaManager(512, 16000) }),
        enableMic: true,
        enableCam: false,
        callbacks: {
          onTransportStateChanged: (state) => states.push(state),
          onBotReady: (data) => { botReady = data; },
        },
      });
      window.__client = client;
      const connected = await client.startBotAndConnect({
        endpoint: location.origin + "/start",
        requestData: { body: { persona: "tester" } },
      });
      return { states, state: client.state, botReady, connected };
    })()`)) as { states: string[]; state: string; botReady: any; connected: any };

    expect(result.state).toBe("ready");
    expect(result.connected).toMatchObject({ version: "2.1.0", about: { library: "voxray" } });
    expect(result.botReady).toEqual(result.connected);
    expect(result.states).toEqual(expect.arrayContaining(["authenticating", "authenticated", "connecting", "connected", "ready"]));

    const start = calls.find((c) => c.method === "POST" && c.path === "/start");
    expect(start?.status).toBe(201);
    const { sessionId } = JSON.parse((await startBody) ?? "{}") as { sessionId: string };
    const offerPath = `/sessions/${sessionId}/api/offer`;
    await until(() => calls.some((c) => c.method === "POST" && c.path === offerPath), 2000, "the offer response");
    expect(calls.find((c) => c.method === "POST" && c.path === offerPath)?.status).toBe(200);

    // The bot runs as the /start session, with the /start body as its session body.
    await until(() => voice.frames.some((f) => f.type === "StartFrame"), 2000, "the session's StartFrame");
    expect(voice.frames.find((f) => f.type === "StartFrame")).toMatchObject({ session: sessionId, body: { persona: "tester" } });
    expect(voice.server.sessions.get(sessionId)?.kind).toBe("webrtc");

    // The server notices a client that went away by its missing keepalive pings (3 s); the
    // first ping arms that watch, and the client sends one every second once connected.
    // (A client gone before its first ping is not noticed: see the report on chatChannel.ts.)
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const session = voice.server.sessions.get(sessionId);
    await page.evaluate("window.__client.disconnect()");
    const done = await session?.done;
    expect(done?.reason).toBe("disconnect");
    // Trickled candidates went to the session's PATCH route and were applied.
    const patches = calls.filter((c) => c.method === "PATCH" && c.path === offerPath);
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((p) => p.status === 200)).toBe(true);
  });
});
