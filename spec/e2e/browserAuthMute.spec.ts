// The browser client against a server with an API key, in real Chromium: without the key it
// shows the refusal; with the key typed in, the WebSocket mode trades it for a short-lived
// token and the WebRTC mode sends it with /start and the offer, and both reach bot-ready.
// Mute over WebRTC tells the server (trackStatus), which then stops taking microphone audio.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumMissing, launchChromium, type ChromiumSession } from "../support/chromium.ts";
import { startVoiceServer, type VoiceServer } from "./harness.ts";

const missing = chromiumMissing();

async function until(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(missing)("browser client with an API key, and Mute (Chromium)", () => {
  let voice: VoiceServer;
  let chrome: ChromiumSession;

  beforeAll(async () => {
    voice = await startVoiceServer({ server_api_key: "sesame" });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await voice?.close();
  });

  it("is refused without the key and connects with it, over both transports", async () => {
    const { page } = chrome;
    const refusal = { websocket: /refused the WebSocket/, webrtc: /\/start: missing or invalid API key/ };
    for (const mode of ["websocket", "webrtc"] as const) {
      await page.goto(`${voice.server.url}/?mode=${mode}`);
      await page.click("#connect");
      await until(page, "document.querySelector('#status').dataset.state === 'error'", 5000);
      expect(await page.textContent("#error")).toMatch(refusal[mode]);

      await page.fill("#api-key", "sesame");
      await page.click("#connect");
      await until(page, "window.voxray.state === 'ready'", 5000);
      expect(await page.textContent("#connect")).toBe("Hang up");
      await page.click("#connect");
      expect(await page.evaluate("window.voxray.state")).toBe("idle");
    }
  });

  it("Mute stops the microphone audio at the server (WebRTC)", async () => {
    const { page } = chrome;
    await page.goto(`${voice.server.url}/?mode=webrtc`);
    await page.fill("#api-key", "sesame");
    await page.click("#connect");
    await until(page, "window.voxray.state === 'ready'", 5000);
    const session = voice.server.sessions.all().find((s) => s.kind === "webrtc");
    expect(session).toBeDefined();
    const count = (): number => voice.inputAudio.get(session!.id) ?? 0;

    await sleep(300);
    const flowing = count();
    await sleep(300);
    expect(count() - flowing).toBeGreaterThan(5); // 20 ms frames: ~15 in 300 ms

    await page.click("#mute");
    expect(await page.getAttribute("#mute", "aria-pressed")).toBe("true");
    await sleep(200); // the trackStatus message and audio already in flight
    const muted = count();
    await sleep(400);
    expect(count()).toBe(muted);

    await page.click("#mute");
    await sleep(400);
    expect(count()).toBeGreaterThan(muted);
    await page.click("#connect");
  });
});
