// Pipecat's official browser client (@pipecat-ai/client-js + @pipecat-ai/websocket-transport)
// against /ws?format=protobuf in real Chromium: its protobuf frames carry the RTVI handshake
// both ways, and connect() resolves (state "ready") only once bot-ready has arrived.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium, type ChromiumSession } from "../support/chromium.ts";
import { openPipecatPage, pipecatPageExtension } from "../support/pipecatClient/bundle.ts";
import { startVoiceServer, type VoiceServer } from "./harness.ts";

const missing = chromiumMissing();

describe.skipIf(missing)("Pipecat's WebSocket client (Chromium)", () => {
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

  it("completes the RTVI handshake over protobuf and streams its microphone", async () => {
    const { page } = chrome;
    await openPipecatPage(page, voice.server.url);
    const wsUrl = `${voice.server.url.replace(/^http/, "ws")}/ws?format=protobuf`;

    const result = (await page.evaluate(`(async () => {
      const { PipecatClient, WebSocketTransport, WebSocketWavMediaManager } = window.Pipecat;
      const states = [];
      let botReady = null;
      const client = new PipecatClient({
        transport: new WebSocketTransport({ mediaManager: new WebSocketWavMediaManager(512, 16000) }),
        enableMic: true,
        enableCam: false,
        callbacks: {
          onTransportStateChanged: (state) => states.push(state),
          onBotReady: (data) => { botReady = data; },
        },
      });
      window.__client = client;
      const connected = await client.connect({ wsUrl: ${JSON.stringify(wsUrl)} });
      return { states, state: client.state, botReady, connected };
    })()`)) as { states: string[]; state: string; botReady: unknown; connected: unknown };

    expect(result.state).toBe("ready");
    expect(result.connected).toMatchObject({ version: "2.1.0", about: { library: "voxray" } });
    expect(result.botReady).toEqual(result.connected);
    expect(result.states).toEqual(expect.arrayContaining(["connecting", "connected", "ready"]));

    const [session] = voice.server.sessions.all();
    expect(session?.kind).toBe("websocket");
    // Its microphone reaches the session (16 kHz PCM in protobuf audio frames, 16 ms each).
    expect(voice.frames.some((f) => f.type === "StartFrame" && f.session === session!.id)).toBe(true);
    const deadline = performance.now() + 3000;
    while ((voice.inputAudio.get(session!.id) ?? 0) < 20 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(voice.inputAudio.get(session!.id) ?? 0).toBeGreaterThanOrEqual(20);

    await page.evaluate("window.__client.disconnect()");
    expect((await session!.done).reason).toBe("disconnect");
  });
});
