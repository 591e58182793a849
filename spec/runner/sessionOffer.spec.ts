// offerForSession / patchForSession (`/sessions/{id}/api/offer`): only live /start sessions
// take offers, their stored body reaches the bot as request_data, a restart keeps the same
// session, and the session is deleted when its transport closes.

import { afterEach, describe, expect, it } from "vitest";
import { MemorySessionStore } from "../../lib/runner/memorySessionStore.ts";
import { offerForSession, patchForSession } from "../../lib/runner/sessionOffer.ts";
import { startSession } from "../../lib/runner/startSession.ts";
import { SignallingError } from "../../lib/transports/webrtc/offerRequest.ts";
import { FakeBrowser, waitFor } from "../transports/webrtc/fakeBrowser.ts";
import { loopbackSignaller } from "../transports/webrtc/harness.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup() {
  const store = new MemorySessionStore();
  const { signaller, started } = loopbackSignaller();
  const browsers: FakeBrowser[] = [];
  const browser = () => {
    const b = new FakeBrowser();
    browsers.push(b);
    return b;
  };
  cleanup.push(async () => {
    for (const b of browsers) await b.close();
    await signaller.closeAll();
  });
  return { store, signaller, started, browser, deps: { store, signaller } };
}

async function error(promise: Promise<unknown>): Promise<SignallingError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(SignallingError);
    return e as SignallingError;
  }
  throw new Error("expected a SignallingError");
}

describe("offerForSession", () => {
  it("hands the stored /start body to the bot, marks the session connected and deletes it when the transport closes", async () => {
    const { store, started, browser, deps } = setup();
    const { body } = await startSession({ store }, { body: { voice: "calm" } });
    const b = browser();
    const answer = await offerForSession(deps, body.sessionId, { sdp: (await b.offer()).sdp, type: "offer" });
    await b.accept(answer.sdp);
    await b.connected();
    expect(started[0]?.context.requestData).toEqual({ voice: "calm" });
    expect((await store.get(body.sessionId))?.state).toBe("connected");
    await started[0]?.transport.close("done");
    await waitFor(() => store.size.sessions === 0, 1000, "the session to be deleted");
  });

  it("prefers the offer's own request_data", async () => {
    const { store, started, browser, deps } = setup();
    const { body } = await startSession({ store }, { body: { from: "start" } });
    await offerForSession(deps, body.sessionId, { sdp: (await browser().offer()).sdp, request_data: { from: "offer" } });
    expect(started[0]?.context.requestData).toEqual({ from: "offer" });
  });

  it("keeps the session through restart_pc and deletes it once, when the session finally ends", async () => {
    const { store, started, browser, deps } = setup();
    const { body } = await startSession({ store }, {});
    const first = await offerForSession(deps, body.sessionId, { sdp: (await browser().offer()).sdp });
    const second = await offerForSession(deps, body.sessionId, { sdp: (await browser().offer()).sdp, pc_id: first.pc_id, restart_pc: true });
    expect(second.pc_id).not.toBe(first.pc_id);
    expect(started).toHaveLength(1);
    expect(await store.get(body.sessionId)).toBeDefined();
    await started[0]?.transport.close("done");
    await waitFor(() => store.size.sessions === 0, 1000, "the session to be deleted");
  });

  it("rejects a malformed id, and an unknown or ended session as NOT_FOUND", async () => {
    const { store, browser, deps } = setup();
    const { sdp } = await browser().offer();
    expect((await error(offerForSession(deps, "not-a-uuid", { sdp }))).code).toBe("VALIDATION_ERROR");
    const unknown = await error(offerForSession(deps, "0b5c1f6e-1111-4222-8333-444455556666", { sdp }));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.status).toBe(404);
    const { body } = await startSession({ store }, {});
    await store.delete(body.sessionId);
    expect((await error(offerForSession(deps, body.sessionId, { sdp }))).code).toBe("NOT_FOUND");
  });
});

describe("patchForSession", () => {
  it("applies candidates for a live session and rejects an unknown one", async () => {
    const { store, browser, deps } = setup();
    const { body } = await startSession({ store }, {});
    const b = browser();
    const { sdp, candidates } = await b.offer({ trickle: true });
    const answer = await offerForSession(deps, body.sessionId, { sdp });
    await expect(patchForSession(deps, body.sessionId, { pc_id: answer.pc_id, candidates })).resolves.toEqual({ status: "success" });
    const unknown = await error(patchForSession(deps, "0b5c1f6e-1111-4222-8333-444455556666", { pc_id: answer.pc_id, candidates }));
    expect(unknown.code).toBe("NOT_FOUND");
  });
});
