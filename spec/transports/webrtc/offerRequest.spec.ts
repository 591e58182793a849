// Parsing of signalling requests: raw SDP and JSON-string descriptions are both accepted,
// snake_case and camelCase keys alike, and every malformed input is a typed error that
// names its field.

import { describe, expect, it } from "vitest";
import {
  BadSdpError,
  parseOfferRequest,
  parsePatchRequest,
  parseSdp,
  SignallingError,
} from "../../../lib/transports/webrtc/offerRequest.ts";

const SDP = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:0\n";

describe("parseSdp", () => {
  it("accepts raw SDP and normalizes line endings to CRLF", () => {
    const sdp = parseSdp(SDP);
    expect(sdp.startsWith("v=0\r\no=-")).toBe(true);
    expect(sdp.endsWith("a=mid:0\r\n")).toBe(true);
    expect(sdp).not.toMatch(/[^\r]\n/);
  });

  it("accepts a JSON string of {type:'offer', sdp} (the Go web client's format)", () => {
    expect(parseSdp(JSON.stringify({ type: "offer", sdp: SDP }))).toBe(parseSdp(SDP));
  });

  it.each([
    ["empty", "", /must start with "v=0"/],
    ["not SDP", "hello", /must start with "v=0"/],
    ["no media", "v=0\r\ns=-\r\n", /no media section/],
    ["broken JSON", "{nope", /not valid JSON/],
    ["JSON answer", JSON.stringify({ type: "answer", sdp: SDP }), /type must be "offer"/],
    ["JSON without sdp", JSON.stringify({ type: "offer" }), /must be an object/],
  ])("rejects %s with BadSdpError", (_name, input, message) => {
    expect(() => parseSdp(input)).toThrow(BadSdpError);
    expect(() => parseSdp(input)).toThrow(message);
    try {
      parseSdp(input);
    } catch (e) {
      expect((e as SignallingError).status).toBe(400);
      expect((e as SignallingError).field).toBe("sdp");
    }
  });
});

describe("parseOfferRequest", () => {
  it("reads snake_case and camelCase fields", () => {
    expect(parseOfferRequest({ sdp: SDP, type: "offer", pc_id: "a", restart_pc: true, request_data: { x: 1 } })).toEqual({
      sdp: parseSdp(SDP),
      pcId: "a",
      restartPc: true,
      requestData: { x: 1 },
    });
    expect(parseOfferRequest({ sdp: SDP, pcId: "b", restartPc: false, requestData: [1] })).toEqual({
      sdp: parseSdp(SDP),
      pcId: "b",
      restartPc: false,
      requestData: [1],
    });
  });

  it("treats pc_id null as a new peer and a bare string as the SDP itself", () => {
    expect(parseOfferRequest({ sdp: SDP, pc_id: null })).toEqual({ sdp: parseSdp(SDP), restartPc: false });
    expect(parseOfferRequest(SDP)).toEqual({ sdp: parseSdp(SDP), restartPc: false });
  });

  it.each([
    [{}, "VALIDATION_ERROR", "sdp"],
    [{ sdp: 5 }, "VALIDATION_ERROR", "sdp"],
    [{ sdp: SDP, type: "answer" }, "BAD_REQUEST", "type"],
    [{ sdp: SDP, pc_id: 7 }, "VALIDATION_ERROR", "pc_id"],
    [{ sdp: SDP, restart_pc: "yes" }, "VALIDATION_ERROR", "restart_pc"],
    [[SDP], "VALIDATION_ERROR", undefined],
  ])("rejects %j as %s", (body, code, field) => {
    try {
      parseOfferRequest(body);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SignallingError);
      expect((e as SignallingError).code).toBe(code);
      expect((e as SignallingError).field).toBe(field);
    }
  });
});

describe("parsePatchRequest", () => {
  it("reads candidates, keeping the empty end-of-candidates marker", () => {
    expect(
      parsePatchRequest({
        pc_id: "p",
        candidates: [
          { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdp_mid: "0", sdp_mline_index: 0 },
          { candidate: "", sdpMid: "0", sdpMLineIndex: 0 },
        ],
      }),
    ).toEqual({
      pcId: "p",
      candidates: [
        { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
        { candidate: "", sdpMid: "0", sdpMLineIndex: 0 },
      ],
    });
  });

  it.each([
    [{ candidates: [] }, "pc_id"],
    [{ pc_id: "p" }, "candidates"],
    [{ pc_id: "p", candidates: [{}] }, "candidates[0]"],
    [{ pc_id: "p", candidates: [{ candidate: "", sdp_mline_index: -1 }] }, "candidates[0]"],
  ])("rejects %j (field %s)", (body, field) => {
    expect(() => parsePatchRequest(body)).toThrow(SignallingError);
    try {
      parsePatchRequest(body);
    } catch (e) {
      expect((e as SignallingError).field).toBe(field);
      expect((e as SignallingError).status).toBe(422);
    }
  });
});
