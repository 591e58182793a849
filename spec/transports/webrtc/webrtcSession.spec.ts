// A whole session on WebRTCTransport: the signaller starts a SessionRunner with the echo
// processor for each new peer. The browser's tone comes back to it as bot audio (16 kHz in,
// 48 kHz Opus out), the runner hears BotStarted/StoppedSpeaking from the transport, and the
// session ends with reason "disconnect" when the browser leaves.

import { tap } from "rxjs";
import { afterEach, describe, expect, it } from "vitest";
import { concatInt16 } from "../../../lib/audio/pcm.ts";
import { counterIds, type Frame } from "../../../lib/frames/index.ts";
import { createContext } from "../../../lib/pipeline/context.ts";
import { pipeline } from "../../../lib/pipeline/pipeline.ts";
import { processor } from "../../../lib/pipeline/processor.ts";
import { SessionRunner, type SessionResult } from "../../../lib/pipeline/runner.ts";
import { echoProcessor } from "../../../lib/processors/echo.ts";
import { FakeBrowser, tone, toneShare, waitFor } from "./fakeBrowser.ts";
import { loopbackSignaller } from "./harness.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("a session over WebRTC", () => {
  it("echoes the browser's audio back and ends with 'disconnect' when the browser leaves", async () => {
    const results: Promise<SessionResult>[] = [];
    const upstream: Frame[] = [];
    const { signaller } = loopbackSignaller(
      {},
      {
        onTransport: (transport, context) => {
          const ctx = createContext({ ids: counterIds(), session: { id: context.pcId, transport: "webrtc" } });
          // Records what travels up to the head of the pipeline (the transport's events).
          const head = processor("head", () => ({ up: tap((f: Frame) => upstream.push(f)) }));
          const runner = new SessionRunner({ transport, ctx, pipeline: pipeline("echo", [head, echoProcessor(ctx)]) });
          results.push(runner.run());
        },
      },
    );
    const browser = new FakeBrowser();
    cleanup.push(async () => {
      await browser.close();
      await signaller.closeAll();
    });
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, type: "offer" });
    await browser.accept(answer.sdp);
    await browser.connected();
    await browser.chatOpen();

    await browser.sendPcm(tone(440, 8000, 1000, 48000), 20);
    await waitFor(() => browser.received.length >= 45, 4000, "the echo");
    const echoed = concatInt16(browser.decodeReceived().slice(5, 40));
    expect(toneShare(echoed, 440, 48000)).toBeGreaterThan(0.7);

    browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "peerLeft" } }));
    const result = await results[0];
    expect(result?.reason).toBe("disconnect");
    expect(signaller.size).toBe(0);
    expect(upstream.some((f) => f.type === "BotStartedSpeakingFrame")).toBe(true);
  });
});
