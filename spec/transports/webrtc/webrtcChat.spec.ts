// The "chat" data channel of WebRTCTransport over a loopback werift link: RTVI JSON both
// ways, messages queued (at most 50) until the channel opens, the ping keepalive, the
// signalling messages (trackStatus mutes the microphone, peerLeft both ways), and input$
// completing when the client is gone.

import { afterEach, describe, expect, it } from "vitest";
import { counterIds, createFrame, type Frame } from "../../../lib/frames/index.ts";
import type { WebRTCTransportOptions } from "../../../lib/transports/webrtc/webrtcTransport.ts";
import { FakeBrowser, sleep, tone, waitFor } from "./fakeBrowser.ts";
import { connectBrowser, loopbackSignaller } from "./harness.ts";

const ids = counterIds();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function session(options: WebRTCTransportOptions = {}) {
  const { signaller, started } = loopbackSignaller(options);
  const { browser, transport } = await connectBrowser(signaller, started);
  const frames: Frame[] = [];
  let completed = false;
  transport.input$.subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });
  cleanup.push(async () => {
    await browser.close();
    await signaller.closeAll();
  });
  return { browser, transport, frames, isComplete: () => completed };
}

const clientReady = { label: "rtvi-ai", type: "client-ready", id: "ab12cd34", data: { version: "2.1.0", about: { library: "@pipecat-ai/client-js" } } };

describe("WebRTCTransport data channel", () => {
  it("turns a JSON object from the client into an InputTransportMessageFrame and ignores what is not one", async () => {
    const { browser, frames } = await session();
    browser.chat.send("not json");
    browser.chat.send("[1,2]");
    browser.chat.send(JSON.stringify(clientReady));
    await waitFor(() => frames.length >= 1, 2000, "the message frame");
    await sleep(50);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.type).toBe("InputTransportMessageFrame");
    expect(frames[0]?.type === "InputTransportMessageFrame" && frames[0].message).toEqual(clientReady);
  });

  it("sends OutputTransportMessage(Urgent)Frames to the client as JSON text, in order", async () => {
    const { browser, transport } = await session();
    transport.send(createFrame(ids, "OutputTransportMessageUrgentFrame", { message: { label: "rtvi-ai", type: "bot-ready", data: { version: "2.1.0" } } }));
    transport.send(createFrame(ids, "OutputTransportMessageFrame", { message: { label: "rtvi-ai", type: "bot-started-speaking" } }));
    await waitFor(() => browser.messages.length >= 2, 2000, "two messages");
    expect(browser.messages.map((m) => JSON.parse(m) as unknown)).toEqual([
      { label: "rtvi-ai", type: "bot-ready", data: { version: "2.1.0" } },
      { label: "rtvi-ai", type: "bot-started-speaking" },
    ]);
  });

  it("queues messages sent before the channel opens, keeping the newest 50", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    cleanup.push(async () => {
      await browser.close();
      await signaller.closeAll();
    });
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, type: "offer" });
    const transport = started[0]?.transport;
    for (let n = 0; n < 60; n++) transport?.send(createFrame(ids, "OutputTransportMessageFrame", { message: { n } }));
    await browser.accept(answer.sdp);
    await waitFor(() => browser.messages.length >= 50, 3000, "the queued messages");
    await sleep(50);
    expect(browser.messages.map((m) => (JSON.parse(m) as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 10));
  });

  it("completes input$ when pings stop for the keepalive timeout", async () => {
    const { browser, isComplete } = await session({ keepaliveTimeoutMs: 600 });
    for (let n = 0; n < 8; n++) {
      browser.chat.send(`ping: ${Date.now()}`);
      await sleep(100);
    }
    expect(isComplete()).toBe(false); // 800 ms of pings every 100 ms kept it alive
    await waitFor(isComplete, 3000, "input$ to complete");
  });

  it("completes input$ when a client that opened the channel never pings", async () => {
    const { isComplete } = await session({ keepaliveTimeoutMs: 600 });
    await waitFor(isComplete, 3000, "input$ to complete");
  });

  it("mutes the microphone on trackStatus enabled:false and unmutes on enabled:true", async () => {
    const { browser, frames } = await session();
    const count = (type: Frame["type"]) => frames.filter((f) => f.type === type).length;
    // The channel is ordered: once the probe after a trackStatus is in, the status was applied.
    const status = async (enabled: boolean) => {
      const probes = count("InputTransportMessageFrame");
      browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "trackStatus", receiver_index: 0, enabled } }));
      browser.chat.send(JSON.stringify({ probe: enabled }));
      await waitFor(() => count("InputTransportMessageFrame") > probes, 2000, "the probe");
    };
    await status(false);
    await browser.sendPcm(tone(440, 8000, 300, 48000));
    await sleep(100);
    expect(count("InputAudioRawFrame")).toBe(0);
    await status(true);
    await browser.sendPcm(tone(440, 8000, 300, 48000));
    await waitFor(() => count("InputAudioRawFrame") >= 12, 2000, "audio after unmute");
    expect(count("InputTransportMessageFrame")).toBe(2); // the probes only: signalling is not app data
  });

  it("says peerLeft to the client when it closes", async () => {
    const { browser, transport, isComplete } = await session();
    await transport.close("bye");
    expect(isComplete()).toBe(true);
    await waitFor(() => browser.messages.length >= 1, 2000, "peerLeft");
    expect(JSON.parse(browser.messages[0] ?? "null")).toEqual({ type: "signalling", message: { type: "peerLeft" } });
  });

  it("completes input$ when the client says peerLeft", async () => {
    const { browser, isComplete } = await session();
    browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "peerLeft" } }));
    await waitFor(isComplete, 2000, "input$ to complete");
  });

  it("completes input$ when no connection is made within the connect timeout", async () => {
    const { signaller, started } = loopbackSignaller({ connectTimeoutMs: 300 });
    const browser = new FakeBrowser();
    cleanup.push(async () => {
      await browser.close();
      await signaller.closeAll();
    });
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, type: "offer" });
    let completed = false;
    started[0]?.transport.input$.subscribe({ complete: () => (completed = true) });
    // The answer never reaches the browser.
    await waitFor(() => completed, 2000, "input$ to complete");
    await waitFor(() => !signaller.has(answer.pc_id), 1000, "the peer to be forgotten");
  });
});
