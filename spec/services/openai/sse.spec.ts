// The chat stream's SSE decoder: every line ending the standard allows, events split anywhere
// across network reads (inside a line ending or a UTF-8 character too), comments, multi-line
// data, event types, and many events in one read.

import { describe, expect, it } from "vitest";
import { sseDecoder, type SSEEvent } from "../../../lib/services/openai/sse.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `parts` one read at a time and returns every event, in order. */
function decode(...parts: (string | Uint8Array)[]): SSEEvent[] {
  const decoder = sseDecoder();
  return parts.flatMap((part) => decoder.push(typeof part === "string" ? bytes(part) : part));
}

/** Every way of cutting `text` into two reads gives the same events. */
function everySplit(text: string): SSEEvent[][] {
  const all = bytes(text);
  return Array.from({ length: all.length + 1 }, (_, at) => decode(all.subarray(0, at), all.subarray(at)));
}

describe("sseDecoder", () => {
  it("decodes data events ended by a blank line, one space after the colon removed", () => {
    expect(decode('data: {"a":1}\n\ndata:{"b":2}\n\ndata:  two spaces\n\n')).toEqual([
      { event: null, data: '{"a":1}' },
      { event: null, data: '{"b":2}' },
      { event: null, data: " two spaces" },
    ]);
  });

  it("accepts LF, CRLF and CR line endings alike", () => {
    const expected = [
      { event: null, data: "one" },
      { event: null, data: "two" },
    ];
    expect(decode("data: one\n\ndata: two\n\n")).toEqual(expected);
    expect(decode("data: one\r\n\r\ndata: two\r\n\r\n")).toEqual(expected);
    expect(decode("data: one\r\rdata: two\r\r")).toEqual(expected);
  });

  it("gives the same events wherever a read boundary falls, CRLF and multi-byte characters included", () => {
    const text = "data: héllo 👋\r\n\r\n: ping\r\nevent: error\r\ndata: a\r\ndata: b\r\n\r\n";
    const expected = [
      { event: null, data: "héllo 👋" },
      { event: "error", data: "a\nb" },
    ];
    for (const events of everySplit(text)) expect(events).toEqual(expected);
  });

  it("ignores comments, id and retry, and blank lines that end no event", () => {
    expect(decode(": keep-alive\n\n\n\nid: 7\nretry: 1000\ndata: x\n\n")).toEqual([{ event: null, data: "x" }]);
  });

  it("joins data lines with newlines and keeps an event type", () => {
    expect(decode("event: thread.message\ndata: line 1\ndata\ndata: line 3\n\n")).toEqual([{ event: "thread.message", data: "line 1\n\nline 3" }]);
  });

  it("returns all the events of a read that holds many, in order", () => {
    const burst = Array.from({ length: 200 }, (_, i) => `data: {"n":${i}}\n\n`).join("");
    const events = decode(burst);
    expect(events).toHaveLength(200);
    expect(events.map((e) => JSON.parse(e.data).n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("keeps an unfinished event until its blank line arrives, and drops a leading byte-order mark", () => {
    const decoder = sseDecoder();
    expect(decoder.push(bytes("\uFEFFdata: [DO"))).toEqual([]);
    expect(decoder.push(bytes("NE]\n"))).toEqual([]);
    expect(decoder.push(bytes("\n"))).toEqual([{ event: null, data: "[DONE]" }]);
  });
});
