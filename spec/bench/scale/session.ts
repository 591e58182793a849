// One session as a real client makes it: POST /start (with an Idempotency-Key) on one
// instance, the WebRTC offer for that session on `offerUrl` (the same instance or another),
// wait until the peer is connected and the "chat" data channel is open, stay a while, then
// hang up as Pipecat's client does (peerLeft on the data channel, then close). While it is up
// it sends Pipecat's keepalive ("ping: <ms>" on the data channel every second): without it the
// server ends a session 3 s after the channel opened. The browser side is the werift stand-in
// the runner-route specs use.

import { FakeBrowser } from "../../transports/webrtc/fakeBrowser.ts";

export interface SessionPlan {
  /** Instance that gets POST /start. */
  readonly startUrl: string;
  /** Instance that gets the offer. */
  readonly offerUrl: string;
  readonly idempotencyKey: string;
}

/** A session that is not connected this long after its offer is a failure. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Pipecat's small-webrtc client pings this often once the data channel is open. */
const KEEPALIVE_MS = 1_000;

export interface SessionTimes {
  readonly sessionId: string;
  /** POST /start sent → 201 read, ms. */
  readonly startMs: number;
  /** Offer POST sent → answer read, ms (the client's own ICE gathering is before it). */
  readonly offerMs: number;
  /** Offer POST sent → peer connected and data channel open, ms. */
  readonly connectMs: number;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export interface OpenSession {
  readonly times: SessionTimes;
  /** Whether the peer is still connected. */
  connected(): boolean;
  /** Hangs up as Pipecat's client does: peerLeft on the data channel, then close. */
  hangUp(): Promise<void>;
}

/** /start, the offer, connected and data channel open; the caller hangs up. */
export async function openSession(plan: SessionPlan): Promise<OpenSession> {
  const t0 = performance.now();
  const start = await post(`${plan.startUrl}/start`, { transport: "webrtc", body: { bench: "scale-out" } }, { "Idempotency-Key": plan.idempotencyKey });
  const startMs = performance.now() - t0;
  if (start.status !== 201 || typeof start.json?.sessionId !== "string") {
    throw new Error(`POST /start answered ${start.status}: ${JSON.stringify(start.json).slice(0, 200)}`);
  }
  const sessionId = start.json.sessionId as string;

  const browser = new FakeBrowser();
  try {
    const { sdp } = await browser.offer();
    const t1 = performance.now();
    const answer = await post(`${plan.offerUrl}/sessions/${sessionId}/api/offer`, { sdp, type: "offer", pc_id: null, restart_pc: false });
    const offerMs = performance.now() - t1;
    if (answer.status !== 200 || typeof answer.json?.sdp !== "string") {
      throw new Error(`offer for ${sessionId} answered ${answer.status}: ${JSON.stringify(answer.json).slice(0, 200)}`);
    }
    await browser.accept(answer.json.sdp);
    await browser.connected(CONNECT_TIMEOUT_MS);
    await browser.chatOpen(CONNECT_TIMEOUT_MS);
    const connectMs = performance.now() - t1;
    const keepalive = setInterval(() => {
      if (browser.chat.readyState === "open") browser.chat.send(`ping: ${Date.now()}`);
    }, KEEPALIVE_MS);
    return {
      times: { sessionId, startMs, offerMs, connectMs },
      connected: () => browser.pc.connectionState === "connected",
      hangUp: async () => {
        clearInterval(keepalive);
        browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "peerLeft" } }));
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** A whole session: open it, keep it up for `holdMs`, hang up. */
export async function runSession(plan: SessionPlan, holdMs: number): Promise<SessionTimes> {
  const session = await openSession(plan);
  try {
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    if (!session.connected()) throw new Error(`session ${session.times.sessionId} dropped while held`);
    return session.times;
  } finally {
    await session.hangUp();
  }
}

/** Runs `count` tasks, at most `concurrency` at once; settles every one. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await task(i) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
