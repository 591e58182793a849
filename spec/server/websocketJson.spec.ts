// /ws in JSON mode against the echo pipeline: audio comes back paced at real time in 40 ms
// chunks; an InterruptionFrame stops it at once; bad input gets an error reply and never
// disturbs another session; the socket limits (message size, malformed-message run,
// inactivity, max duration) close with the right codes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioMs, connect, isJsonType, jsonAudio, sleep, startServer, tone, type TestClient, type TestServer } from "./harness.ts";

const isAudio = isJsonType("OutputAudioRawFrame");

describe("/ws JSON echo", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ plugins: ["echo"] });
  });
  afterAll(() => server.close());

  it("echoes InputAudioRawFrame as OutputAudioRawFrame, paced at real time in 40 ms chunks", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=json`);
    client.send(jsonAudio(tone(1000)));
    await client.waitFor(isJsonType("BotStoppedSpeakingFrame"), 5_000);
    const messages = client.json();
    const audio = messages.filter((m) => m.type === "OutputAudioRawFrame");
    // Resampled to the session's 24 kHz output; a resampler keeps < 1 ms back until the run ends.
    expect(audio.every((m) => m.data.sample_rate === 24_000 && m.data.num_channels === 1)).toBe(true);
    expect(audioMs(audio)).toBeGreaterThan(990);
    expect(audioMs(audio)).toBeLessThanOrEqual(1000);
    expect(audio.slice(0, -1).every((m) => m.data.num_frames === 960)).toBe(true);
    // Real-time pacing: 1 s of audio cannot arrive in much less than 1 s (at most 100 ms ahead).
    const times = client.received.filter(isAudio).map((m) => m.at);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(800);
    // Speaking state, in order around the audio.
    const types = messages.map((m) => m.type);
    expect(types.indexOf("BotStartedSpeakingFrame")).toBeGreaterThan(types.indexOf("OutputAudioRawFrame"));
    expect(types.lastIndexOf("BotStoppedSpeakingFrame")).toBeGreaterThan(types.lastIndexOf("OutputAudioRawFrame"));
    client.close();
    await client.closed;
  });

  it("an InterruptionFrame drops the queued audio at once; the session goes on", async () => {
    const client = await connect(`${server.wsUrl}/ws`);
    client.send(jsonAudio(tone(5000)));
    await client.waitFor((m) => audioMs(client.json()) >= 300);
    client.send(JSON.stringify({ type: "InterruptionFrame", data: {} }));
    const interruption = await client.waitFor(isJsonType("InterruptionFrame"));
    await sleep(400);
    const after = client.received.slice(client.received.indexOf(interruption) + 1);
    expect(after.filter(isAudio)).toHaveLength(0);
    expect(after.some(isJsonType("BotStoppedSpeakingFrame"))).toBe(true);
    expect(audioMs(client.json())).toBeLessThan(1000);
    // Still alive: new audio is echoed again.
    const before = client.received.length;
    client.send(jsonAudio(tone(200)));
    await client.waitFor((m) => isAudio(m) && client.received.indexOf(m) >= before);
    client.close();
    await client.closed;
  });

  it("answers malformed input with an ErrorFrame, keeps the socket open, and leaves other sessions alone", async () => {
    const bystander = await connect(`${server.wsUrl}/ws`);
    const client = await connect(`${server.wsUrl}/ws`);
    const bad = [
      "not json",
      "[1,2,3]",
      JSON.stringify({ type: "NoSuchFrame", data: {} }),
      JSON.stringify({ type: "InputAudioRawFrame", data: { audio: "!!!", sample_rate: 16000, num_channels: 1 } }),
      JSON.stringify({ type: "InputAudioRawFrame", data: { audio: "AAAA", sample_rate: 16000, num_channels: 1 } }),
      JSON.stringify({ type: "InputAudioRawFrame", data: { audio: "AAAA", sample_rate: -5, num_channels: 1 } }),
      Buffer.from([0xff, 0xfe, 0x00]),
    ];
    for (const message of bad) client.send(message);
    bystander.send(jsonAudio(tone(200)));
    await client.waitFor(() => client.json().filter((m) => m.type === "ErrorFrame").length === bad.length);
    for (const error of client.json().filter((m) => m.type === "ErrorFrame")) {
      expect(error.data.fatal).toBe(false);
      expect(error.data.error.length).toBeGreaterThan(5);
    }
    expect(client.json().find((m) => m.type === "ErrorFrame").data.error).toMatch(/JSON/);
    expect(client.json().some((m) => /NoSuchFrame/.test(m.data?.error ?? ""))).toBe(true);
    await bystander.waitFor(isAudio);
    // The socket is still open and still echoing.
    client.send(jsonAudio(tone(100)));
    await client.waitFor(isAudio);
    client.close();
    bystander.close();
    await Promise.all([client.closed, bystander.closed]);
  });

  it("closes with 1008 after a run of more than 50 malformed messages", async () => {
    const client = await connect(`${server.wsUrl}/ws`);
    for (let i = 0; i < 60; i++) client.send("garbage");
    const { code } = await client.closed;
    expect(code).toBe(1008);
    expect(client.json().filter((m) => m.type === "ErrorFrame")).toHaveLength(50);
  });

  it("closes an oversized message (> 1 MiB) with 1009, ends that session only", async () => {
    const bystander = await connect(`${server.wsUrl}/ws`);
    const client = await connect(`${server.wsUrl}/ws`);
    await sleep(50);
    const sessionsBefore = server.sessions.size;
    client.send("x".repeat((1 << 20) + 10));
    const { code } = await client.closed;
    expect(code).toBe(1009);
    await sleep(50);
    expect(server.sessions.size).toBe(sessionsBefore - 1);
    bystander.send(jsonAudio(tone(100)));
    await bystander.waitFor(isAudio);
    bystander.close();
    await bystander.closed;
  });

  it("refuses an unknown ?format with close code 1003", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=xml`);
    const { code, reason } = await client.closed;
    expect(code).toBe(1003);
    expect(reason).toMatch(/format/);
  });

  it("RTVI clients (?rtvi=1) get RTVI error messages for malformed input", async () => {
    const client = await connect(`${server.wsUrl}/ws?rtvi=1`);
    client.send("{broken");
    const reply = await client.waitFor((m) => !m.binary && JSON.parse(m.data.toString()).label === "rtvi-ai");
    const message = JSON.parse(reply.data.toString());
    expect(message.type).toBe("error");
    expect(message.data).toMatchObject({ fatal: false });
    expect(message.data.error).toMatch(/JSON/);
    expect(message.data.message).toBe(message.data.error);
    client.close();
    await client.closed;
  });

  it("counts sessions in the metrics", async () => {
    const text = await server.metrics.registry.getSingleMetricAsString("voxray_sessions_total");
    expect(text).toMatch(/voxray_sessions_total\{transport="websocket",reason="\w+"\} [1-9]/);
  });
});

describe("/ws limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ws_session_timeout_secs: 1, rtc_max_duration_secs: 0.6 });
  });
  afterAll(() => server.close());

  it("closes an inactive session with 1000 'inactive'", async () => {
    const client: TestClient = await connect(`${server.wsUrl}/ws`);
    const started = performance.now();
    const { code, reason } = await client.closed;
    expect(code).toBe(1000);
    expect(reason).toBe("inactive");
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("ends the session rtc_max_duration_secs after its first inbound audio", async () => {
    const client = await connect(`${server.wsUrl}/ws`);
    await sleep(300); // no audio yet: the limit has not started
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    const firstAudio = performance.now();
    client.send(jsonAudio(tone(40)));
    const keepAlive = setInterval(() => client.send(JSON.stringify({ type: "TextFrame", data: { text: "hi" } })), 200);
    const { code, reason } = await client.closed;
    clearInterval(keepAlive);
    expect(code).toBe(1000);
    expect(reason).toBe("max_duration");
    expect(performance.now() - firstAudio).toBeGreaterThanOrEqual(550);
  });
});
