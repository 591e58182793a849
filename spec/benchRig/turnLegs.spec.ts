// The load bench's headline figure (framework-added turn latency) is computed by turnLegs from
// tagged stand-in requests; these specs pin its accounting.

import { describe, expect, it } from "vitest";
import type { ServerWrite, StandInTrace } from "../bench/load/protocol.ts";
import { LEGS, turnLegs, type TurnRecord } from "../bench/load/turnLegs.ts";
import { answerTokens, transcriptText, turnIn } from "../bench/load/turnTag.ts";

const ms = (n: number): number => n * 1000;

interface Traced {
  readonly trace: StandInTrace[];
  readonly writes: ServerWrite[];
}

/**
 * One turn's three requests, each on its own connection (port = turn × 10 + 1..3): each put on
 * the wire `gap` ms after the previous answer (or `start`), read by the stand-in `read` ms
 * later, answered `service` ms after that.
 */
function requests(turn: number, start: number, o: { stt: number; llm: number; tts: number; gap: number; read?: number }): Traced {
  const read = o.read ?? 0.5;
  const trace: StandInTrace[] = [];
  const writes: ServerWrite[] = [];
  let at = start;
  for (const [i, endpoint, service] of [[1, "transcription", o.stt], [2, "chat", o.llm], [3, "speech", o.tts]] as const) {
    const port = turn * 10 + i;
    writes.push({ port, us: ms(at + o.gap) });
    trace.push({ endpoint, turn, port, receivedUs: ms(at + o.gap + read), bodyUs: ms(at + o.gap + read), firstByteUs: ms(at + o.gap + read + service) });
    at += o.gap + read + service;
  }
  return { trace, writes };
}

const both = (...all: Traced[]): Traced => ({ trace: all.flatMap((t) => t.trace), writes: all.flatMap((t) => t.writes) });

describe("turn tags", () => {
  it("carries the tag from transcript to answer to speech input", () => {
    expect(turnIn(transcriptText(17))).toBe(17);
    expect(turnIn(answerTokens(17)[0]!)).toBe(17);
    expect(answerTokens(17)[0]).toMatch(/\. $/); // a whole first sentence: released at once
    expect(turnIn(`${transcriptText(3)} ${transcriptText(4)}`)).toBe(4); // two transcripts joined: the later one
    expect(turnIn("no tag here")).toBeUndefined();
    expect(answerTokens(undefined)[0]).toBe("Sure thing. ");
  });
});

describe("turnLegs", () => {
  it("subtracts each turn's own stand-in time, its lateness in reading included", () => {
    // Two turns in flight together; the second one's stand-in reads and answers late.
    const one = requests(1, 1000, { stt: 100, llm: 150, tts: 80, gap: 1 });
    const two = requests(2, 1002, { stt: 130, llm: 170, tts: 95, gap: 2, read: 6 });
    // Turn 1: server legs 1 ms each, then 2 ms to the socket and 1 ms more to the caller.
    const t1Sent = 1000 + 3 * 1.5 + 330 + 2;
    // Turn 2: server legs 2 ms each, then 3 ms to the socket and 4 ms more to the caller.
    const t2Sent = 1002 + 3 * 8 + 395 + 3;
    const turns: TurnRecord[] = [
      { eotUs: ms(1002), botStartedUs: ms(t2Sent), firstAudioUs: ms(t2Sent + 4), turn: 2 },
      { eotUs: ms(1000), botStartedUs: ms(t1Sent), firstAudioUs: ms(t1Sent + 1), turn: 1 },
    ];
    const { trace, writes } = both(one, two);
    const out = turnLegs(turns, [...trace].reverse(), [...writes].reverse());
    expect(out.added.count).toBe(2);
    expect(out.added.p50).toBeCloseTo(5, 6);
    expect(out.added.max).toBeCloseTo(9, 6);
    expect(out.atCaller.max).toBeCloseTo(13, 6);
    expect(out.legs).toHaveLength(LEGS.length);
    expect(out.legs[1]!.max).toBeCloseTo(136, 6); // STT of the late turn: its reading lateness is the stand-in's
    expect(out.legs[6]!.max).toBeCloseTo(3, 6);
    expect(out.legs[7]!.max).toBeCloseTo(4, 6);
  });

  it("ties a request to the server's last write on its connection before the answer", () => {
    const t = requests(4, 0, { stt: 10, llm: 10, tts: 10, gap: 1 });
    // The same connections carried earlier requests, and carry later ones.
    const writes = [...t.writes, ...t.writes.map((w) => ({ port: w.port, us: w.us - ms(500) })), ...t.writes.map((w) => ({ port: w.port, us: w.us + ms(500) }))];
    const sent = 3 * 1.5 + 30 + 2;
    const out = turnLegs([{ eotUs: 0, botStartedUs: ms(sent), firstAudioUs: ms(sent), turn: 4 }], t.trace, writes);
    expect(out.added.count).toBe(1);
    expect(out.added.p50).toBeCloseTo(5, 6);
  });

  it("leaves out turns it cannot tie to all three of their requests and writes", () => {
    const t = requests(5, 100, { stt: 100, llm: 150, tts: 80, gap: 1 });
    const six = requests(6, 100, { stt: 1, llm: 1, tts: 1, gap: 1 });
    const turns: TurnRecord[] = [
      { eotUs: ms(100), botStartedUs: ms(500), firstAudioUs: ms(500) }, // no tag
      { eotUs: ms(100), firstAudioUs: ms(500), turn: 5 }, // the server's bot_started never came
      { eotUs: ms(100), botStartedUs: ms(500), firstAudioUs: ms(500), turn: 6 }, // its speech request is missing
      { eotUs: ms(100), botStartedUs: ms(300), firstAudioUs: ms(300), turn: 5 }, // sent before its TTS answered: not its answer
      { eotUs: ms(200), botStartedUs: ms(800), firstAudioUs: ms(800), turn: 5 }, // STT request before its end of turn
    ];
    expect(turnLegs(turns, [...t.trace, ...six.trace.slice(0, 2)], [...t.writes, ...six.writes]).added.count).toBe(0);
    // Without the server's writes nothing is tied either.
    expect(turnLegs([{ eotUs: ms(100), botStartedUs: ms(500), firstAudioUs: ms(500), turn: 5 }], t.trace, []).added.count).toBe(0);
  });

  it("takes a turn's first TTS request (the tagged sentence), not a later one", () => {
    const t = requests(9, 0, { stt: 10, llm: 10, tts: 10, gap: 1 });
    const later: StandInTrace = { endpoint: "speech", turn: 9, port: 93, receivedUs: ms(500), bodyUs: ms(500), firstByteUs: ms(501) };
    const sent = 3 * 1.5 + 30 + 2;
    const out = turnLegs([{ eotUs: 0, botStartedUs: ms(sent), firstAudioUs: ms(sent + 1), turn: 9 }], [later, ...t.trace], [...t.writes, { port: 93, us: ms(499) }]);
    expect(out.added.count).toBe(1);
    expect(out.added.p50).toBeCloseTo(5, 6);
  });
});
