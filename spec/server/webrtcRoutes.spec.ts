// The SmallWebRTC signalling routes on the real server, with a werift stand-in for the
// browser (loopback only): Pipecat's /api/offer answers raw {sdp, type, pc_id} and starts a
// session per peer (request_data as its body), PATCH applies trickled candidates, the Go
// contract /webrtc/offer takes and returns JSON-string descriptions (raw SDP too), and every
// mistake a client can make gets its status and error envelope.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWebrtcExtension } from "../../lib/server/webrtcRoutes.ts";
import { FakeBrowser, waitFor } from "../transports/webrtc/fakeBrowser.ts";
import { bodyOf, startServer, type TestServer } from "./harness.ts";

const loopback = createWebrtcExtension({ peer: { loopbackOnly: true } });

function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}, method = "POST"): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${server.url}${path}`, { method, headers: { "Content-Type": "application/json", ...headers }, body: text });
}

const browsers: FakeBrowser[] = [];
async function newBrowser(): Promise<FakeBrowser> {
  const browser = new FakeBrowser();
  browsers.push(browser);
  return browser;
}
afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

describe("WebRTC signalling routes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ transport: "smallwebrtc", webrtc_ice_servers: [] }, { extensions: [loopback] });
  });
  afterAll(() => server.close());

  it("POST /api/offer answers Pipecat's raw shape and starts a session with request_data as its body", async () => {
    const browser = await newBrowser();
    const { sdp } = await browser.offer();
    const res = await post(server, "/api/offer", { sdp, type: "offer", pc_id: null, restart_pc: false, request_data: { user: "ada" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const answer = await bodyOf(res);
    expect(Object.keys(answer).sort()).toEqual(["pc_id", "sdp", "type"]);
    expect(answer.type).toBe("answer");
    expect(answer.sdp).toMatch(/^v=0/);
    expect(answer.sdp).toContain("127.0.0.1");

    await browser.accept(answer.sdp);
    await browser.connected();
    await browser.chatOpen();
    const session = server.sessions.all().find((s) => s.kind === "webrtc");
    expect(session).toBeDefined();

    // The session ends when the browser says it left.
    browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "peerLeft" } }));
    expect((await session!.done).reason).toBe("disconnect");
  });

  it("the session's pipeline gets request_data as its body", async () => {
    const bodies: unknown[] = [];
    const probe = await startServer(
      { transport: "both", webrtc_ice_servers: [] },
      { extensions: [loopback], stages: [(ctx) => (bodies.push(ctx.session.body), [])] },
    );
    try {
      const browser = await newBrowser();
      const { sdp } = await browser.offer();
      const answer = await bodyOf(await post(probe, "/api/offer", { sdp, requestData: { plan: "pro" } }));
      expect(answer.type).toBe("answer");
      expect(bodies).toEqual([{ plan: "pro" }]);
    } finally {
      await probe.close();
    }
  });

  it("PATCH /api/offer applies trickled candidates: a peer offered without any connects through them", async () => {
    const browser = await newBrowser();
    const { sdp, candidates } = await browser.offer({ trickle: true });
    expect(sdp).not.toContain("a=candidate");
    expect(candidates.length).toBeGreaterThan(0);
    const answer = await bodyOf(await post(server, "/api/offer", { sdp, type: "offer" }));
    await browser.accept(answer.sdp);
    const res = await post(server, "/api/offer", { pc_id: answer.pc_id, candidates }, {}, "PATCH");
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: "success" });
    await browser.connected();
  });

  it("PATCH with an unknown pc_id is 404 NOT_FOUND naming pc_id", async () => {
    const res = await post(server, "/api/offer", { pc_id: "no-such-peer", candidates: [] }, {}, "PATCH");
    expect(res.status).toBe(404);
    const body = await bodyOf(res);
    expect(body.error).toMatchObject({ code: "NOT_FOUND", details: [{ field: "pc_id" }] });
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("an offer naming a pc_id that is not live is 404", async () => {
    const browser = await newBrowser();
    const { sdp } = await browser.offer();
    const res = await post(server, "/api/offer", { sdp, pc_id: "gone" });
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe("NOT_FOUND");
  });

  it("bad SDP is 400, a missing sdp 422, bad JSON 400", async () => {
    const bad = await post(server, "/api/offer", { sdp: "hello", type: "offer" });
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error).toMatchObject({ code: "BAD_REQUEST", details: [{ field: "sdp" }] });

    const missing = await post(server, "/api/offer", { type: "offer" });
    expect(missing.status).toBe(422);
    expect((await bodyOf(missing)).error).toMatchObject({ code: "VALIDATION_ERROR", details: [{ field: "sdp" }] });

    const json = await post(server, "/api/offer", "{not json");
    expect(json.status).toBe(400);
    expect((await bodyOf(json)).error.code).toBe("BAD_REQUEST");
  });

  it("accepts raw SDP as the whole body", async () => {
    const browser = await newBrowser();
    const { sdp } = await browser.offer();
    const res = await post(server, "/api/offer", sdp, { "Content-Type": "application/sdp" });
    expect(res.status).toBe(200);
    expect((await bodyOf(res)).type).toBe("answer");
  });

  it("a body over max_request_body_bytes is 413", async () => {
    const res = await post(server, "/api/offer", { sdp: `v=0\r\n${"a=x\r\n".repeat(60_000)}` });
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.code).toBe("BAD_REQUEST");
  });

  describe("POST /webrtc/offer (the Go contract)", () => {
    it("takes a JSON string of {type, sdp} and answers one, in the envelope, also under /api/v1", async () => {
      for (const path of ["/webrtc/offer", "/api/v1/webrtc/offer"]) {
        const browser = await newBrowser();
        const { sdp } = await browser.offer();
        const res = await post(server, path, { offer: JSON.stringify({ type: "offer", sdp }) });
        expect(res.status).toBe(200);
        const body = await bodyOf(res);
        expect(body.meta.requestId).toBe(res.headers.get("x-request-id"));
        expect(typeof body.data.answer).toBe("string");
        const answer = JSON.parse(body.data.answer);
        expect(answer.type).toBe("answer");
        await browser.accept(answer.sdp);
        await browser.connected();
      }
    });

    it("takes raw SDP in the offer field", async () => {
      const browser = await newBrowser();
      const { sdp } = await browser.offer();
      const res = await post(server, "/webrtc/offer", { offer: sdp });
      expect(res.status).toBe(200);
      expect(JSON.parse((await bodyOf(res)).data.answer).type).toBe("answer");
    });

    it("a missing offer is 422 with details [{field: offer}]; a bad one 400 naming offer", async () => {
      const missing = await post(server, "/webrtc/offer", { sdp: "v=0" });
      expect(missing.status).toBe(422);
      expect((await bodyOf(missing)).error).toMatchObject({ code: "VALIDATION_ERROR", details: [{ field: "offer" }] });

      const wrongType = await post(server, "/webrtc/offer", { offer: 42 });
      expect(wrongType.status).toBe(422);
      expect((await bodyOf(wrongType)).error.details).toEqual([expect.objectContaining({ field: "offer" })]);

      const bad = await post(server, "/webrtc/offer", { offer: '{"type":"offer","sdp":"nope"}' });
      expect(bad.status).toBe(400);
      expect((await bodyOf(bad)).error).toMatchObject({ code: "BAD_REQUEST", details: [{ field: "offer" }] });
    });
  });
});

describe("when the routes exist, and who may call them", () => {
  it("are not registered for transport websocket", async () => {
    const server = await startServer({ transport: "websocket" }, { extensions: [loopback] });
    try {
      expect((await post(server, "/api/offer", { sdp: "v=0" })).status).toBe(404);
      expect((await post(server, "/webrtc/offer", { offer: "v=0" })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("need the API key when one is configured", async () => {
    const server = await startServer({ transport: "both", server_api_key: "sesame", webrtc_ice_servers: [] }, { extensions: [loopback] });
    try {
      for (const path of ["/api/offer", "/webrtc/offer"]) {
        const refused = await post(server, path, { sdp: "hello", offer: "hello" });
        expect(refused.status).toBe(401);
        expect((await bodyOf(refused)).error.code).toBe("UNAUTHORIZED");
        // With the key the request gets through to the SDP check.
        expect((await post(server, path, { sdp: "hello", offer: "hello" }, { "X-API-Key": "sesame" })).status).toBe(400);
      }
      expect((await post(server, "/api/offer", { pc_id: "x", candidates: [] }, {}, "PATCH")).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("cancel a session at rtc_max_duration_secs", async () => {
    const server = await startServer({ transport: "smallwebrtc", webrtc_ice_servers: [], rtc_max_duration_secs: 0.3 }, { extensions: [loopback] });
    try {
      const browser = await newBrowser();
      const { sdp } = await browser.offer();
      const answer = await bodyOf(await post(server, "/api/offer", { sdp }));
      await browser.accept(answer.sdp);
      const [session] = server.sessions.all();
      expect(await session!.done).toEqual({ reason: "cancel", detail: "max_duration" });
    } finally {
      await server.close();
    }
  });

  it("end their sessions and tell the browser when the server closes", async () => {
    const server = await startServer({ transport: "smallwebrtc", webrtc_ice_servers: [] }, { extensions: [loopback] });
    const browser = await newBrowser();
    const { sdp } = await browser.offer();
    const answer = await bodyOf(await post(server, "/api/offer", { sdp }));
    await browser.accept(answer.sdp);
    await browser.connected();
    await browser.chatOpen();
    expect(server.sessions.size).toBe(1);
    const [session] = server.sessions.all();
    await server.close();
    expect(server.sessions.size).toBe(0);
    // Graceful: the session got its EndFrame and drained, rather than losing its peer first.
    expect((await session!.done).reason).toBe("end");
    // The browser is told the bot left (werift, unlike Chrome, never notices a silent peer).
    await waitFor(() => browser.messages.some((m) => m.includes('"peerLeft"')), 2000, "peerLeft on the chat channel");
  });
});
