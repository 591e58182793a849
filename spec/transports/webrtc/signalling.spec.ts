// WebRTCSignaller against a werift "browser" on loopback: new peers start sessions, a live
// pc_id renegotiates on the same peer, restart_pc moves the session to a new connection,
// unknown pc_ids are NOT_FOUND, bad SDP is a typed error that leaves nothing behind,
// trickled candidates are really applied, and closed peers are forgotten.

import { afterEach, describe, expect, it } from "vitest";
import type { Frame } from "../../../lib/frames/index.ts";
import { BadSdpError, SignallingError } from "../../../lib/transports/webrtc/offerRequest.ts";
import type { WebRTCSignaller } from "../../../lib/transports/webrtc/signalling.ts";
import { FakeBrowser, sleep, tone, waitFor } from "./fakeBrowser.ts";
import { connectBrowser, loopbackSignaller } from "./harness.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function track(signaller: WebRTCSignaller, ...browsers: FakeBrowser[]): void {
  cleanup.push(async () => {
    for (const b of browsers) await b.close();
    await signaller.closeAll();
  });
}

function collect(frames$: { subscribe(f: (x: Frame) => void): unknown }): Frame[] {
  const frames: Frame[] = [];
  frames$.subscribe((f) => frames.push(f));
  return frames;
}

const audioFrames = (frames: Frame[]) => frames.filter((f) => f.type === "InputAudioRawFrame");

async function rejection(promise: Promise<unknown>): Promise<SignallingError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SignallingError);
    return error as SignallingError;
  }
  throw new Error("expected the call to fail");
}

describe("WebRTCSignaller", () => {
  it("answers a new offer with a pc_id and starts one session with its request_data", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    track(signaller, browser);
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, type: "offer", pc_id: null, restart_pc: false, request_data: { user: "u1" } });
    expect(answer.type).toBe("answer");
    expect(answer.pc_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.sdp).toMatch(/a=candidate:.* 127\.0\.0\.1 \d+ typ host/);
    expect(started).toHaveLength(1);
    expect(started[0]?.context).toEqual({ pcId: answer.pc_id, requestData: { user: "u1" } });
    await browser.accept(answer.sdp);
    await browser.connected();
    expect(signaller.has(answer.pc_id)).toBe(true);
  });

  it("passes the session id and the stored /start body when the offer has no request_data", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    track(signaller, browser);
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp }, { sessionId: "s-1", requestData: { from: "start" } });
    expect(started[0]?.context).toEqual({ pcId: answer.pc_id, sessionId: "s-1", requestData: { from: "start" } });
  });

  it("accepts the description as a JSON string, and legacyOffer speaks JSON strings both ways", async () => {
    const { signaller, started } = loopbackSignaller();
    const a = new FakeBrowser();
    const b = new FakeBrowser();
    track(signaller, a, b);
    const offerA = await a.offer();
    const answerA = await signaller.offer({ sdp: JSON.stringify({ type: "offer", sdp: offerA.sdp }) });
    await a.accept(answerA.sdp);
    const offerB = await b.offer();
    const answerJson = await signaller.legacyOffer(JSON.stringify({ type: "offer", sdp: offerB.sdp }));
    const answerB = JSON.parse(answerJson) as { type: string; sdp: string };
    expect(answerB.type).toBe("answer");
    await b.accept(answerB.sdp);
    await Promise.all([a.connected(), b.connected()]);
    expect(started).toHaveLength(2);
  });

  it("rejects an unknown pc_id without restart_pc as NOT_FOUND", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    track(signaller, browser);
    const { sdp } = await browser.offer();
    const error = await rejection(signaller.offer({ sdp, pc_id: "nobody", restart_pc: false }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.status).toBe(404);
    expect(error.message).toContain('"nobody"');
    expect(started).toHaveLength(0);
    expect(signaller.size).toBe(0);
  });

  it("rejects bad SDP with BadSdpError and keeps no peer", async () => {
    const { signaller, started } = loopbackSignaller();
    track(signaller);
    const notSdp = await rejection(signaller.offer({ sdp: "hello", type: "offer" }));
    expect(notSdp).toBeInstanceOf(BadSdpError);
    expect(notSdp.message).toMatch(/^invalid SDP offer: /);
    // Shaped like SDP, but nothing werift can negotiate.
    const unusable = await rejection(signaller.offer({ sdp: "v=0\r\nm=audio 9 RTP/AVP 0\r\n" }));
    expect(unusable).toBeInstanceOf(BadSdpError);
    expect(unusable.status).toBe(400);
    expect(started).toHaveLength(0);
    expect(signaller.size).toBe(0);
  });

  it("renegotiates on the same peer for a live pc_id: same pc_id, same session, audio still flows", async () => {
    const { signaller, started } = loopbackSignaller();
    const { browser, transport, pcId } = await connectBrowser(signaller, started);
    track(signaller, browser);
    const frames = collect(transport.input$);
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, type: "offer", pc_id: pcId, restart_pc: false });
    expect(answer.pc_id).toBe(pcId);
    await browser.accept(answer.sdp);
    expect(started).toHaveLength(1);
    await browser.sendPcm(tone(440, 8000, 400, 48000));
    await waitFor(() => audioFrames(frames).length >= 15, 3000, "audio after renegotiation");
  });

  it("restart_pc closes the old connection and carries the same session over a new one", async () => {
    const { signaller, started } = loopbackSignaller();
    const { browser, transport, pcId } = await connectBrowser(signaller, started);
    const reconnecting = new FakeBrowser();
    track(signaller, browser, reconnecting);
    let completed = false;
    const frames: Frame[] = [];
    transport.input$.subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });

    const { sdp } = await reconnecting.offer();
    const answer = await signaller.offer({ sdp, type: "offer", pc_id: pcId, restart_pc: true });
    expect(answer.pc_id).not.toBe(pcId);
    expect(signaller.has(pcId)).toBe(false);
    expect(signaller.has(answer.pc_id)).toBe(true);
    await reconnecting.accept(answer.sdp);
    await reconnecting.connected();
    expect(started).toHaveLength(1); // no second session
    await reconnecting.sendPcm(tone(440, 8000, 400, 48000));
    await waitFor(() => audioFrames(frames).length >= 15, 3000, "audio over the restarted connection");
    expect(completed).toBe(false);
    // The old connection is closed on our side: what the old browser sends reaches nobody.
    const before = audioFrames(frames).length;
    await browser.sendPcm(tone(440, 8000, 200, 48000));
    await sleep(100);
    expect(audioFrames(frames).length).toBe(before);
  });

  it("restart_pc for a pc_id that is no longer live starts a new session", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    track(signaller, browser);
    const { sdp } = await browser.offer();
    const answer = await signaller.offer({ sdp, pc_id: "gone", restart_pc: true });
    expect(answer.pc_id).not.toBe("gone");
    expect(started).toHaveLength(1);
  });

  it("applies trickled candidates from patch(): a link with no candidates in either SDP connects only after it", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    track(signaller, browser);
    const { sdp, candidates } = await browser.offer({ trickle: true });
    expect(sdp).not.toContain("a=candidate");
    expect(candidates.length).toBeGreaterThan(0);
    const answer = await signaller.offer({ sdp, type: "offer" });
    // Hide the server's candidates too: only the patched ones can make the link.
    await browser.accept(answer.sdp.replace(/a=(candidate:[^\r]*|end-of-candidates)\r\n/g, ""));
    await sleep(300);
    expect(browser.pc.connectionState).not.toBe("connected");
    const result = await signaller.patch({
      pc_id: answer.pc_id,
      candidates: [...candidates, { candidate: "", sdp_mid: candidates[0]?.sdp_mid ?? "0", sdp_mline_index: 0 }],
    });
    expect(result).toEqual({ status: "success" });
    await browser.connected();
    expect(started).toHaveLength(1);
  });

  it("rejects a patch for an unknown pc_id as NOT_FOUND", async () => {
    const { signaller } = loopbackSignaller();
    track(signaller);
    const error = await rejection(signaller.patch({ pc_id: "nobody", candidates: [] }));
    expect(error.code).toBe("NOT_FOUND");
  });

  it("forgets a peer when its transport closes", async () => {
    const { signaller, started } = loopbackSignaller();
    const { browser, transport, pcId } = await connectBrowser(signaller, started);
    track(signaller, browser);
    let completed = false;
    transport.input$.subscribe({ complete: () => (completed = true) });
    await transport.close("test");
    expect(completed).toBe(true);
    await waitFor(() => !signaller.has(pcId), 1000, "the pc_id to be forgotten");
    expect(signaller.size).toBe(0);
    const error = await rejection(signaller.patch({ pc_id: pcId, candidates: [] }));
    expect(error.code).toBe("NOT_FOUND");
  });
});
