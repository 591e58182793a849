// peer.ts: werift configuration (TURN credentials kept, loopback-only mode, video codecs so
// audio+video offers negotiate) and the bridge from werift events to Observables, whose
// teardown really removes the werift listener.

import { describe, expect, it } from "vitest";
import { Event } from "werift";
import { fromWeriftEvent, peerConfig } from "../../../lib/transports/webrtc/peer.ts";

describe("peerConfig", () => {
  it("passes STUN and TURN servers with their credentials", () => {
    const config = peerConfig({
      iceServers: [{ urls: ["stun:stun.example.com:3478"] }, { urls: ["turn:turn.example.com:3478?transport=udp"], username: "u", credential: "p" }],
    });
    expect(config.iceServers).toEqual([
      { urls: ["stun:stun.example.com:3478"] },
      { urls: ["turn:turn.example.com:3478?transport=udp"], username: "u", credential: "p" },
    ]);
    expect(config.iceAdditionalHostAddresses).toBeUndefined();
  });

  it("restricts ICE to 127.0.0.1 in loopback-only mode, with no STUN", () => {
    const config = peerConfig({ loopbackOnly: true });
    expect(config).toMatchObject({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  });

  it("offers Opus for audio and VP8/H264 for video", () => {
    const codecs = peerConfig().codecs;
    expect(codecs?.audio?.map((c) => c.mimeType.toLowerCase())).toEqual(["audio/opus"]);
    expect(codecs?.video?.map((c) => c.mimeType.toLowerCase())).toEqual(["video/vp8", "video/h264"]);
  });
});

describe("fromWeriftEvent", () => {
  it("emits the first argument of each event and removes its listener on unsubscribe", () => {
    const event = new Event<[string, number]>();
    const seen: string[] = [];
    const sub = fromWeriftEvent(event).subscribe((v) => seen.push(v));
    expect(event.length).toBe(1);
    event.execute("a", 1);
    event.execute("b", 2);
    sub.unsubscribe();
    expect(event.length).toBe(0);
    event.execute("c", 3);
    expect(seen).toEqual(["a", "b"]);
  });

  it("completes when the werift event completes", () => {
    const event = new Event<[number]>();
    let completed = false;
    fromWeriftEvent(event).subscribe({ complete: () => (completed = true) });
    event.complete();
    expect(completed).toBe(true);
  });
});
